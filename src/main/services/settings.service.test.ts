import { describe, expect, it } from 'vitest';
import { DEFAULT_MUTE_SHORTCUT, Settings, SettingsPatch } from '../../shared/desktopApi.ts';
import type { Logger } from '../log.ts';
import { fail, okVoid } from '../result.ts';
import type { AdminPolicy, PolicyState } from '../policy/adminPolicy.ts';
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

const applied = (policy: AdminPolicy): PolicyState => ({ status: 'applied', location: 'test', policy });

function service(store = memoryStore(), policy: PolicyState = { status: 'none' }) {
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

  it('refuses a cleartext or non-http server URL and an unusable shortcut, changing nothing', () => {
    const store = memoryStore();
    const settings = service(store);
    for (const serverUrl of ['javascript:alert(1)', 'http://calls.example.org']) {
      const refused = settings.update({ serverUrl });
      expect(refused).toMatchObject({ ok: false, error: { code: 'bad_request' } });
      expect(!refused.ok && refused.error.message).toMatch(/^serverUrl: Use (an )?https:\/\//);
    }
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
    const settings = new SettingsService({
      store,
      policy: { status: 'none' },
      defaultServerUrl: null,
      log,
    }).get();
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

  it('normalises the server URL it saves, and drops a saved cleartext one (from an older version)', () => {
    const store = memoryStore({ settings: { serverUrl: 'http://calls.example.org', ringtone: 'soft' } });
    const log = recordingLog();
    const settings = new SettingsService({ store, policy: { status: 'none' }, defaultServerUrl: null, log });
    expect(settings.get()).toMatchObject({ serverUrl: null, ringtone: 'soft' });
    expect(log.lines).toEqual([expect.stringContaining('"setting":"serverUrl"')]);
    expect(settings.update({ serverUrl: 'https://Calls.Example.org/' })).toMatchObject({
      ok: true,
      value: { serverUrl: 'https://calls.example.org' },
    });
  });

  describe('admin policy', () => {
    const policy = applied({
      serverUrl: 'https://calls.corp.example',
      lockedSettings: { launchAtLogin: true, notifyMissedCalls: true },
    });

    it('fixes the server URL and the listed settings, overriding what the user saved', () => {
      const store = memoryStore({
        settings: { serverUrl: 'https://elsewhere.example', launchAtLogin: false },
      });
      const settings = service(store, policy);
      expect(settings.get()).toMatchObject({
        serverUrl: 'https://calls.corp.example',
        serverUrlLocked: true,
        launchAtLogin: true,
        policy: { status: 'applied', lockedKeys: ['serverUrl', 'notifyMissedCalls', 'launchAtLogin'] },
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

    it('reports no policy at all when there is none', () => {
      expect(service().get()).not.toHaveProperty('policy');
      expect(service().lockedKeys().size).toBe(0);
    });

    it('locks every setting at its current value when the policy could not be read (fail closed)', () => {
      const store = memoryStore({ settings: { serverUrl: 'https://mine.example', doNotDisturb: true } });
      const settings = service(store, {
        status: 'unreadable',
        location: '/etc/callbridge/policy.json',
        problem: 'x',
      });
      const current = settings.get();
      expect(current).toMatchObject({
        serverUrl: 'https://mine.example',
        serverUrlLocked: true,
        doNotDisturb: true,
        policy: { status: 'unreadable' },
      });
      expect(new Set(current.policy!.lockedKeys)).toEqual(new Set(Object.keys(SettingsPatch.shape)));
      for (const patch of [
        { doNotDisturb: false },
        { serverUrl: 'https://other.example' },
        { ringtone: 'soft' as const },
      ]) {
        expect(settings.update(patch)).toMatchObject({ ok: false, error: { code: 'locked' } });
      }
      expect(Settings.parse(current)).toEqual(current);
    });
  });
});
