/**
 * Everything that tells the user about calls outside the main window: the tray icon and menu, the ringing
 * window for an incoming call, missed-call notifications, the app badge and the taskbar flash. The renderer
 * reports the call state (setCallPresence) and missed calls; this service decides what to show, honouring
 * Do Not Disturb, and turns clicks in the tray and the ringing window into ShellActions for the renderer.
 *
 * Do Not Disturb silences: no ringing window, no missed-call notification, no taskbar flash. It does not
 * hide: missed calls are still recorded, counted on the badge and listed in the tray.
 */
import type { CallPresence, Result, Settings, SettingsPatch, ShellAction } from '../../shared/desktopApi.ts';
import type { MissedCallNotice } from '../../shared/ipc.ts';
import type { SharingView } from './sharingIndicator.service.ts';
import {
  TRAY_MISSED_CALLS_SHOWN,
  trayModel,
  type MissedCallSummary,
  type TrayAction,
  type TrayModel,
} from './trayModel.ts';

export type RingingCall = Extract<CallPresence, { state: 'ringing' }>;

export interface CallAlertPorts {
  tray: { render(model: TrayModel): void };
  ringingWindow: { show(call: RingingCall): void; close(): void };
  notifications: { missedCall(call: MissedCallSummary, unseenCount: number): void };
  attention: {
    /** App badge (macOS dock, Linux launcher) and the Windows taskbar overlay. */
    setMissedCount(count: number): void;
    /** Flashes the taskbar entry / bounces the dock icon until the app is focused. */
    request(): void;
  };
  shell: {
    /** Sends the action to the main window's renderer. */
    dispatch(action: ShellAction): void;
    showMainWindow(): void;
    /** Stop in the tray's sharing entry (the sharing indicator's own Stop). */
    stopSharing(): void;
    quit(): void;
  };
  missedCalls: {
    unseen(limit: number): MissedCallSummary[];
    unseenCount(): number;
    has(callId: string): boolean;
  };
  settings: {
    get(): Settings;
    update(patch: SettingsPatch): Result<Settings>;
    lockedKeys(): ReadonlySet<string>;
  };
}

export class CallAlertsService {
  readonly #ports: CallAlertPorts;
  #presence: CallPresence = { state: 'idle' };
  #sharing: SharingView | null = null;
  #ringingShownFor: string | null = null;
  /**
   * Missed calls reported but not (yet) in the history database, newest last. The renderer may report a
   * missed call before or after it records it; counting these keeps the badge right either way.
   */
  readonly #reportedMissed = new Map<string, MissedCallSummary>();

  constructor(ports: CallAlertPorts) {
    this.#ports = ports;
  }

  get presence(): CallPresence {
    return this.#presence;
  }

  /** Draws the initial tray and badge (unseen missed calls from earlier runs count too). */
  start(): void {
    this.#refresh();
  }

  setPresence(presence: CallPresence): void {
    this.#presence = presence;
    this.#syncRingingWindow();
    this.#refresh();
  }

  missedCall(notice: MissedCallNotice): void {
    if (!this.#ports.missedCalls.has(notice.callId)) this.#reportedMissed.set(notice.callId, notice);
    const settings = this.#ports.settings.get();
    const count = this.#refresh();
    if (settings.doNotDisturb) return;
    if (settings.notifyMissedCalls) this.#ports.notifications.missedCall(notice, count);
    this.#ports.attention.request();
  }

  /** After the history changed (a call recorded, merged, deleted...): recount. */
  historyChanged(): void {
    this.#refresh();
  }

  /** The user saw these missed calls (opened history) or removed them. */
  seen(callIds: readonly string[] | 'all'): void {
    if (callIds === 'all') this.#reportedMissed.clear();
    else for (const id of callIds) this.#reportedMissed.delete(id);
    this.#refresh();
  }

  settingsChanged(): void {
    this.#syncRingingWindow();
    this.#refresh();
  }

  /** The sharing indicator's state, which the tray shows too. */
  setSharing(sharing: SharingView | null): void {
    this.#sharing = sharing;
    this.#refresh();
  }

  /** A click in the tray menu, the ringing window or a notification. */
  handle(action: TrayAction): void {
    const { shell } = this.#ports;
    switch (action.type) {
      case 'open':
        shell.showMainWindow();
        return;
      case 'open-history':
      case 'call-back':
        shell.showMainWindow();
        shell.dispatch(action);
        return;
      case 'answer':
      case 'decline':
        // A click on a stale ringing window or menu (the call ended meanwhile) does nothing.
        if (this.#presence.state !== 'ringing' || this.#presence.callId !== action.callId) return;
        this.#closeRingingWindow();
        if (action.type === 'answer') shell.showMainWindow();
        shell.dispatch(action);
        return;
      case 'toggle-do-not-disturb':
        this.#toggle('doNotDisturb');
        return;
      case 'toggle-launch-at-login':
        this.#toggle('launchAtLogin');
        return;
      case 'stop-sharing':
        shell.stopSharing();
        return;
      case 'quit':
        shell.quit();
        return;
    }
  }

  #toggle(key: 'doNotDisturb' | 'launchAtLogin'): void {
    // A locked setting is refused by the settings service; the menu item is disabled anyway.
    this.#ports.settings.update({ [key]: !this.#ports.settings.get()[key] });
  }

  #syncRingingWindow(): void {
    const presence = this.#presence;
    const shouldRing = presence.state === 'ringing' && !this.#ports.settings.get().doNotDisturb;
    if (shouldRing && this.#ringingShownFor !== presence.callId) {
      this.#ringingShownFor = presence.callId;
      this.#ports.ringingWindow.show(presence);
    } else if (!shouldRing) {
      this.#closeRingingWindow();
    }
  }

  #closeRingingWindow(): void {
    if (this.#ringingShownFor === null) return;
    this.#ringingShownFor = null;
    this.#ports.ringingWindow.close();
  }

  /** Redraws tray and badge; returns the unseen missed-call count. */
  #refresh(): number {
    const { missedCalls, settings } = this.#ports;
    for (const id of this.#reportedMissed.keys()) {
      if (missedCalls.has(id)) this.#reportedMissed.delete(id);
    }
    const count = missedCalls.unseenCount() + this.#reportedMissed.size;
    const recentMissed = [...this.#reportedMissed.values()]
      .reverse()
      .concat(missedCalls.unseen(TRAY_MISSED_CALLS_SHOWN))
      .slice(0, TRAY_MISSED_CALLS_SHOWN);
    const current = settings.get();
    this.#ports.tray.render(
      trayModel({
        presence: this.#presence,
        missedCount: count,
        recentMissed,
        doNotDisturb: current.doNotDisturb,
        launchAtLogin: current.launchAtLogin,
        lockedSettings: settings.lockedKeys(),
        sharing: this.#sharing,
      }),
    );
    this.#ports.attention.setMissedCount(count);
    return count;
  }
}
