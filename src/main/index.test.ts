/**
 * The composition root, wired for real: every service, the SQLite history, the IPC router and the app://
 * protocol are the app's own; only Electron (no binary on these machines) is replaced by a recording fake.
 * This is what catches a port wired to the wrong service or a handler never registered.
 */
import { EventEmitter } from 'node:events';
import type * as NodeEvents from 'node:events';
import type * as NodePath from 'node:path';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { INVOKE_CHANNELS } from '../shared/ipc.ts';

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
    send(channel: string, payload: unknown) {
      this.sent.push([channel, payload]);
    }
    isDestroyed() {
      return false;
    }
  }
  class FakeWindow extends Emitter {
    readonly webContents = new FakeWebContents();
    readonly options: Record<string, unknown>;
    visible = false;
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
      return false;
    }
    isMaximized() {
      return false;
    }
    setContentProtection() {}
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
    setPermissionRequestHandler() {},
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
    Menu: { buildFromTemplate: (template: unknown) => template },
    nativeImage: { createFromPath: (file: string) => ({ file }) },
    Notification: Object.assign(class extends Emitter {}, { isSupported: () => false }),
    globalShortcut: {
      register: (accelerator: string, callback: () => void) => (
        state.shortcuts.set(accelerator, callback),
        true
      ),
      unregister: (accelerator: string) => state.shortcuts.delete(accelerator),
    },
    desktopCapturer: { getSources: async () => [] },
    systemPreferences: { getMediaAccessStatus: () => 'granted' },
    webContents: {
      fromFrame: (frame: { contents: unknown }) => frame.contents,
    },
    shell: { openExternal: async () => {} },
    dialog: { showMessageBox: async () => ({ response: 1 }) },
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
