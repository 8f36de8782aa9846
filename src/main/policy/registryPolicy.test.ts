import { describe, expect, it } from 'vitest';
import { AdminPolicy } from './adminPolicy.ts';
import { parseRegQuery, regExePath, registryPolicySource, type RunCommand } from './registryPolicy.ts';

// reg.exe's output as Windows 11 prints it (CRLF, four-space columns, a blank line around each key).
const POLICIES_LIST = [
  '',
  'HKEY_LOCAL_MACHINE\\Software\\Policies\\Adobe',
  'HKEY_LOCAL_MACHINE\\Software\\Policies\\CallBridge',
  'HKEY_LOCAL_MACHINE\\Software\\Policies\\Microsoft',
  '',
].join('\r\n');
const POLICIES_WITHOUT_CALLBRIDGE = ['', 'HKEY_LOCAL_MACHINE\\Software\\Policies\\Microsoft', ''].join(
  '\r\n',
);
const CALLBRIDGE_KEY = [
  '',
  'HKEY_LOCAL_MACHINE\\Software\\Policies\\CallBridge',
  '    ServerURL    REG_SZ    https://calls.corp.example',
  '',
  'HKEY_LOCAL_MACHINE\\Software\\Policies\\CallBridge\\LockedSettings',
  '    launchAtLogin    REG_DWORD    0x1',
  '    doNotDisturb    REG_DWORD    0x0',
  '    muteShortcut    REG_SZ    CommandOrControl+Shift+M',
  '    ringtone    REG_SZ    soft',
  '',
  'HKEY_LOCAL_MACHINE\\Software\\Policies\\CallBridge\\autoUpdate',
  '    (Default)    REG_SZ    ',
  '    enabled    REG_DWORD    0x0',
  '',
].join('\r\n');

function fakeReg(answers: Record<string, { exitCode: number; stdout: string }>) {
  const calls: string[][] = [];
  const run: RunCommand = async (file, args) => {
    calls.push([file, ...args]);
    const answer = answers[args[1]!];
    if (!answer) throw new Error(`unexpected reg.exe call ${args.join(' ')}`);
    return answer;
  };
  return { run, calls };
}

describe('Windows policy in HKLM\\Software\\Policies\\CallBridge', () => {
  it('turns reg.exe’s listing into the policy, names matched without regard to case', () => {
    const tree = parseRegQuery(CALLBRIDGE_KEY);
    expect(tree).toEqual({
      serverUrl: 'https://calls.corp.example',
      lockedSettings: {
        launchAtLogin: true,
        doNotDisturb: false,
        muteShortcut: 'CommandOrControl+Shift+M',
        ringtone: 'soft',
      },
      autoUpdate: { enabled: false },
    });
    expect(AdminPolicy.safeParse(tree).success).toBe(true);
  });

  it('refuses registry types and shapes that are not a policy', () => {
    const key = 'HKEY_LOCAL_MACHINE\\Software\\Policies\\CallBridge';
    expect(() => parseRegQuery(`${key}\r\n    serverUrl    REG_EXPAND_SZ    %URL%\r\n`)).toThrow(
      /REG_EXPAND_SZ/,
    );
    expect(() => parseRegQuery(`${key}\r\n    serverUrl    REG_MULTI_SZ    a\\0b\r\n`)).toThrow(
      /REG_MULTI_SZ/,
    );
    expect(() => parseRegQuery(`HKEY_CURRENT_USER\\Software\\CallBridge\r\n`)).toThrow(/unexpected line/);
    expect(() => parseRegQuery(`    serverUrl    REG_SZ    x\r\n`)).toThrow(/before its key/);
    // A DWORD that is neither 0 nor 1 stays a number, which the schema then refuses.
    const tree = parseRegQuery(`${key}\\autoUpdate\r\n    enabled    REG_DWORD    0x2\r\n`);
    expect(AdminPolicy.safeParse(tree).success).toBe(false);
  });

  it('reads the policy from the native registry view', async () => {
    const { run, calls } = fakeReg({
      'HKEY_LOCAL_MACHINE\\Software\\Policies': { exitCode: 0, stdout: POLICIES_LIST },
      'HKEY_LOCAL_MACHINE\\Software\\Policies\\CallBridge': { exitCode: 0, stdout: CALLBRIDGE_KEY },
    });
    const read = await registryPolicySource('C:\\Windows\\System32\\reg.exe', run).read();
    expect(read).toMatchObject({ found: true, value: { serverUrl: 'https://calls.corp.example' } });
    expect(calls.every((call) => call.includes('/reg:64'))).toBe(true);
  });

  it('finds no policy when the key is absent, and fails closed when reg.exe cannot answer', async () => {
    const absent = fakeReg({
      'HKEY_LOCAL_MACHINE\\Software\\Policies': { exitCode: 0, stdout: POLICIES_WITHOUT_CALLBRIDGE },
    });
    expect(await registryPolicySource('reg.exe', absent.run).read()).toEqual({ found: false });
    expect(absent.calls).toHaveLength(1);

    const blocked = fakeReg({ 'HKEY_LOCAL_MACHINE\\Software\\Policies': { exitCode: 1, stdout: '' } });
    expect(await registryPolicySource('reg.exe', blocked.run).read()).toMatchObject({
      found: true,
      problem: expect.stringContaining('could not list'),
    });

    const denied = fakeReg({
      'HKEY_LOCAL_MACHINE\\Software\\Policies': { exitCode: 0, stdout: POLICIES_LIST },
      'HKEY_LOCAL_MACHINE\\Software\\Policies\\CallBridge': { exitCode: 1, stdout: '' },
    });
    expect(await registryPolicySource('reg.exe', denied.run).read()).toMatchObject({
      found: true,
      problem: expect.stringContaining('could not read'),
    });
  });

  it('runs the Windows directory’s reg.exe, not one a user variable points at', () => {
    const exists = (file: string) => file === 'C:\\Windows\\System32\\reg.exe';
    expect(regExePath({ SystemRoot: 'C:\\Users\\me\\evil' }, exists)).toBe('C:\\Windows\\System32\\reg.exe');
    expect(regExePath({ SystemRoot: 'D:\\Windows' }, () => false)).toBe('D:\\Windows\\System32\\reg.exe');
  });
});
