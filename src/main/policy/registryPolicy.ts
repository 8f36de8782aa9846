/**
 * The Windows policy in the registry: HKLM\Software\Policies\CallBridge, the place Group Policy, Intune and
 * every deployment tool write machine policy to, and which only administrators can write. (The folder under
 * %ProgramData% used before is not that: standard users may create files there.)
 *
 * Node has no registry API and the app ships no native module for it, so the key is read with the
 * system's reg.exe and its output parsed strictly. Value names are the policy's JSON keys (matched without
 * regard to case, as the registry does), subkeys its nested objects:
 *
 *   HKLM\Software\Policies\CallBridge                 serverUrl  REG_SZ
 *   HKLM\Software\Policies\CallBridge\lockedSettings  launchAtLogin  REG_DWORD 1, ringtone  REG_SZ ...
 *   HKLM\Software\Policies\CallBridge\autoUpdate      enabled  REG_DWORD 0, feedUrl  REG_SZ
 *
 * REG_DWORD 0 and 1 are false and true; other types are refused, which makes the policy unreadable.
 */
import path from 'node:path';
import { SettingsPatch } from '../../shared/desktopApi.ts';
import type { PolicyRead, PolicySource } from './adminPolicy.ts';

export const POLICY_PARENT_KEY = 'HKEY_LOCAL_MACHINE\\Software\\Policies';
export const POLICY_KEY = `${POLICY_PARENT_KEY}\\CallBridge`;

export interface CommandResult {
  exitCode: number;
  stdout: string;
}
/** Runs a program without a shell; rejects when it cannot be started or does not finish in time. */
export type RunCommand = (file: string, args: readonly string[]) => Promise<CommandResult>;

/**
 * reg.exe from the Windows directory. The usual location is taken first so that a SystemRoot variable set
 * in the user's own environment cannot point the app at another "reg.exe".
 */
export function regExePath(env: NodeJS.ProcessEnv, exists: (file: string) => boolean): string {
  const usual = 'C:\\Windows\\System32\\reg.exe';
  if (exists(usual)) return usual;
  return path.win32.join(env.SystemRoot ?? 'C:\\Windows', 'System32', 'reg.exe');
}

/** The policy's key names, in the spelling the schema expects. */
const CANONICAL_NAMES = new Map(
  [
    'serverUrl',
    'lockedSettings',
    'autoUpdate',
    'enabled',
    'feedUrl',
    ...Object.keys(SettingsPatch.shape),
  ].map((name) => [name.toLowerCase(), name]),
);
const canonical = (name: string) => CANONICAL_NAMES.get(name.toLowerCase()) ?? name;

const VALUE_LINE = /^ {4}(.+?) {4}(REG_[A-Z0-9_]+)(?: {4}(.*))?$/;

type Tree = { [key: string]: unknown };

function registryValue(name: string, type: string, data: string): unknown {
  if (type === 'REG_SZ') return data;
  if (type === 'REG_DWORD' && /^0x[0-9a-f]{1,8}$/i.test(data)) {
    const number = Number.parseInt(data, 16);
    return number === 0 ? false : number === 1 ? true : number;
  }
  throw new Error(`${name}: ${type} values are not supported; use REG_SZ or REG_DWORD (0 or 1)`);
}

/**
 * The policy object `reg query <POLICY_KEY> /s` describes; throws an Error saying which line or value is
 * not part of a policy.
 */
export function parseRegQuery(output: string): Tree {
  const root: Tree = {};
  let current: Tree | null = null;
  for (const line of output.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const value = VALUE_LINE.exec(line);
    if (value) {
      if (current === null) throw new Error('reg.exe listed a value before its key');
      const [, rawName, type, data = ''] = value as unknown as [string, string, string, string?];
      // The key's unnamed default value ("(Default)", localised) is not part of the policy.
      if (rawName.startsWith('(') && rawName.endsWith(')')) continue;
      current[canonical(rawName)] = registryValue(rawName, type, data);
      continue;
    }
    const key = line.trim();
    const lower = key.toLowerCase();
    const base = POLICY_KEY.toLowerCase();
    if (lower !== base && !lower.startsWith(`${base}\\`))
      throw new Error(`unexpected line in reg.exe output: ${key.slice(0, 200)}`);
    current = root;
    for (const segment of key.slice(POLICY_KEY.length).split('\\').filter(Boolean)) {
      const name = canonical(segment);
      const next: unknown = current[name];
      if (next !== undefined && (typeof next !== 'object' || next === null))
        throw new Error(`${name} is both a value and a subkey`);
      current = (next as Tree | undefined) ?? (current[name] = {});
    }
  }
  return root;
}

/** Whether `reg query <POLICY_PARENT_KEY>` lists the CallBridge key among its subkeys. */
function listsPolicyKey(output: string): boolean {
  return output.split(/\r?\n/).some((line) => line.trim().toLowerCase() === POLICY_KEY.toLowerCase());
}

export function registryPolicySource(regExe: string, run: RunCommand): PolicySource {
  return {
    location: POLICY_KEY.replace('HKEY_LOCAL_MACHINE', 'HKLM'),
    async read(): Promise<PolicyRead> {
      // reg.exe's "key not found" message is localised and shares exit code 1 with every other failure, so
      // existence is decided from the parent's list of subkeys, which Windows always has. /reg:64: the
      // native view, where Group Policy writes, whatever this process's architecture.
      const parent = await run(regExe, ['query', POLICY_PARENT_KEY, '/reg:64']);
      if (parent.exitCode !== 0)
        return {
          found: true,
          problem: `reg.exe could not list ${POLICY_PARENT_KEY} (exit code ${parent.exitCode})`,
        };
      if (!listsPolicyKey(parent.stdout)) return { found: false };
      const policy = await run(regExe, ['query', POLICY_KEY, '/s', '/reg:64']);
      if (policy.exitCode !== 0)
        return {
          found: true,
          problem: `reg.exe could not read ${POLICY_KEY} (exit code ${policy.exitCode})`,
        };
      try {
        return { found: true, value: parseRegQuery(policy.stdout) };
      } catch (error) {
        return { found: true, problem: (error as Error).message };
      }
    },
  };
}
