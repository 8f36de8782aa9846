/**
 * The Electron main process's composition root: builds the adapters (the only code touching Electron), hands
 * them to the services as ports, registers the IPC contract and the app's lifecycle. All decisions live in
 * the services and pure modules it wires together; see their tests.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { app, BrowserWindow, globalShortcut, ipcMain, session } from 'electron';
import type { ShellAction } from '../shared/desktopApi.ts';
import { registerAppScheme, serveAppProtocol } from './adapters/appProtocol.adapter.ts';
import { guardQuitDuringCalls, launchedAtLogin, setLaunchAtLogin } from './adapters/lifecycle.adapter.ts';
import {
  installDisplayMediaHandler,
  installPermissionHandlers,
  openScreenRecordingSettings,
  screenCaptureDeps,
} from './adapters/session.adapter.ts';
import { createSettingsStore } from './adapters/settingsStore.adapter.ts';
import {
  askToRestartForUpdate,
  attentionPort,
  confirmQuitDuringCall,
  notificationsPort,
  trayPort,
} from './adapters/shell.adapter.ts';
import { electronUpdaterPort, hasBundledUpdateFeed } from './adapters/updater.adapter.ts';
import {
  createMainWindow,
  lockDownAllWebContents,
  ringingWindowPort,
  sendEvent,
  showWindow,
} from './adapters/windows.adapter.ts';
import { CallHistoryRepository } from './db/callHistory.repo.ts';
import { openHistoryDatabase } from './db/historyDb.ts';
import { createDesktopHandlers } from './ipc/desktopHandlers.ts';
import { createIpcRouter, registerIpc } from './ipc/registerIpc.ts';
import { createJsonLogger, errorMessage, logFileWriter, type Logger } from './log.ts';
import { HttpUrl, loadAdminPolicy, policyFilePath } from './services/adminPolicy.ts';
import { CallAlertsService } from './services/callAlerts.service.ts';
import { MuteShortcutService } from './services/muteShortcut.service.ts';
import { pickerModeFor, ScreenPickerService } from './services/screenPicker.service.ts';
import { SettingsService } from './services/settings.service.ts';
import { UpdaterService, updateMode } from './services/updater.service.ts';
import { onMainWindowClose } from './windows/closePolicy.ts';

const APP_USER_MODEL_ID = 'org.callbridge.desktop';

/** Set once the app knows its logs folder; until then lines go to stderr only. */
let writeToLogFile: ((line: string) => void) | null = null;
const log = createJsonLogger((line) => {
  process.stderr.write(line);
  writeToLogFile?.(line);
});

registerAppScheme();
// Windows shows notifications only for an app with an AppUserModelID (the installer's shortcut sets the same).
app.setAppUserModelId(APP_USER_MODEL_ID);
// A separate profile (settings, history, single-instance lock) for end-to-end tests and side-by-side runs.
if (process.env.CALLBRIDGE_USER_DATA_DIR)
  app.setPath('userData', path.resolve(process.env.CALLBRIDGE_USER_DATA_DIR));

if (app.requestSingleInstanceLock()) {
  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      log.error('startup failed', { error: errorMessage(error) });
      app.exit(1);
    });
} else {
  // Another instance runs: it gets 'second-instance' and comes to the front.
  app.quit();
}

/** `npm start` passes the local backend's URL; a bad value is reported and ignored. */
function defaultServerUrl(logger: Logger): string | null {
  const fromEnv = process.env.CALLBRIDGE_SERVER_URL;
  if (!fromEnv) return null;
  const parsed = HttpUrl.safeParse(fromEnv);
  if (parsed.success) return parsed.data;
  logger.warn('CALLBRIDGE_SERVER_URL ignored: not an http(s) URL');
  return null;
}

function openHistory(file: string, logger: Logger) {
  try {
    return openHistoryDatabase(file);
  } catch (error) {
    // The app stays usable for calls; this session's history is kept in memory only.
    logger.error('call history unavailable; keeping this session in memory', { error: errorMessage(error) });
    return openHistoryDatabase(':memory:');
  }
}

