/**
 * What the tray shows, as data: the icon, the tooltip and the context menu for a given call state. The tray
 * adapter turns this into Electron's Tray and Menu; every decision about what appears lives here.
 */
import type { CallPresence } from '../../shared/desktopApi.ts';
import type { CallType } from '../../shared/protocol/index.ts';
import type { SharingView } from './sharingIndicator.service.ts';

export type TrayIcon = 'idle' | 'ringing' | 'in-call' | 'sharing' | 'missed';

export type TrayAction =
  | { type: 'open' }
  | { type: 'open-history' }
  | { type: 'answer'; callId: string; withVideo: boolean }
  | { type: 'decline'; callId: string }
  | { type: 'call-back'; callId: string }
  | { type: 'toggle-do-not-disturb' }
  | { type: 'toggle-launch-at-login' }
  | { type: 'stop-sharing' }
  | { type: 'quit' };

export type TrayMenuItem =
  | { kind: 'action'; label: string; action: TrayAction; enabled: boolean }
  | { kind: 'checkbox'; label: string; checked: boolean; action: TrayAction; enabled: boolean }
  | { kind: 'submenu'; label: string; items: TrayMenuItem[] }
  | { kind: 'separator' };

export interface TrayModel {
  icon: TrayIcon;
  tooltip: string;
  menu: TrayMenuItem[];
}

export interface MissedCallSummary {
  callId: string;
  callerName: string;
  type: CallType;
}

export interface TrayState {
  presence: CallPresence;
  missedCount: number;
  /** The newest unseen missed calls (the menu offers to call them back). */
  recentMissed: MissedCallSummary[];
  doNotDisturb: boolean;
  launchAtLogin: boolean;
  lockedSettings: ReadonlySet<string>;
  /** A screen share this app runs (the sharing indicator's state), or null. */
  sharing: SharingView | null;
}

const APP_NAME = 'CallBridge';
/** Tray menus are for quick actions; the full list is one click away in history. */
export const TRAY_MISSED_CALLS_SHOWN = 5;

const action = (label: string, act: TrayAction, enabled = true): TrayMenuItem => ({
  kind: 'action',
  label,
  action: act,
  enabled,
});

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

function trayIcon(state: TrayState): TrayIcon {
  if (state.sharing) return 'sharing';
  if (state.presence.state === 'ringing') return 'ringing';
  if (state.presence.state === 'in-call') return 'in-call';
  return state.missedCount > 0 ? 'missed' : 'idle';
}

function tooltip(state: TrayState): string {
  const parts = [APP_NAME];
  const { presence } = state;
  if (state.sharing) parts.push(`Sharing ${state.sharing.label}`);
  if (presence.state === 'ringing') parts.push(`Incoming ${presence.type} call from ${presence.callerName}`);
  else if (presence.state === 'in-call') parts.push(`In call: ${presence.title}`);
  if (state.missedCount > 0) parts.push(plural(state.missedCount, 'missed call', 'missed calls'));
  if (state.doNotDisturb) parts.push('Do Not Disturb');
  // Windows truncates tray tooltips at 127 characters.
  return parts.join(' — ').slice(0, 127);
}

function missedCallsMenu(state: TrayState): TrayMenuItem {
  const label = state.missedCount > 0 ? `Missed calls (${state.missedCount})` : 'Missed calls';
  const items: TrayMenuItem[] =
    state.recentMissed.length === 0
      ? [action('No missed calls', { type: 'open-history' }, false)]
      : state.recentMissed
          .slice(0, TRAY_MISSED_CALLS_SHOWN)
          .map((call) => action(`Call back ${call.callerName}`, { type: 'call-back', callId: call.callId }));
  items.push({ kind: 'separator' }, action('Show call history', { type: 'open-history' }));
  return { kind: 'submenu', label, items };
}

export function trayModel(state: TrayState): TrayModel {
  const { presence } = state;
  const menu: TrayMenuItem[] = [action(`Open ${APP_NAME}`, { type: 'open' })];
  if (state.sharing) {
    menu.push(
      { kind: 'separator' },
      action(`Stop sharing ${state.sharing.label}`, { type: 'stop-sharing' }, !state.sharing.stopping),
    );
  }
  if (presence.state === 'ringing') {
    menu.push(
      { kind: 'separator' },
      action(`Answer ${presence.callerName}`, { type: 'answer', callId: presence.callId, withVideo: false }),
      ...(presence.type === 'video'
        ? [action('Answer with video', { type: 'answer', callId: presence.callId, withVideo: true })]
        : []),
      action('Decline', { type: 'decline', callId: presence.callId }),
    );
  }
  menu.push(
    { kind: 'separator' },
    missedCallsMenu(state),
    { kind: 'separator' },
    {
      kind: 'checkbox',
      label: 'Do Not Disturb',
      checked: state.doNotDisturb,
      action: { type: 'toggle-do-not-disturb' },
      enabled: !state.lockedSettings.has('doNotDisturb'),
    },
    {
      kind: 'checkbox',
      label: 'Launch at login',
      checked: state.launchAtLogin,
      action: { type: 'toggle-launch-at-login' },
      enabled: !state.lockedSettings.has('launchAtLogin'),
    },
    { kind: 'separator' },
    action(`Quit ${APP_NAME}`, { type: 'quit' }),
  );
  return { icon: trayIcon(state), tooltip: tooltip(state), menu };
}
