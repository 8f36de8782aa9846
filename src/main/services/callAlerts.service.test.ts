import { beforeEach, describe, expect, it } from 'vitest';
import type { Settings, SettingsPatch, ShellAction } from '../../shared/desktopApi.ts';
import { fail, ok } from '../result.ts';
import { CallAlertsService, type RingingCall } from './callAlerts.service.ts';
import { defaultSettings } from './settings.service.ts';
import type { MissedCallSummary, TrayMenuItem, TrayModel } from './trayModel.ts';

const CALL_A = '00000000-0000-4000-8000-0000000000a1';
const CALL_B = '00000000-0000-4000-8000-0000000000b2';
const CALL_C = '00000000-0000-4000-8000-0000000000c3';

const ringing = (callId = CALL_A, type: RingingCall['type'] = 'video'): RingingCall => ({
  state: 'ringing',
  callId,
  callerName: 'Alice',
  type,
});

/** Everything the service did to the outside world, as a user would see it. */
class World {
  tray: TrayModel | null = null;
  ringingWindow: RingingCall | null = null;
  ringingShownFor: string[] = [];
  notifications: Array<{ call: MissedCallSummary; count: number }> = [];
  badge = 0;
  attentionRequests = 0;
  dispatched: ShellAction[] = [];
  mainWindowShown = 0;
  stopSharingClicks = 0;
  quit = false;
  /** The history database: unseen missed calls, newest first, and every callId it holds. */
  dbUnseenMissed: MissedCallSummary[] = [];
  dbCallIds = new Set<string>();
  settings: Settings = defaultSettings(null);
  locked = new Set<string>();
  service: CallAlertsService;

  constructor() {
    this.service = new CallAlertsService({
      tray: { render: (model) => (this.tray = model) },
      ringingWindow: {
        show: (call) => {
          this.ringingWindow = call;
          this.ringingShownFor.push(call.callId);
        },
        close: () => (this.ringingWindow = null),
      },
      notifications: { missedCall: (call, count) => this.notifications.push({ call, count }) },
      attention: { setMissedCount: (n) => (this.badge = n), request: () => this.attentionRequests++ },
      shell: {
        dispatch: (action) => this.dispatched.push(action),
        showMainWindow: () => this.mainWindowShown++,
        stopSharing: () => this.stopSharingClicks++,
        quit: () => (this.quit = true),
      },
      missedCalls: {
        unseen: (limit) => this.dbUnseenMissed.slice(0, limit),
        unseenCount: () => this.dbUnseenMissed.length,
        has: (id) => this.dbCallIds.has(id),
      },
      settings: {
        get: () => this.settings,
        update: (patch: SettingsPatch) => {
          const key = Object.keys(patch).find((k) => this.locked.has(k));
          if (key) return fail('locked', `${key}: set by your administrator`);
          this.settings = { ...this.settings, ...patch };
          this.service.settingsChanged();
          return ok(this.settings);
        },
        lockedKeys: () => this.locked,
      },
    });
  }

  recordInDb(call: MissedCallSummary): void {
    this.dbCallIds.add(call.callId);
    this.dbUnseenMissed.unshift(call);
  }

  menuItem(label: string, items: TrayMenuItem[] = this.tray!.menu): TrayMenuItem | undefined {
    for (const item of items) {
      if ('label' in item && item.label === label) return item;
      if (item.kind === 'submenu') {
        const inner = this.menuItem(label, item.items);
        if (inner) return inner;
      }
    }
    return undefined;
  }

  click(label: string): void {
    const item = this.menuItem(label);
    if (!item || !('action' in item)) throw new Error(`no menu item "${label}"`);
    if (!item.enabled) throw new Error(`menu item "${label}" is disabled`);
    this.service.handle(item.action);
  }
}

