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
  /** Packaged builds have no DevTools at all: not in the menu, not by shortcut, not by openDevTools(). */
  devTools: boolean;
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
      devTools: options.devTools,
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

/**
 * A small frameless window of the main process's own (ringing, sharing indicator) above other apps. Its
 * page is static HTML whose buttons are links the main process intercepts (staticPage.ts), so it needs
 * neither JavaScript nor a preload, and no DevTools.
 */
function floatingWindowOptions(title: string, bounds: Rect) {
  return {
    title,
    ...bounds,
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
    webPreferences: { ...secureWebPreferences(), javascript: false, spellcheck: false, devTools: false },
  } as const;
}

const FLOATING_MARGIN = 16;
export const RINGING_WINDOW_SIZE = { width: 360, height: 132 } as const;

/**
 * The ringing window: in the bottom-right corner of the screen, shown without taking focus (so the user's
 * typing elsewhere is not interrupted).
 */
export function ringingWindowOptions(workArea: Rect) {
  return floatingWindowOptions('Incoming call — CallBridge', {
    x: workArea.x + workArea.width - RINGING_WINDOW_SIZE.width - FLOATING_MARGIN,
    y: workArea.y + workArea.height - RINGING_WINDOW_SIZE.height - FLOATING_MARGIN,
    ...RINGING_WINDOW_SIZE,
  });
}

export const SHARING_INDICATOR_SIZE = { width: 380, height: 48 } as const;

/** The sharing indicator: at the top centre of the screen, where a browser's "is sharing" bar would be. */
export function sharingIndicatorWindowOptions(workArea: Rect) {
  return floatingWindowOptions('You are sharing your screen — CallBridge', {
    x: Math.round(workArea.x + (workArea.width - SHARING_INDICATOR_SIZE.width) / 2),
    y: workArea.y + FLOATING_MARGIN,
    ...SHARING_INDICATOR_SIZE,
  });
}
