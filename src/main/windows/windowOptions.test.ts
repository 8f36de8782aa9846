import { describe, expect, it } from 'vitest';
import { onMainWindowClose, quitNeedsConfirmation } from './closePolicy.ts';
import {
  mainWindowOptions,
  restorableBounds,
  ringingWindowOptions,
  sharingIndicatorWindowOptions,
} from './windowOptions.ts';

const isolated = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
};

describe('window options', () => {
  it('main window: isolated, sandboxed, no Node, with the preload and no background throttling', () => {
    const options = mainWindowOptions({
      preloadPath: '/app/dist/preload/index.cjs',
      bounds: null,
      iconPath: '/i.png',
      devTools: false,
    });
    expect(options.webPreferences).toMatchObject({
      ...isolated,
      preload: '/app/dist/preload/index.cjs',
      backgroundThrottling: false,
      devTools: false,
    });
    expect(options).toMatchObject({ show: false, width: 1200, height: 800 });
  });

  it('sharing indicator: same isolation, no script, no DevTools, on top at the top centre', () => {
    const options = sharingIndicatorWindowOptions({ x: 0, y: 0, width: 1920, height: 1040 });
    expect(options.webPreferences).toMatchObject({ ...isolated, javascript: false, devTools: false });
    expect(options.webPreferences).not.toHaveProperty('preload');
    expect(options).toMatchObject({ alwaysOnTop: true, frame: false, skipTaskbar: true, show: false, y: 16 });
    expect(options.x * 2 + options.width).toBe(1920);
  });

  it('ringing window: same isolation, no script, no preload, on top in the bottom-right corner', () => {
    const options = ringingWindowOptions({ x: 0, y: 0, width: 1920, height: 1040 });
    expect(options.webPreferences).toMatchObject({ ...isolated, javascript: false });
    expect(options.webPreferences).not.toHaveProperty('preload');
    expect(options).toMatchObject({ alwaysOnTop: true, frame: false, skipTaskbar: true, show: false });
    expect(options.x + options.width).toBe(1920 - 16);
    expect(options.y + options.height).toBe(1040 - 16);
  });

  it('restores saved bounds only while they are on a connected display', () => {
    const saved = { x: 2000, y: 100, width: 1000, height: 700, maximized: false };
    const laptop = { x: 0, y: 0, width: 1440, height: 900 };
    const external = { x: 1440, y: 0, width: 2560, height: 1440 };
    expect(restorableBounds(saved, [laptop, external])).toEqual(saved);
    expect(restorableBounds(saved, [laptop])).toBeNull();
    expect(restorableBounds(null, [laptop])).toBeNull();
  });
});

describe('closing and quitting', () => {
  const inCall = {
    state: 'in-call',
    callId: '00000000-0000-4000-8000-000000000001',
    title: 'Alice',
  } as const;

  it('hides the window to the tray during a call instead of hanging up', () => {
    expect(onMainWindowClose(inCall, { quitting: false, platform: 'win32' })).toBe('hide');
    expect(onMainWindowClose({ state: 'idle' }, { quitting: false, platform: 'win32' })).toBe('close');
    expect(onMainWindowClose({ state: 'idle' }, { quitting: false, platform: 'darwin' })).toBe('hide');
    expect(onMainWindowClose(inCall, { quitting: true, platform: 'linux' })).toBe('close');
  });

  it('asks before quitting during a call only', () => {
    expect(quitNeedsConfirmation(inCall)).toBe(true);
    expect(quitNeedsConfirmation({ state: 'idle' })).toBe(false);
  });
});
