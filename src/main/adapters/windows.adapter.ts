import { app, BrowserWindow, screen, type WebContents } from 'electron';
import { APP_ORIGIN, type EventChannel, type EventPayload } from '../../shared/ipc.ts';
import { navigationDecision, windowOpenDecision } from '../security/navigation.ts';
import type { CallAlertPorts, RingingCall } from '../services/callAlerts.service.ts';
import type { SettingsService } from '../services/settings.service.ts';
import type { SharingIndicatorPorts, SharingView } from '../services/sharingIndicator.service.ts';
import type { TrayAction } from '../services/trayModel.ts';
import { ringingActionFromUrl, ringingPageUrl } from '../windows/ringingPage.ts';
import { isStopSharingUrl, sharingIndicatorPageUrl } from '../windows/sharingIndicatorPage.ts';
import {
  mainWindowOptions,
  restorableBounds,
  ringingWindowOptions,
  sharingIndicatorWindowOptions,
} from '../windows/windowOptions.ts';

export function sendEvent<C extends EventChannel>(
  contents: WebContents,
  channel: C,
  payload: EventPayload<C>,
): void {
  if (!contents.isDestroyed()) contents.send(channel, payload);
}

/**
 * Applies to every webContents the app ever has (windows, devtools, anything a bug might create): no
 * window.open, no <webview>, no navigation away from the app. Web and mail links go to `openLink` (the
 * user's browser or mail program, after asking; see shell.adapter.ts).
 */
export function lockDownAllWebContents(openLink: (url: string) => void): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(({ url }) => {
      const external = windowOpenDecision(url).openExternally;
      if (external) openLink(external);
      return { action: 'deny' };
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.on('will-navigate', (event) => {
      const decision = navigationDecision(event.url);
      if (decision.allow) return;
      event.preventDefault();
      if (decision.openExternally) openLink(decision.openExternally);
    });
  });
}

/** Windows hidden from captures whatever the setting (the sharing indicator). */
const alwaysHiddenFromCapture = new WeakSet<BrowserWindow>();

/** The "hide CallBridge from screen shares" setting, applied to every window of the app. */
export function applyHideFromCapture(hide: boolean): void {
  for (const win of BrowserWindow.getAllWindows())
    if (!win.isDestroyed()) win.setContentProtection(hide || alwaysHiddenFromCapture.has(win));
}

/** Reloads the page of one of the app's windows: every capture and connection it held ends with it. */
export function reloadWebContents(webContentsId: number): void {
  const win = BrowserWindow.getAllWindows().find(
    (w) => !w.isDestroyed() && w.webContents.id === webContentsId,
  );
  win?.webContents.reloadIgnoringCache();
}

export interface MainWindowOptions {
  preloadPath: string;
  iconPath: string;
  settings: SettingsService;
  /** webContents ids allowed to use the IPC contract; the window adds and removes its own. */
  trustedWebContents: Set<number>;
  /** Whether closing should hide the window (a call is on) rather than close it. */
  closeAction(): 'close' | 'hide';
  /** The renderer went away (closed, crashed, navigated): cancel what it had open. */
  onRendererGone(webContentsId: number): void;
  startHidden: boolean;
  devTools: boolean;
}

export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const { settings } = options;
  const saved = restorableBounds(
    settings.windowBounds(),
    screen.getAllDisplays().map((d) => d.workArea),
  );
  const win = new BrowserWindow(
    mainWindowOptions({
      preloadPath: options.preloadPath,
      bounds: saved,
      iconPath: options.iconPath,
      devTools: options.devTools,
    }),
  );
  const contentsId = win.webContents.id;
  options.trustedWebContents.add(contentsId);
  win.setContentProtection(settings.get().hideWindowsFromCapture === true);
  if (saved?.maximized) win.maximize();

  win.once('ready-to-show', () => {
    if (!options.startHidden) win.show();
  });
  win.on('close', (event) => {
    const normal = win.getNormalBounds();
    settings.saveWindowBounds({ ...normal, maximized: win.isMaximized() });
    if (options.closeAction() === 'hide') {
      event.preventDefault();
      win.hide();
    }
  });
  win.on('focus', () => win.flashFrame(false));
  win.webContents.on('render-process-gone', () => options.onRendererGone(contentsId));
  win.webContents.on('did-navigate', () => options.onRendererGone(contentsId));
  win.webContents.once('destroyed', () => {
    options.trustedWebContents.delete(contentsId);
    options.onRendererGone(contentsId);
  });

  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}

export function showWindow(win: BrowserWindow): void {
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

/** The always-on-top ringing window (see ringingPage.ts for why a window). */
export function ringingWindowPort(
  onAction: (action: TrayAction) => void,
  hideFromCapture: () => boolean,
): CallAlertPorts['ringingWindow'] {
  let current: BrowserWindow | null = null;
  const close = () => {
    if (current && !current.isDestroyed()) current.destroy();
    current = null;
  };
  return {
    show(call: RingingCall) {
      close();
      const win = new BrowserWindow(ringingWindowOptions(screen.getPrimaryDisplay().workArea));
      current = win;
      win.setAlwaysOnTop(true, 'floating');
      win.setVisibleOnAllWorkspaces(true);
      win.setContentProtection(hideFromCapture());
      win.webContents.on('will-navigate', (event) => {
        // Every link on the page is an action; nothing navigates.
        event.preventDefault();
        const action = ringingActionFromUrl(event.url);
        if (action) onAction(action);
      });
      win.once('ready-to-show', () => win.showInactive());
      void win.loadURL(ringingPageUrl(call));
    },
    close,
  };
}

/**
 * The sharing indicator window (see sharingIndicator.service.ts). Always hidden from captures, whatever
 * the "hide CallBridge from screen shares" setting: it would otherwise be in every full-screen share it
 * announces. Its windows also never appear in the picker, which leaves out all of the app's own windows.
 */
export function sharingIndicatorPort(onStop: () => void): SharingIndicatorPorts['indicator'] {
  let current: BrowserWindow | null = null;
  return {
    show(view: SharingView) {
      if (!current || current.isDestroyed()) {
        const win = new BrowserWindow(sharingIndicatorWindowOptions(screen.getPrimaryDisplay().workArea));
        current = win;
        alwaysHiddenFromCapture.add(win);
        win.setContentProtection(true);
        win.setAlwaysOnTop(true, 'screen-saver');
        win.setVisibleOnAllWorkspaces(true, { visibleOnFullScreen: true });
        win.webContents.on('will-navigate', (event) => {
          event.preventDefault();
          if (isStopSharingUrl(event.url)) onStop();
        });
        win.once('ready-to-show', () => win.showInactive());
      }
      void current.loadURL(sharingIndicatorPageUrl(view));
    },
    close() {
      if (current && !current.isDestroyed()) current.destroy();
      current = null;
    },
  };
}
