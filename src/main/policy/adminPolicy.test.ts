import { describe, expect, it } from 'vitest';
import type { Logger } from '../log.ts';
import { loadAdminPolicy, type PolicySource } from './adminPolicy.ts';
import {
  LINUX_POLICY_FILE,
  MAC_POLICY_FILE,
  policySources,
  type PolicySourcePorts,
} from './policySources.ts';

function recordingLog(): Logger & {
  lines: Array<{ level: string; msg: string; fields: Record<string, unknown> }>;
} {
  const lines: Array<{ level: string; msg: string; fields: Record<string, unknown> }> = [];
  const at =
    (level: string) =>
    (msg: string, fields: Record<string, unknown> = {}) =>
      void lines.push({ level, msg, fields });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

/** A machine: files by path, what /usr/bin/plutil and reg.exe answer. */
function machine(
  platform: NodeJS.Platform,
  files: Record<string, string>,
  username = 'ada',
): PolicySourcePorts & {
  commands: string[][];
} {
  const commands: string[][] = [];
  return {
    platform,
    env: {},
    username,
    commands,
    readFile: async (file) => {
      const text = files[file];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
      if (text === '<EACCES>')
        throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      return text;
    },
    exists: (file) => Object.hasOwn(files, file),
    run: async (file, args) => {
      commands.push([file, ...args]);
      if (file === '/usr/bin/plutil') {
        const plist = files[args.at(-1)!];
        // This fake "plist" is the JSON plutil would print, or <DATE> for a value JSON cannot hold.
        return plist === '<DATE>' ? { exitCode: 1, stdout: '' } : { exitCode: 0, stdout: plist ?? '' };
      }
      return { exitCode: 0, stdout: '' };
    },
  };
}

const VALID = JSON.stringify({ serverUrl: 'https://calls.corp.example', autoUpdate: { enabled: false } });

describe('admin policy', () => {
  it('applies a valid policy and logs where it came from', async () => {
    const log = recordingLog();
    const state = await loadAdminPolicy(policySources(machine('linux', { [LINUX_POLICY_FILE]: VALID })), log);
    expect(state).toEqual({
      status: 'applied',
      location: LINUX_POLICY_FILE,
      policy: { serverUrl: 'https://calls.corp.example', autoUpdate: { enabled: false } },
    });
    expect(log.lines).toMatchObject([{ level: 'info', msg: 'admin policy: applied' }]);
  });

  it('finds nothing, silently, where there is no policy', async () => {
    const log = recordingLog();
    expect(await loadAdminPolicy(policySources(machine('linux', {})), log)).toEqual({ status: 'none' });
    expect(log.lines).toEqual([]);
  });

  it('fails closed on a policy that exists but cannot be used, and says why in the log', async () => {
    const cases: Record<string, [string, RegExp]> = {
      'not JSON': ['{ serverUrl: ', /not valid JSON/],
      typo: [JSON.stringify({ serverURL: 'https://calls.corp.example' }), /serverURL/],
      'cleartext server': [JSON.stringify({ serverUrl: 'http://calls.corp.example' }), /serverUrl: .*https/],
      'bad shortcut': [JSON.stringify({ lockedSettings: { muteShortcut: 'M' } }), /muteShortcut/],
      'http feed': [JSON.stringify({ autoUpdate: { feedUrl: 'http://u.example/' } }), /feedUrl/],
      unreadable: ['<EACCES>', /cannot read the file: EACCES/],
    };
    for (const [name, [text, problem]] of Object.entries(cases)) {
      const log = recordingLog();
      const state = await loadAdminPolicy(
        policySources(machine('linux', { [LINUX_POLICY_FILE]: text })),
        log,
      );
      expect(state, name).toMatchObject({ status: 'unreadable', location: LINUX_POLICY_FILE, problem });
      expect(log.lines, name).toMatchObject([
        { level: 'error', msg: expect.stringContaining('every setting stays locked'), fields: { problem } },
      ]);
    }
  });

  it('reads macOS managed preferences (device, then user) before the JSON file', async () => {
    const device = '/Library/Managed Preferences/org.callbridge.desktop.plist';
    const user = '/Library/Managed Preferences/ada/org.callbridge.desktop.plist';
    const fromUser = machine('darwin', { [user]: VALID });
    expect(await loadAdminPolicy(policySources(fromUser), recordingLog())).toMatchObject({
      status: 'applied',
      location: user,
    });
    expect(fromUser.commands).toEqual([['/usr/bin/plutil', '-convert', 'json', '-o', '-', user]]);

    const log = recordingLog();
    const both = machine('darwin', { [device]: VALID, [MAC_POLICY_FILE]: '{}' });
    expect(await loadAdminPolicy(policySources(both), log)).toMatchObject({ location: device });
    expect(log.lines).toContainEqual(
      expect.objectContaining({
        msg: expect.stringContaining('second policy'),
        fields: { used: device, ignored: MAC_POLICY_FILE },
      }),
    );

    const dated = machine('darwin', { [device]: '<DATE>' });
    expect(await loadAdminPolicy(policySources(dated), recordingLog())).toMatchObject({
      status: 'unreadable',
      problem: expect.stringContaining('plutil'),
    });
  });

  it('treats a source that throws as a policy that could not be read', async () => {
    const broken: PolicySource = {
      location: 'HKLM\\Software\\Policies\\CallBridge',
      read: () => Promise.reject(new Error('spawn reg.exe ENOENT')),
    };
    expect(await loadAdminPolicy([broken], recordingLog())).toEqual({
      status: 'unreadable',
      location: 'HKLM\\Software\\Policies\\CallBridge',
      problem: 'spawn reg.exe ENOENT',
    });
  });

  it('reads only admin-written places: nothing from the environment or the user’s files', () => {
    const ports = machine('win32', {});
    ports.env = { ProgramData: 'C:\\ProgramData', APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' };
    expect(policySources(ports).map((s) => s.location)).toEqual(['HKLM\\Software\\Policies\\CallBridge']);
    expect(policySources(machine('linux', {})).map((s) => s.location)).toEqual([
      '/etc/callbridge/policy.json',
    ]);
    expect(policySources(machine('darwin', {})).map((s) => s.location)).toEqual([
      '/Library/Managed Preferences/org.callbridge.desktop.plist',
      '/Library/Managed Preferences/ada/org.callbridge.desktop.plist',
      '/Library/Application Support/CallBridge/policy.json',
    ]);
  });
});
