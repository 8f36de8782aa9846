/**
 * How the app's windows are built, as plain data the window adapter passes to `new BrowserWindow`, so the
 * security-relevant options are asserted in tests rather than trusted to a reading of index.ts.
 */
import type { WindowBounds } from '../services/settings.service.ts';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Options every window of the app shares: an isolated, sandboxed renderer without Node. */
export function secureWebPreferences() {
  return {
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
  } as const;
}

export const MAIN_WINDOW_DEFAULT_SIZE = { width: 1200, height: 800 } as const;
export const MAIN_WINDOW_MIN_SIZE = { width: 720, height: 520 } as const;
const VISIBLE_MARGIN = { width: 120, height: 60 } as const;

/** The saved bounds when enough of them is still on a connected display, otherwise null (centre it). */
export function restorableBounds(
  saved: WindowBounds | null,
  workAreas: readonly Rect[],
): WindowBounds | null {
  if (!saved) return null;
  const visible = workAreas.some((area) => {
    const width = Math.min(saved.x + saved.width, area.x + area.width) - Math.max(saved.x, area.x);
    const height = Math.min(saved.y + saved.height, area.y + area.height) - Math.max(saved.y, area.y);
    return width >= VISIBLE_MARGIN.width && height >= VISIBLE_MARGIN.height;
  });
  return visible ? saved : null;
}

export function mainWindowOptions(options: {
  preloadPath: string;
  bounds: WindowBounds | null;
  iconPath: string;
}) {
  const { bounds } = options;
  return {
    title: 'CallBridge',
    icon: options.iconPath,
    show: false,
    ...(bounds
      ? { x: bounds.x, y: bounds.y, width: bounds.width, height: bounds.height }
      : MAIN_WINDOW_DEFAULT_SIZE),
    minWidth: MAIN_WINDOW_MIN_SIZE.width,
    minHeight: MAIN_WINDOW_MIN_SIZE.height,
    backgroundColor: '#111418',
    webPreferences: {
      ...secureWebPreferences(),
      preload: options.preloadPath,
      // A call keeps running while the window is hidden in the tray: Chromium's throttling of hidden pages
      // would stretch the signaling heartbeat and the 3 s quality sampling to once a minute.
      backgroundThrottling: false,
      // The ringtone must play for a call that arrives before the user has clicked anything (launch at login).
      autoplayPolicy: 'no-user-gesture-required',
      spellcheck: false,
    },
  } as const;
}

export const RINGING_WINDOW_SIZE = { width: 360, height: 132 } as const;

/**
 * The ringing window: small, frameless, above other apps, in the bottom-right corner of the screen, shown
 * without taking focus (so the user's typing elsewhere is not interrupted). Its page is static HTML whose
 * buttons are links the main process intercepts, so it needs neither JavaScript nor a preload.
 */
export function ringingWindowOptions(workArea: Rect) {
  const margin = 16;
  return {
    title: 'Incoming call — CallBridge',
    x: workArea.x + workArea.width - RINGING_WINDOW_SIZE.width - margin,
    y: workArea.y + workArea.height - RINGING_WINDOW_SIZE.height - margin,
    ...RINGING_WINDOW_SIZE,
    show: false,
    frame: false,
    resizable: false,
    movable: true,
    minimizable: false,
    maximizable: false,
    fullscreenable: false,
    alwaysOnTop: true,
    skipTaskbar: true,
    backgroundColor: '#1b1f24',
    webPreferences: { ...secureWebPreferences(), javascript: false, spellcheck: false },
  } as const;
}
