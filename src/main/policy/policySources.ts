/**
 * Where each OS keeps machine policy that only administrators can write, in the order it is looked for:
 *
 * - Windows: the registry, HKLM\Software\Policies\CallBridge (registryPolicy.ts).
 * - macOS: managed preferences for the bundle id, as an MDM profile installs them, for the device
 *   (/Library/Managed Preferences/org.callbridge.desktop.plist) or for this user
 *   (/Library/Managed Preferences/<user>/org.callbridge.desktop.plist), both written by root only; then the
 *   JSON file /Library/Application Support/CallBridge/policy.json for tools that place files.
 * - Linux: /etc/callbridge/policy.json.
 *
 * Nothing the user can write is ever read: no environment variable, no file in the user's home.
 */
import path from 'node:path';
import { errorMessage } from '../log.ts';
import type { PolicyRead, PolicySource } from './adminPolicy.ts';
import { registryPolicySource, regExePath, type RunCommand } from './registryPolicy.ts';

export const BUNDLE_ID = 'org.callbridge.desktop';
export const LINUX_POLICY_FILE = '/etc/callbridge/policy.json';
export const MAC_POLICY_FILE = '/Library/Application Support/CallBridge/policy.json';
const MANAGED_PREFERENCES = '/Library/Managed Preferences';
const PLUTIL = '/usr/bin/plutil';

export interface PolicySourcePorts {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  /** The user's login name (macOS per-user managed preferences). */
  username: string;
  /** Rejects with code ENOENT when there is no such file. */
  readFile(file: string): Promise<string>;
  exists(file: string): boolean;
  run: RunCommand;
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

export function jsonFileSource(file: string, readFile: PolicySourcePorts['readFile']): PolicySource {
  return {
    location: file,
    async read(): Promise<PolicyRead> {
      let text: string;
      try {
        text = await readFile(file);
      } catch (error) {
        if (isMissing(error)) return { found: false };
        return { found: true, problem: `cannot read the file: ${errorMessage(error)}` };
      }
      try {
        return { found: true, value: JSON.parse(text) as unknown };
      } catch {
        return { found: true, problem: 'not valid JSON' };
      }
    },
  };
}

/** A managed-preferences plist, converted to JSON by the system's plutil (binary and XML plists alike). */
export function managedPreferencesSource(file: string, ports: PolicySourcePorts): PolicySource {
  return {
    location: file,
    async read(): Promise<PolicyRead> {
      if (!ports.exists(file)) return { found: false };
      const converted = await ports.run(PLUTIL, ['-convert', 'json', '-o', '-', file]);
      // plutil refuses what JSON cannot express (dates, data): such a profile is not a valid policy either.
      if (converted.exitCode !== 0)
        return {
          found: true,
          problem: `plutil could not convert it to JSON (exit code ${converted.exitCode})`,
        };
      try {
        return { found: true, value: JSON.parse(converted.stdout) as unknown };
      } catch {
        return { found: true, problem: 'plutil produced no JSON' };
      }
    },
  };
}

export function policySources(ports: PolicySourcePorts): PolicySource[] {
  switch (ports.platform) {
    case 'win32':
      return [registryPolicySource(regExePath(ports.env, ports.exists), ports.run)];
    case 'darwin':
      return [
        managedPreferencesSource(path.posix.join(MANAGED_PREFERENCES, `${BUNDLE_ID}.plist`), ports),
        managedPreferencesSource(
          path.posix.join(MANAGED_PREFERENCES, ports.username, `${BUNDLE_ID}.plist`),
          ports,
        ),
        jsonFileSource(MAC_POLICY_FILE, ports.readFile),
      ];
    default:
      return [jsonFileSource(LINUX_POLICY_FILE, ports.readFile)];
  }
}

/**
 * Where earlier versions read the Windows policy from. Standard users can create files under %ProgramData%,
 * so it is no longer read; a file still there is reported so that its administrator moves it to the
 * registry.
 */
export function legacyWindowsPolicyFile(env: NodeJS.ProcessEnv): string {
  return path.win32.join(env.ProgramData ?? 'C:\\ProgramData', 'CallBridge', 'policy.json');
}