function start(): void {
  writeToLogFile = logFileWriter(app.getPath('logs'));
  const appRoot = app.getAppPath();
  const resources = path.join(appRoot, 'resources');
  const iconPath = path.join(resources, 'icon.png');
  const trustedWebContents = new Set<number>();
  let mainWindow: BrowserWindow | null = null;

  const policy = loadAdminPolicy(
    policyFilePath(process.platform, process.env),
    (file) => readFileSync(file, 'utf8'),
    log,
  );
  const settings = new SettingsService({
    store: createSettingsStore(),
    policy,
    defaultServerUrl: defaultServerUrl(log),
    log,
  });
  const db = openHistory(path.join(app.getPath('userData'), 'history.sqlite3'), log);
  const history = new CallHistoryRepository(db, log);

  lockDownAllWebContents(log);
  serveAppProtocol(
    session.defaultSession,
    path.join(appRoot, 'dist', 'web'),
    () => {
      const current = settings.get();
      return current.serverUrlLocked ? current.serverUrl : null;
    },
    log,
  );
  installPermissionHandlers(session.defaultSession, trustedWebContents);

  const showMainWindow = () => {
    if (mainWindow && !mainWindow.isDestroyed()) showWindow(mainWindow);
  };
  const dispatch = (action: ShellAction) => {
    if (mainWindow && !mainWindow.isDestroyed())
      sendEvent(mainWindow.webContents, 'desktop:shell-action', action);
  };

  const picker = new ScreenPickerService({
    ...screenCaptureDeps(),
    ownWindowSourceIds: () => new Set(BrowserWindow.getAllWindows().map((w) => w.getMediaSourceId())),
    mode: pickerModeFor(process.platform, process.env, app.commandLine.getSwitchValue('ozone-platform')),
    systemAudioSupported: process.platform === 'win32',
    log,
  });
  installDisplayMediaHandler(session.defaultSession, picker, trustedWebContents);

  const alerts: CallAlertsService = new CallAlertsService({
    tray: trayPort(path.join(resources, 'tray'), (action) => alerts.handle(action)),
    ringingWindow: ringingWindowPort(
      (action) => alerts.handle(action),
      () => settings.get().hideWindowsFromCapture === true,
    ),
    notifications: notificationsPort(iconPath, (action) => alerts.handle(action)),
    attention: attentionPort(() => mainWindow, path.join(resources, 'tray', 'overlay-missed.png')),
    shell: { dispatch, showMainWindow, quit: () => app.quit() },
    missedCalls: {
      unseen: (limit) => history.unseenMissed(limit),
      unseenCount: () => history.unseenMissedCount(),
      has: (callId) => history.has(callId),
    },
    settings,
  });

  const shortcut = new MuteShortcutService(globalShortcut, dispatch, log);
  settings.addGuard(shortcut.guard);

  const updater = new UpdaterService({
    createUpdater: electronUpdaterPort,
    askToRestart: askToRestartForUpdate,
    inCall: () => alerts.presence.state === 'in-call',
    log,
  });

  settings.onChange((next, previous) => {
    alerts.settingsChanged();
    if (next.launchAtLogin !== previous.launchAtLogin) setLaunchAtLogin(next.launchAtLogin);
    if (next.hideWindowsFromCapture !== previous.hideWindowsFromCapture) {
      for (const win of BrowserWindow.getAllWindows())
        win.setContentProtection(next.hideWindowsFromCapture === true);
    }
    if (mainWindow && !mainWindow.isDestroyed())
      sendEvent(mainWindow.webContents, 'desktop:settings:changed', next);
  });

  registerIpc(
    ipcMain,
    createIpcRouter(
      createDesktopHandlers({
        picker,
        history,
        alerts,
        settings,
        openScreenRecordingSettings,
        onIdle: () => void updater.promptIfIdle(),
      }),
      trustedWebContents,
      log,
    ),
  );

  const lifecycle = guardQuitDuringCalls(
    () => alerts.presence,
    () => {
      showMainWindow();
      return confirmQuitDuringCall(mainWindow);
    },
  );
  mainWindow = createMainWindow({
    preloadPath: path.join(appRoot, 'dist', 'preload', 'index.cjs'),
    iconPath,
    settings,
    trustedWebContents,
    closeAction: () =>
      onMainWindowClose(alerts.presence, { quitting: lifecycle.quitting(), platform: process.platform }),
    onRendererGone: (id) => picker.rendererGone(id),
    startHidden: launchedAtLogin(),
  });

  alerts.start();
  shortcut.start(settings.get());
  setLaunchAtLogin(settings.get().launchAtLogin);
  updater.start(
    updateMode({
      isPackaged: app.isPackaged,
      hasBundledFeed: app.isPackaged && hasBundledUpdateFeed(),
      policy: policy?.autoUpdate,
    }),
  );

  app.on('will-quit', () => {
    shortcut.stop();
    updater.stop();
    picker.dispose();
    db.close();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', showMainWindow);
  app.on('second-instance', showMainWindow);
}
