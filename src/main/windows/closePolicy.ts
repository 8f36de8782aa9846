/**
 * What closing the main window and quitting do, by call state. A call lives in the main window's renderer,
 * so closing that window during a call (or while it rings) hides it to the tray instead of hanging up, and
 * quitting during a call asks first.
 */
import type { CallPresence } from '../../shared/desktopApi.ts';

export function onMainWindowClose(
  presence: CallPresence,
  options: { quitting: boolean; platform: NodeJS.Platform },
): 'close' | 'hide' {
  if (options.quitting) return 'close';
  if (presence.state !== 'idle') return 'hide';
  // macOS convention: closing the window leaves the app running (Dock icon reopens it) and reachable.
  return options.platform === 'darwin' ? 'hide' : 'close';
}

export function quitNeedsConfirmation(presence: CallPresence): boolean {
  return presence.state === 'in-call';
}
