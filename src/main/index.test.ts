/**
 * The composition root, wired for real: every service, the SQLite history, the IPC router and the app://
 * protocol are the app's own; only Electron (no binary on these machines) is replaced by a recording fake.
 * This is what catches a port wired to the wrong service or a handler never registered.
 */
import { EventEmitter } from 'node:events';
import type * as NodeEvents from 'node:events';
import type * as NodePath from 'node:path';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { INVOKE_CHANNELS } from '../shared/ipc.ts';
import { applicationMenuTemplate } from './windows/applicationMenu.ts';

const fake = vi.hoisted(() => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- vi.hoisted runs before imports
  const { EventEmitter: Emitter } = require('node:events') as typeof NodeEvents;
  const state = {
    appRoot: '',
    userData: '',
    ready: null as null | (() => void),
    ipcHandlers: new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>(),
    protocolHandler: null as null | ((request: { url: string }) => Promise<Response>),
    displayMediaHandler: null as null | ((request: unknown, callback: (streams: unknown) => void) => void),
    permissionRequestHandler: null as
      | null
      | ((
          contents: unknown,
          permission: string,
          callback: (granted: boolean) => void,
          details: unknown,
        ) => void),
    applicationMenu: null as unknown,
    openedExternally: [] as string[],
    dialogs: [] as Array<{ message: string; detail?: string }>,
    windows: [] as Array<InstanceType<typeof FakeWindow>>,
    trayTooltips: [] as string[],
    shortcuts: new Map<string, () => void>(),
    badge: 0,
  };
  let nextId = 1;
  class FakeWebContents extends Emitter {
    readonly id = nextId++;
    readonly sent: Array<[string, unknown]> = [];
    url = '';
    reloads = 0;
    send(channel: string, payload: unknown) {
      this.sent.push([channel, payload]);
    }
    isDestroyed() {
      return false;
    }
    reloadIgnoringCache() {
      this.reloads++;
    }
  }
  class FakeWindow extends Emitter {
    readonly webContents = new FakeWebContents();
    readonly options: Record<string, unknown>;
    visible = false;
    destroyed = false;
    contentProtection = false;
    constructor(options: Record<string, unknown>) {
      super();
      this.options = options;
      state.windows.push(this);
    }
    static getAllWindows() {
      return state.windows;
    }
    loadURL(url: string) {
      this.webContents.url = url;
      return Promise.resolve();
    }
    getMediaSourceId() {
      return `window:${this.webContents.id}:0`;
    }
    getNormalBounds() {
      return { x: 10, y: 10, width: 1000, height: 700 };
    }
    hide() {
      this.visible = false;
    }
    show() {
      this.visible = true;
    }
    isDestroyed() {
      return this.destroyed;
    }
    destroy() {
      this.destroyed = true;
      state.windows.splice(state.windows.indexOf(this), 1);
    }
    isMaximized() {
      return false;
    }
    setContentProtection(on: boolean) {
      this.contentProtection = on;
    }
    setAlwaysOnTop() {}
    setVisibleOnAllWorkspaces() {}
    showInactive() {
      this.visible = true;
    }
    maximize() {}
    flashFrame() {}
    isFocused() {
      return false;
    }
    isMinimized() {
      return false;
    }
    focus() {}
  }
  const app = Object.assign(new Emitter(), {
    isPackaged: false,
    commandLine: { getSwitchValue: () => '' },
    setAppUserModelId() {},
    setPath() {},
    requestSingleInstanceLock: () => true,
    whenReady: () => new Promise<void>((resolve) => (state.ready = resolve)),
    getAppPath: () => state.appRoot,
    getPath: (name: string) => (name === 'logs' ? path.join(state.userData, 'logs') : state.userData),
    getVersion: () => '0.1.0',
    getLoginItemSettings: () => ({ wasOpenedAtLogin: false }),
    setBadgeCount: (count: number) => ((state.badge = count), true),
    quit() {},
    exit() {},
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
  const path = require('node:path') as typeof NodePath;
  const session = {
    protocol: {
      handle: (_scheme: string, handler: typeof state.protocolHandler) => (state.protocolHandler = handler),
    },
    setPermissionRequestHandler: (handler: typeof state.permissionRequestHandler) =>
      (state.permissionRequestHandler = handler),
    setPermissionCheckHandler() {},
    setDisplayMediaRequestHandler: (handler: typeof state.displayMediaHandler) =>
      (state.displayMediaHandler = handler),
  };
  const electron = {
    app,
    BrowserWindow: FakeWindow,
    ipcMain: {
      handle: (channel: string, listener: (event: unknown, ...args: unknown[]) => Promise<unknown>) =>
        state.ipcHandlers.set(channel, listener),
      removeAllListeners() {},
    },
    protocol: { registerSchemesAsPrivileged() {} },
    session: { defaultSession: session },
    screen: {
      getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }],
      getPrimaryDisplay: () => ({ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }),
    },
    Tray: class extends Emitter {
      setImage() {}
      setToolTip(text: string) {
        state.trayTooltips.push(text);
      }
      setContextMenu() {}
    },
    Menu: {
      buildFromTemplate: (template: unknown) => template,
      setApplicationMenu: (menu: unknown) => (state.applicationMenu = menu),
    },
    nativeImage: { createFromPath: (file: string) => ({ file }) },
    Notification: Object.assign(class extends Emitter {}, { isSupported: () => false }),
    globalShortcut: {
      register: (accelerator: string, callback: () => void) => (
        state.shortcuts.set(accelerator, callback),
        true
      ),
      unregister: (accelerator: string) => state.shortcuts.delete(accelerator),
    },
    desktopCapturer: {
      getSources: async () => [
        {
          id: 'screen:0:0',
          name: 'Entire screen',
          thumbnail: { isEmpty: () => false, toDataURL: () => 'data:image/png;base64,AAAA' },
          appIcon: null,
        },
      ],
    },
    systemPreferences: { getMediaAccessStatus: () => 'granted' },
    webContents: {
      fromFrame: (frame: { contents: unknown }) => frame.contents,
      fromId: (id: number) => state.windows.find((w) => w.webContents.id === id)?.webContents,
    },
    shell: { openExternal: async (url: string) => void state.openedExternally.push(url) },
    dialog: {
      // The user answers "Open link" / the first button.
      showMessageBox: async (...args: unknown[]) => {
        state.dialogs.push(args.at(-1) as { message: string; detail?: string });
        return { response: 0 };
      },
    },
    // A stand-in for the OS keyring: reversible, but never the plain text.
    safeStorage: {
      isAsyncEncryptionAvailable: async () => true,
      encryptStringAsync: async (text: string) => Buffer.from(text, 'utf8').map((b) => b ^ 0x5a),
      decryptStringAsync: async (data: Buffer) => ({
        result: Buffer.from(data.map((b) => b ^ 0x5a)).toString('utf8'),
        shouldReEncrypt: false,
      }),
      getSelectedStorageBackend: () => 'gnome_libsecret',
    },
  };
  return { state, electron };
});

