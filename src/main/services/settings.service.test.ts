import { describe, expect, it } from 'vitest';
import { DEFAULT_MUTE_SHORTCUT, Settings } from '../../shared/desktopApi.ts';
import type { Logger } from '../log.ts';
import { fail, okVoid } from '../result.ts';
import { loadAdminPolicy, policyFilePath, type AdminPolicy } from './adminPolicy.ts';
import { SettingsService, type KeyValueStore } from './settings.service.ts';

function memoryStore(initial: Record<string, unknown> = {}): KeyValueStore & { data: Map<string, unknown> } {
  const data = new Map(Object.entries(initial));
  return { data, get: (key) => data.get(key), set: (key, value) => void data.set(key, value) };
}

function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (msg: string, fields?: Record<string, unknown>) =>
    lines.push(`${msg} ${JSON.stringify(fields ?? {})}`);
  return { lines, info: push, warn: push, error: push };
}

function service(store = memoryStore(), policy: AdminPolicy | null = null) {
  return new SettingsService({
    store,
    policy,
    defaultServerUrl: 'http://127.0.0.1:3000',
    log: recordingLog(),
  });
}

describe('SettingsService', () => {
  it('starts from defaults that match the Settings schema', () => {
    const settings = service().get();
    expect(Settings.parse(settings)).toEqual(settings);
    expect(settings).toMatchObject({
      serverUrl: 'http://127.0.0.1:3000',
      serverUrlLocked: false,
      muteShortcut: DEFAULT_MUTE_SHORTCUT,
      doNotDisturb: false,
    });
  });

  it('saves a change, keeps it across restarts and tells listeners', () => {
    const store = memoryStore();
    const first = service(store);
    const seen: boolean[] = [];
    first.onChange((next, previous) => seen.push(previous.doNotDisturb, next.doNotDisturb));

    const result = first.update({
      doNotDisturb: true,
      ringtone: 'soft',
      serverUrl: 'https://calls.example.org',
    });
    expect(result).toMatchObject({ ok: true, value: { doNotDisturb: true, ringtone: 'soft' } });
    expect(seen).toEqual([false, true]);
    expect(service(store).get()).toMatchObject({
      doNotDisturb: true,
      ringtone: 'soft',
      serverUrl: 'https://calls.example.org',
    });
  });

  it('refuses a non-http server URL and an unusable shortcut, changing nothing', () => {
    const store = memoryStore();
    const settings = service(store);
    expect(settings.update({ serverUrl: 'javascript:alert(1)' })).toEqual(
      fail('bad_request', 'serverUrl: must be an http:// or https:// URL'),
    );
    const shortcut = settings.update({ muteShortcut: 'M', doNotDisturb: true });
    expect(shortcut).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(!shortcut.ok && shortcut.error.message).toMatch(/^muteShortcut: /);
    expect(settings.get().doNotDisturb).toBe(false);
    expect(store.data.size).toBe(0);
  });

  it('accepts an empty shortcut (turned off) and a function key alone', () => {
    const settings = service();
    expect(settings.update({ muteShortcut: '' }).ok).toBe(true);
    expect(settings.update({ muteShortcut: 'F9' }).ok).toBe(true);
    expect(settings.update({ muteShortcut: 'Alt+Shift+Plus' }).ok).toBe(true);
  });

  it('lets a guard refuse a change before it is saved', () => {
    const store = memoryStore();
    const settings = service(store);
    settings.addGuard((next, previous) =>
      next.muteShortcut !== previous.muteShortcut
        ? fail('shortcut_unavailable', 'muteShortcut: taken')
        : okVoid,
    );
    expect(settings.update({ muteShortcut: 'Ctrl+Alt+K' })).toEqual(
      fail('shortcut_unavailable', 'muteShortcut: taken'),
    );
    expect(settings.get().muteShortcut).toBe(DEFAULT_MUTE_SHORTCUT);
    expect(settings.update({ ringtone: 'none' }).ok).toBe(true);
  });

  it('recovers field by field from a damaged settings file', () => {
    const store = memoryStore({
      settings: {
        ringtone: 'trumpets',
        doNotDisturb: true,
        muteShortcut: 'Q',
        serverUrl: 'ftp://x',
        extra: 1,
      },
    });
    const log = recordingLog();
    const settings = new SettingsService({ store, policy: null, defaultServerUrl: null, log }).get();
    expect(settings).toMatchObject({
      ringtone: 'classic',
      doNotDisturb: true,
      muteShortcut: DEFAULT_MUTE_SHORTCUT,
    });
    expect(settings.serverUrl).toBeNull();
    expect(log.lines.filter((l) => l.startsWith('settings: stored value invalid'))).toHaveLength(3);
  });

  it('remembers window bounds and ignores unusable ones', () => {
    const store = memoryStore({ windowBounds: { x: 0, y: 0, width: 5, height: 5, maximized: false } });
    const settings = service(store);
    expect(settings.windowBounds()).toBeNull();
    settings.saveWindowBounds({ x: 10, y: 20, width: 1000, height: 700, maximized: true });
    expect(service(store).windowBounds()).toEqual({
      x: 10,
      y: 20,
      width: 1000,
      height: 700,
      maximized: true,
    });
  });

  describe('admin policy', () => {
    const policy: AdminPolicy = {
      serverUrl: 'https://calls.corp.example',
      lockedSettings: { launchAtLogin: true, notifyMissedCalls: true },
    };

    it('fixes the server URL and the listed settings, overriding what the user saved', () => {
      const store = memoryStore({
        settings: { serverUrl: 'https://elsewhere.example', launchAtLogin: false },
      });
      const settings = service(store, policy);
      expect(settings.get()).toMatchObject({
        serverUrl: 'https://calls.corp.example',
        serverUrlLocked: true,
        launchAtLogin: true,
      });
      expect(settings.update({ serverUrl: 'https://mine.example' })).toEqual(
        fail('locked', 'serverUrl: set by your administrator'),
      );
      expect(settings.update({ launchAtLogin: false, ringtone: 'soft' })).toMatchObject({
        ok: false,
        error: { code: 'locked' },
      });
      expect(settings.get().ringtone).toBe('classic');
      expect(settings.update({ ringtone: 'soft' }).ok).toBe(true);
    });

    const files: Record<string, string> = {
      valid: JSON.stringify({ serverUrl: 'https://calls.corp.example', autoUpdate: { enabled: false } }),
      notJson: '{ serverUrl: ',
      typo: JSON.stringify({ serverURL: 'https://calls.corp.example' }),
      badUrl: JSON.stringify({ serverUrl: 'file:///etc/passwd' }),
      badShortcut: JSON.stringify({ lockedSettings: { muteShortcut: 'M' } }),
    };
    const read = (file: string) => {
      const text = files[file];
      if (text === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
      return text;
    };

    it('reads a valid policy file', () => {
      expect(loadAdminPolicy('valid', read, recordingLog())).toEqual({
        serverUrl: 'https://calls.corp.example',
        autoUpdate: { enabled: false },
      });
    });

    it('ignores a missing file silently and an invalid one with a logged reason', () => {
      const log = recordingLog();
      expect(loadAdminPolicy('absent', read, log)).toBeNull();
      expect(log.lines).toEqual([]);
      for (const file of ['notJson', 'typo', 'badUrl', 'badShortcut']) {
        expect(loadAdminPolicy(file, read, log)).toBeNull();
      }
      expect(log.lines).toHaveLength(4);
      expect(log.lines.every((l) => l.startsWith('admin policy: '))).toBe(true);
      expect(log.lines[1]).toContain('serverURL');
    });

    it('lives in a machine-wide folder on each OS', () => {
      expect(policyFilePath('win32', { ProgramData: 'D:\\ProgramData' })).toBe(
        'D:\\ProgramData\\CallBridge\\policy.json',
      );
      expect(policyFilePath('darwin', {})).toBe('/Library/Application Support/CallBridge/policy.json');
      expect(policyFilePath('linux', {})).toBe('/etc/callbridge/policy.json');
    });
  });
});
