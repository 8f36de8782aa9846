/**
 * The Electron main process's composition root: builds the adapters (the only code touching Electron), hands
 * them to the services as ports, registers the IPC contract and the app's lifecycle. All decisions live in
 * the services and pure modules it wires together; see their tests.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { app, BrowserWindow, globalShortcut, ipcMain, session, webContents } from 'electron';
import type { ShellAction } from '../shared/desktopApi.ts';
import { registerAppScheme, serveAppProtocol } from './adapters/appProtocol.adapter.ts';
import { guardQuitDuringCalls, launchedAtLogin, setLaunchAtLogin } from './adapters/lifecycle.adapter.ts';
import { runCommand } from './adapters/process.adapter.ts';
import { safeStoragePort, secretFile } from './adapters/secrets.adapter.ts';
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
  externalLinkOpener,
  installApplicationMenu,
  notificationsPort,
  recordingSaveDialog,
  trayPort,
} from './adapters/shell.adapter.ts';
import { electronUpdaterPort, readBundledUpdateConfig } from './adapters/updater.adapter.ts';
import {
  applyHideFromCapture,
  createMainWindow,
  lockDownAllWebContents,
  reloadWebContents,
  ringingWindowPort,
  sendEvent,
  sharingIndicatorPort,
  showWindow,
} from './adapters/windows.adapter.ts';
import { CallHistoryRepository } from './db/callHistory.repo.ts';
import { openHistoryDatabase } from './db/historyDb.ts';
import { createDesktopHandlers } from './ipc/desktopHandlers.ts';
import { createIpcRouter, registerIpc } from './ipc/registerIpc.ts';
import { createJsonLogger, errorMessage, logFileWriter, type Logger } from './log.ts';
import { loadAdminPolicy } from './policy/adminPolicy.ts';
import { legacyWindowsPolicyFile, policySources } from './policy/policySources.ts';
import { fail, okVoid } from './result.ts';
import { CaptureGate } from './security/captureGate.ts';
import { CallAlertsService } from './services/callAlerts.service.ts';
import { developmentOverrides } from './services/developmentEnv.ts';
import { MuteShortcutService } from './services/muteShortcut.service.ts';
import { RecordingSaveService } from './services/recordingSave.service.ts';
import { pickerModeFor, ScreenPickerService } from './services/screenPicker.service.ts';
import { SessionStore } from './services/sessionStore.service.ts';
import { SettingsService } from './services/settings.service.ts';
import { SharingIndicatorService } from './services/sharingIndicator.service.ts';
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
// CALLBRIDGE_* variables (a separate profile for end-to-end tests, `npm start`'s local server) are for
// development runs only; a packaged build ignores them.
const development = developmentOverrides(process.env, app.isPackaged);
if (development.userDataDir) app.setPath('userData', development.userDataDir);

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

function readMachinePolicy(logger: Logger) {
  if (process.platform === 'win32' && existsSync(legacyWindowsPolicyFile(process.env))) {
    logger.warn(
      'admin policy: %ProgramData%\\CallBridge\\policy.json is no longer read (users can write there); set the policy in HKLM\\Software\\Policies\\CallBridge',
      {
        file: legacyWindowsPolicyFile(process.env),
      },
    );
  }
  return loadAdminPolicy(
    policySources({
      platform: process.platform,
      env: process.env,
      username: os.userInfo().username,
      readFile: (file) => readFile(file, 'utf8'),
      exists: existsSync,
      run: runCommand,
    }),
    logger,
  );
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

async function start(): Promise<void> {
  writeToLogFile = logFileWriter(app.getPath('logs'));
  for (const { name, reason } of development.ignored)
    log.warn('environment variable ignored', { name, reason });
  installApplicationMenu();
  const appRoot = app.getAppPath();
  const resources = path.join(appRoot, 'resources');
  const iconPath = path.join(resources, 'icon.png');
  const trustedWebContents = new Set<number>();
  let mainWindow: BrowserWindow | null = null;

  const policy = await readMachinePolicy(log);
  const settings = new SettingsService({
    store: createSettingsStore(),
    policy,
    defaultServerUrl: development.serverUrl,
    log,
  });
  const sessions = new SessionStore({
    safeStorage: safeStoragePort(),
    file: secretFile(path.join(app.getPath('userData'), 'session.bin')),
    log,
  });
  const recordings = new RecordingSaveService({
    dialog: recordingSaveDialog(() => mainWindow),
    session: () => sessions.load(settings.get().serverUrl),
    fetch,
    log,
  });
  const db = openHistory(path.join(app.getPath('userData'), 'history.sqlite3'), log);
  const history = new CallHistoryRepository(db, log);

  lockDownAllWebContents(
    externalLinkOpener({ serverUrl: () => settings.get().serverUrl, parent: () => mainWindow, log }),
  );
  // The page's CSP allows the configured server only, computed per response: the page main reloads after a
  // change of server follows the new one.
  serveAppProtocol(
    session.defaultSession,
    path.join(appRoot, 'dist', 'web'),
    () => settings.get().serverUrl,
    log,
  );

  const showMainWindow = () => {
    if (mainWindow && !mainWindow.isDestroyed()) showWindow(mainWindow);
  };
  const dispatch = (action: ShellAction) => {
    if (mainWindow && !mainWindow.isDestroyed())
      sendEvent(mainWindow.webContents, 'desktop:shell-action', action);
  };

  const sharing: SharingIndicatorService = new SharingIndicatorService({
    indicator: sharingIndicatorPort(() => sharing.stop()),
    tray: { setSharing: (view) => alerts.setSharing(view) },
    requestStop: (id) => {
      const contents = webContents.fromId(id);
      if (contents) sendEvent(contents, 'desktop:screen-share:stop', {});
    },
    log,
  });
  const captureGate = new CaptureGate({
    onUnexpectedCapture: (id) => {
      log.error('a screen capture bypassed the picker (legacy getUserMedia); reloading the page to end it', {
        webContentsId: id,
      });
      reloadWebContents(id);
    },
  });
  installPermissionHandlers(session.defaultSession, trustedWebContents, captureGate);

  const picker = new ScreenPickerService({
    ...screenCaptureDeps(),
    ownWindowSourceIds: () => new Set(BrowserWindow.getAllWindows().map((w) => w.getMediaSourceId())),
    mode: pickerModeFor(process.platform, process.env, app.commandLine.getSwitchValue('ozone-platform')),
    systemAudioSupported: process.platform === 'win32',
    onCaptureGranted: (id, sourceName) => sharing.captureStarted(id, sourceName),
    log,
  });
  installDisplayMediaHandler(session.defaultSession, picker, trustedWebContents, captureGate, log);

  const alerts: CallAlertsService = new CallAlertsService({
    tray: trayPort(path.join(resources, 'tray'), (action) => alerts.handle(action)),
    ringingWindow: ringingWindowPort(
      (action) => alerts.handle(action),
      () => settings.get().hideWindowsFromCapture === true,
    ),
    notifications: notificationsPort(iconPath, (action) => alerts.handle(action)),
    attention: attentionPort(() => mainWindow, path.join(resources, 'tray', 'overlay-missed.png')),
    shell: { dispatch, showMainWindow, stopSharing: () => sharing.stop(), quit: () => app.quit() },
    missedCalls: {
      unseen: (limit) => history.unseenMissed(limit),
      unseenCount: () => history.unseenMissedCount(),
      has: (callId) => history.has(callId),
    },
    settings,
  });

  const shortcut = new MuteShortcutService(globalShortcut, dispatch, log);
  settings.addGuard(shortcut.guard);
  // Switching servers reloads the page (below), which would drop the call.
  settings.addGuard((next, previous) =>
    next.serverUrl !== previous.serverUrl && alerts.presence.state !== 'idle'
      ? fail('busy', 'serverUrl: the server cannot be changed during a call')
      : okVoid,
  );

  const updater = new UpdaterService({
    createUpdater: electronUpdaterPort,
    askToRestart: askToRestartForUpdate,
    inCall: () => alerts.presence.state === 'in-call',
    log,
  });

  settings.onChange((next, previous) => {
    alerts.settingsChanged();
    if (next.launchAtLogin !== previous.launchAtLogin) setLaunchAtLogin(next.launchAtLogin);
    if (next.hideWindowsFromCapture !== previous.hideWindowsFromCapture)
      applyHideFromCapture(next.hideWindowsFromCapture === true);
    if (mainWindow && !mainWindow.isDestroyed())
      sendEvent(mainWindow.webContents, 'desktop:settings:changed', next);
    if (next.serverUrl !== previous.serverUrl) {
      // The token was issued by the old server, and the page's CSP still allows only that one: sign out and
      // load the page again under the new server's CSP.
      const id = mainWindow?.webContents.id;
      void sessions.clear().then(() => id !== undefined && reloadWebContents(id));
    }
  });

  registerIpc(
    ipcMain,
    createIpcRouter(
      createDesktopHandlers({
        picker,
        sharing,
        history,
        alerts,
        settings,
        sessions,
        recordings,
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
    onRendererGone: (id) => {
      picker.rendererGone(id);
      sharing.rendererGone(id);
      captureGate.rendererGone(id);
    },
    startHidden: launchedAtLogin(),
    devTools: !app.isPackaged,
  });

  alerts.start();
  shortcut.start(settings.get());
  setLaunchAtLogin(settings.get().launchAtLogin);
  updater.start(
    updateMode({
      isPackaged: app.isPackaged,
      platform: process.platform,
      bundled: app.isPackaged ? readBundledUpdateConfig() : { status: 'absent' },
      policy,
    }),
  );

  app.on('will-quit', () => {
    shortcut.stop();
    updater.stop();
    picker.dispose();
    captureGate.dispose();
    db.close();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', showMainWindow);
  app.on('second-instance', showMainWindow);
}