vi.mock('electron', () => ({ ...fake.electron, default: fake.electron }));
vi.mock('electron-store', () => ({
  default: class {
    readonly #data = new Map<string, unknown>();
    get(key: string) {
      return this.#data.get(key);
    }
    set(key: string, value: unknown) {
      this.#data.set(key, value);
    }
  },
}));
vi.mock('electron-updater', () => ({ default: { autoUpdater: new EventEmitter() } }));

const { state } = fake;
const ALICE = '00000000-0000-4000-8000-00000000000a';

describe('main process composition', () => {
  let root: string;
  const mainWindow = () => state.windows[0]!;
  const fromApp = () => ({
    sender: mainWindow().webContents,
    senderFrame: { url: 'app://callbridge/index.html', parent: null },
  });
  const invoke = (channel: string, ...args: unknown[]) => state.ipcHandlers.get(channel)!(fromApp(), ...args);

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'callbridge-main-'));
    state.appRoot = path.join(root, 'app');
    state.userData = path.join(root, 'userData');
    mkdirSync(path.join(state.appRoot, 'dist', 'web'), { recursive: true });
    writeFileSync(
      path.join(state.appRoot, 'dist', 'web', 'index.html'),
      '<!doctype html><title>CallBridge</title>',
    );
    vi.stubEnv('CALLBRIDGE_SERVER_URL', 'http://127.0.0.1:3999');
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await import('./index.ts');
    state.ready!();
    await vi.waitFor(() => expect(state.windows).toHaveLength(1));
  });
  afterAll(() => {
    fake.electron.app.emit('will-quit');
    vi.unstubAllEnvs();
    rmSync(root, { recursive: true, force: true });
  });

  it('opens the main window sandboxed, with the preload, on app://callbridge', () => {
    expect(mainWindow().options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      preload: path.join(state.appRoot, 'dist', 'preload', 'index.cjs'),
    });
    expect(mainWindow().webContents.url).toBe('app://callbridge/index.html');
  });

  it('registers exactly the IPC contract and answers the main window through the real services', async () => {
    expect([...state.ipcHandlers.keys()].sort()).toEqual([...INVOKE_CHANNELS].sort());
    expect(await invoke('desktop:settings:get')).toMatchObject({
      ok: true,
      value: {
        serverUrl: 'http://127.0.0.1:3999',
        serverUrlLocked: false,
        muteShortcut: 'CommandOrControl+Shift+M',
      },
    });

    const missed = {
      callId: '00000000-0000-4000-8000-000000000001',
      direction: 'incoming',
      type: 'audio',
      participants: [{ userId: ALICE, name: 'Alice' }],
      startedAt: '2025-01-01T10:00:00.000Z',
      endedAt: null,
      durationSeconds: null,
      status: 'missed',
      unseen: true,
    };
    expect(await invoke('desktop:history:record', missed)).toEqual({ ok: true, value: undefined });
    expect(await invoke('desktop:history:list', { search: 'ali' })).toMatchObject({
      ok: true,
      value: { entries: [missed] },
    });
    expect(state.badge).toBe(1);
    expect(state.trayTooltips.at(-1)).toBe('CallBridge — 1 missed call');
  });

  it('refuses IPC from any other frame', async () => {
    const handler = state.ipcHandlers.get('desktop:settings:get')!;
    const iframe = {
      sender: mainWindow().webContents,
      senderFrame: { url: 'app://callbridge/', parent: {} },
    };
    expect(await handler(iframe)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('serves the renderer on app:// with the CSP', async () => {
    const response = await state.protocolHandler!({ url: 'app://callbridge/' });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<title>CallBridge</title>');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    // The configured server (here `npm start`'s, from CALLBRIDGE_SERVER_URL) and nothing else.
    expect(response.headers.get('content-security-policy')).toContain(
      "connect-src 'self' http://127.0.0.1:3999 ws://127.0.0.1:3999;",
    );
    expect((await state.protocolHandler!({ url: 'app://callbridge/assets/index.js.map' })).status).toBe(404);
    expect((await state.protocolHandler!({ url: 'app://callbridge/..%2F..%2Fetc%2Fpasswd' })).status).toBe(
      403,
    );
  });

  it('sends the global mute shortcut to the renderer', () => {
    state.shortcuts.get('CommandOrControl+Shift+M')!();
    expect(mainWindow().webContents.sent).toContainEqual(['desktop:shell-action', { type: 'toggle-mute' }]);
  });

  it('denies screen capture to a frame that is not the app’s', () => {
    const callback = vi.fn();
    state.displayMediaHandler!(
      {
        frame: { url: 'https://evil.example/', parent: null, contents: mainWindow().webContents },
        audioRequested: false,
      },
      callback,
    );
    expect(callback).toHaveBeenCalledWith(null);
  });

  it('installs the application menu (a development run keeps Reload and DevTools)', () => {
    expect(state.applicationMenu).toEqual(
      applicationMenuTemplate({ platform: process.platform, isPackaged: false }),
    );
    expect(mainWindow().options.webPreferences).toMatchObject({ devTools: true });
  });

  describe('screen sharing', () => {
    const appFrame = () => ({
      url: 'app://callbridge/index.html',
      parent: null,
      contents: mainWindow().webContents,
    });
    const indicator = () => state.windows.find((w) => String(w.options.title).startsWith('You are sharing'));

    it('opens the picker only after a click in the app, and shows main’s own indicator until the share ends', async () => {
      const withoutClick = vi.fn();
      state.displayMediaHandler!(
        { frame: appFrame(), userGesture: false, videoRequested: true, audioRequested: false },
        withoutClick,
      );
      expect(withoutClick).toHaveBeenCalledWith(null);

      const granted = vi.fn();
      state.displayMediaHandler!(
        { frame: appFrame(), userGesture: true, videoRequested: true, audioRequested: false },
        granted,
      );
      const request = await vi.waitFor(() => {
        const sent = mainWindow().webContents.sent.find(
          ([channel]) => channel === 'desktop:screen-picker:request',
        );
        if (!sent) throw new Error('no picker request yet');
        return sent[1] as { requestId: string };
      });
      expect(indicator()).toBeUndefined();
      await invoke('desktop:screen-picker:choose', { requestId: request.requestId, sourceId: 'screen:0:0' });
      expect(granted).toHaveBeenCalledWith({ video: { id: 'screen:0:0', name: 'Entire screen' } });

      const shown = indicator()!;
      expect(shown.contentProtection).toBe(true);
      expect(shown.options).toMatchObject({ alwaysOnTop: true, webPreferences: { javascript: false } });
      expect(decodeURIComponent(shown.webContents.url)).toContain('You are sharing Entire screen');
      expect(state.trayTooltips.at(-1)).toContain('Sharing Entire screen');

      // Stop in the indicator asks the page to end its share; the indicator goes once the page says it did.
      shown.webContents.emit('will-navigate', {
        url: 'app://callbridge/sharing-action/stop',
        preventDefault() {},
      });
      expect(mainWindow().webContents.sent).toContainEqual(['desktop:screen-share:stop', {}]);
      expect(indicator()).toBe(shown);
      expect(await invoke('desktop:screen-share:ended')).toEqual({ ok: true, value: undefined });
      expect(indicator()).toBeUndefined();
      expect(state.trayTooltips.at(-1)).not.toContain('Sharing');
    });

    it('ends a capture that bypassed the picker (legacy getUserMedia) by reloading the page', () => {
      vi.useFakeTimers();
      try {
        const reloads = mainWindow().webContents.reloads;
        const granted = vi.fn();
        state.permissionRequestHandler!(mainWindow().webContents, 'display-capture', granted, {
          requestingUrl: 'app://callbridge/index.html',
          isMainFrame: true,
          mediaTypes: ['video'],
        });
        expect(granted).toHaveBeenCalledWith(true);
        vi.advanceTimersByTime(3000);
        expect(mainWindow().webContents.reloads).toBe(reloads + 1);
      } finally {
        vi.useRealTimers();
      }
    });
  });

  it('keeps the session in main, encrypted on disk, for the configured server only', async () => {
    const session = { serverUrl: 'http://127.0.0.1:3999', token: 'secret-session-token-123' };
    expect(await invoke('desktop:session:save', session)).toEqual({ ok: true, value: { persisted: true } });
    const file = path.join(state.userData, 'session.bin');
    expect(readFileSync(file).toString('latin1')).not.toContain(session.token);
    expect(await invoke('desktop:session:get')).toEqual({ ok: true, value: session });
  });

  it('switching servers signs out and reloads the page under the new server’s CSP', async () => {
    const reloads = mainWindow().webContents.reloads;
    expect(
      await invoke('desktop:settings:update', { serverUrl: 'https://calls.example.org/' }),
    ).toMatchObject({
      ok: true,
      value: { serverUrl: 'https://calls.example.org' },
    });
    await vi.waitFor(() => expect(mainWindow().webContents.reloads).toBe(reloads + 1));
    expect(await invoke('desktop:session:get')).toEqual({ ok: true, value: null });
    const response = await state.protocolHandler!({ url: 'app://callbridge/' });
    expect(response.headers.get('content-security-policy')).toContain(
      "connect-src 'self' https://calls.example.org wss://calls.example.org;",
    );
  });

  it('opens links on the server directly and asks before opening any other', async () => {
    const contents = Object.assign(new EventEmitter(), {
      windowOpen: null as null | ((details: { url: string }) => { action: string }),
      setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
        this.windowOpen = handler;
      },
    });
    fake.electron.app.emit('web-contents-created', {}, contents);
    expect(contents.windowOpen!({ url: 'https://calls.example.org/terms' })).toEqual({ action: 'deny' });
    await vi.waitFor(() => expect(state.openedExternally).toEqual(['https://calls.example.org/terms']));
    expect(state.dialogs).toEqual([]);

    contents.windowOpen!({ url: 'https://elsewhere.example/x' });
    contents.windowOpen!({ url: 'file:///etc/passwd' });
    await vi.waitFor(() => expect(state.openedExternally).toHaveLength(2));
    expect(state.dialogs).toEqual([
      expect.objectContaining({
        message: 'Open elsewhere.example in your browser?',
        detail: 'https://elsewhere.example/x',
      }),
    ]);
    expect(state.openedExternally[1]).toBe('https://elsewhere.example/x');
  });

  it('hides the window instead of closing it during a call', async () => {
    await invoke('desktop:presence:set', {
      state: 'in-call',
      callId: '00000000-0000-4000-8000-000000000002',
      title: 'Alice',
    });
    mainWindow().show();
    const event = { preventDefault: vi.fn() };
    mainWindow().emit('close', event);
    expect(event.preventDefault).toHaveBeenCalled();
    expect(mainWindow().visible).toBe(false);
  });
});