describe('CallAlertsService', () => {
  let world: World;
  beforeEach(() => {
    world = new World();
    world.service.start();
  });

  it('starts idle with the missed calls of earlier runs on the badge', () => {
    const fresh = new World();
    fresh.recordInDb({ callId: CALL_C, callerName: 'Carol', type: 'audio' });
    fresh.service.start();
    expect(fresh.tray).toMatchObject({ icon: 'missed', tooltip: 'CallBridge — 1 missed call' });
    expect(fresh.badge).toBe(1);
    expect(world.tray).toMatchObject({ icon: 'idle', tooltip: 'CallBridge' });
  });

  describe('an incoming call', () => {
    it('raises the ringing window and the tray offers to answer or decline', () => {
      world.service.setPresence(ringing());
      expect(world.ringingWindow).toEqual(ringing());
      expect(world.tray).toMatchObject({
        icon: 'ringing',
        tooltip: 'CallBridge — Incoming video call from Alice',
      });
      expect(world.menuItem('Answer with video')).toBeDefined();

      world.click('Answer with video');
      expect(world.dispatched).toEqual([{ type: 'answer', callId: CALL_A, withVideo: true }]);
      expect(world.ringingWindow).toBeNull();
      expect(world.mainWindowShown).toBe(1);
    });

    it('offers no video answer for an audio call, and declining closes the ringing window', () => {
      world.service.setPresence(ringing(CALL_A, 'audio'));
      expect(world.menuItem('Answer with video')).toBeUndefined();
      world.click('Decline');
      expect(world.dispatched).toEqual([{ type: 'decline', callId: CALL_A }]);
      expect(world.ringingWindow).toBeNull();
      expect(world.mainWindowShown).toBe(0);
    });

    it('closes the ringing window when the call is answered elsewhere or stops ringing', () => {
      world.service.setPresence(ringing());
      world.service.setPresence({ state: 'in-call', callId: CALL_A, title: 'Alice' });
      expect(world.ringingWindow).toBeNull();
      expect(world.tray).toMatchObject({ icon: 'in-call', tooltip: 'CallBridge — In call: Alice' });
    });

    it('ignores a click on a ringing window whose call has ended', () => {
      world.service.setPresence(ringing());
      world.service.setPresence({ state: 'idle' });
      world.service.handle({ type: 'answer', callId: CALL_A, withVideo: false });
      expect(world.dispatched).toEqual([]);
    });

    it('rings once per call, and again for the next call', () => {
      world.service.setPresence(ringing(CALL_A));
      world.service.setPresence(ringing(CALL_A));
      world.service.setPresence(ringing(CALL_B));
      expect(world.ringingShownFor).toEqual([CALL_A, CALL_B]);
    });
  });

  describe('missed calls', () => {
    const missed = { callId: CALL_B, callerName: 'Bob', type: 'audio' as const };

    it('notify, count on the badge, flash, and are listed to call back', () => {
      world.service.missedCall(missed);
      expect(world.notifications).toEqual([{ call: missed, count: 1 }]);
      expect(world.badge).toBe(1);
      expect(world.attentionRequests).toBe(1);
      expect(world.tray).toMatchObject({ icon: 'missed', tooltip: 'CallBridge — 1 missed call' });

      world.click('Call back Bob');
      expect(world.dispatched).toEqual([{ type: 'call-back', callId: CALL_B }]);
      expect(world.mainWindowShown).toBe(1);
    });

    it('are counted once whether the renderer records them before or after reporting', () => {
      world.service.missedCall(missed);
      world.recordInDb(missed);
      world.service.historyChanged();
      expect(world.badge).toBe(1);

      const other = { callId: CALL_C, callerName: 'Carol', type: 'video' as const };
      world.recordInDb(other);
      world.service.historyChanged();
      world.service.missedCall(other);
      expect(world.badge).toBe(2);
      expect(world.menuItem('Missed calls (2)')).toBeDefined();
    });

    it('clear from the badge and the tray once seen (history opened)', () => {
      world.service.missedCall(missed);
      world.recordInDb({ callId: CALL_C, callerName: 'Carol', type: 'video' });
      world.service.historyChanged();
      expect(world.badge).toBe(2);

      world.dbUnseenMissed = []; // the repository marked everything seen
      world.service.seen('all');
      expect(world.badge).toBe(0);
      expect(world.tray).toMatchObject({ icon: 'idle' });
      expect(world.menuItem('No missed calls')).toMatchObject({ enabled: false });
    });

    it('respect the "notify missed calls" setting but still count', () => {
      world.settings = { ...world.settings, notifyMissedCalls: false };
      world.service.missedCall(missed);
      expect(world.notifications).toEqual([]);
      expect(world.badge).toBe(1);
    });
  });

  describe('Do Not Disturb', () => {
    it('silences ringing, missed-call notifications and flashing, but still counts missed calls', () => {
      world.click('Do Not Disturb');
      expect(world.settings.doNotDisturb).toBe(true);
      expect(world.menuItem('Do Not Disturb')).toMatchObject({ checked: true });

      world.service.setPresence(ringing());
      expect(world.ringingWindow).toBeNull();
      world.service.setPresence({ state: 'idle' });
      world.service.missedCall({ callId: CALL_A, callerName: 'Alice', type: 'video' });
      expect(world.notifications).toEqual([]);
      expect(world.attentionRequests).toBe(0);
      expect(world.badge).toBe(1);
      expect(world.tray?.tooltip).toBe('CallBridge — 1 missed call — Do Not Disturb');
    });

    it('turned on while ringing closes the ringing window; turned off again brings it back', () => {
      world.service.setPresence(ringing());
      world.click('Do Not Disturb');
      expect(world.ringingWindow).toBeNull();
      world.click('Do Not Disturb');
      expect(world.ringingWindow?.callId).toBe(CALL_A);
    });

    it('cannot be toggled from the tray when the administrator locked it', () => {
      world.locked.add('doNotDisturb');
      world.service.settingsChanged();
      expect(() => world.click('Do Not Disturb')).toThrow(/disabled/);
    });
  });

  it('shows a screen share in the tray, above the call, with a way to stop it', () => {
    world.service.setPresence({ state: 'in-call', callId: CALL_A, title: 'Alice' });
    world.service.setSharing({ label: 'Quarterly plan — Editor', stopping: false });
    expect(world.tray).toMatchObject({
      icon: 'sharing',
      tooltip: 'CallBridge — Sharing Quarterly plan — Editor — In call: Alice',
    });
    world.click('Stop sharing Quarterly plan — Editor');
    expect(world.stopSharingClicks).toBe(1);

    world.service.setSharing({ label: 'Quarterly plan — Editor', stopping: true });
    expect(() => world.click('Stop sharing Quarterly plan — Editor')).toThrow(/disabled/);
    world.service.setSharing(null);
    expect(world.tray).toMatchObject({ icon: 'in-call', tooltip: 'CallBridge — In call: Alice' });
    expect(world.menuItem('Stop sharing Quarterly plan — Editor')).toBeUndefined();
  });

  it('toggles launch at login and quits from the tray', () => {
    world.click('Launch at login');
    expect(world.settings.launchAtLogin).toBe(true);
    world.click('Quit CallBridge');
    expect(world.quit).toBe(true);
  });
});
