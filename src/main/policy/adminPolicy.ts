/**
 * The administrator's policy: fixes the server URL and, optionally, other settings, which the user then
 * cannot change, and can turn auto-update off or point it at an internal feed. It is read once at start
 * from places only administrators can write (policySources.ts: the Windows registry under HKLM, macOS
 * managed preferences, /etc/callbridge on Linux).
 *
 * A policy that exists but cannot be used (not valid JSON, an unknown key such as a typo "serverURL", a bad
 * value, a read error) fails closed: every setting stays locked and auto-update stays off, the settings
 * screen says the policy could not be read and the log says why. Ignoring it instead would hand the user
 * (or malware running as the user) exactly what the administrator meant to forbid.
 */
import { z } from 'zod';
import { SettingsPatch } from '../../shared/desktopApi.ts';
import { ServerUrl } from '../../shared/serverUrl.ts';
import { errorMessage, type Logger } from '../log.ts';
import { describeZodError } from '../result.ts';
import { globalShortcutProblem } from '../services/accelerator.ts';

export const AdminPolicy = z.strictObject({
  /** Locks the signaling server every user of this machine connects to. */
  serverUrl: ServerUrl.optional(),
  /** Settings fixed to these values; the user cannot change them. */
  lockedSettings: SettingsPatch.omit({ serverUrl: true })
    .strict()
    .refine((s) => !s.muteShortcut || globalShortcutProblem(s.muteShortcut) === null, {
      message: 'not a valid global shortcut',
      path: ['muteShortcut'],
    })
    .optional(),
  autoUpdate: z
    .strictObject({
      enabled: z.boolean().optional(),
      /** A generic update feed (the folder holding latest.yml / latest-mac.yml / latest-linux.yml). */
      feedUrl: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }).optional(),
    })
    .optional(),
});
export type AdminPolicy = z.infer<typeof AdminPolicy>;

/** What reading one place where a policy may live found. */
export type PolicyRead =
  | { found: false }
  | { found: true; value: unknown }
  /** Something is there but could not be read (permissions, a tool that failed, a parse error). */
  | { found: true; problem: string };

/** One place a policy may live: the registry key, a managed-preferences plist, a JSON file. */
export interface PolicySource {
  /** Where, for the log and the admin ("HKLM\Software\Policies\CallBridge", a file path). */
  readonly location: string;
  read(): Promise<PolicyRead>;
}

export type PolicyState =
  | { status: 'none' }
  | { status: 'applied'; location: string; policy: AdminPolicy }
  | { status: 'unreadable'; location: string; problem: string };

/** Parses what a source found; anything but a valid policy makes it unreadable (fail closed). */
export function policyFrom(location: string, read: Exclude<PolicyRead, { found: false }>): PolicyState {
  if ('problem' in read) return { status: 'unreadable', location, problem: read.problem };
  const parsed = AdminPolicy.safeParse(read.value);
  if (!parsed.success) return { status: 'unreadable', location, problem: describeZodError(parsed.error) };
  return { status: 'applied', location, policy: parsed.data };
}

/**
 * The machine's policy: the first source, in order, that has one. Others that also have one are reported
 * and ignored, so that there is exactly one place an administrator has to look at.
 */
export async function loadAdminPolicy(sources: readonly PolicySource[], log: Logger): Promise<PolicyState> {
  let state: PolicyState = { status: 'none' };
  for (const source of sources) {
    let read: PolicyRead;
    try {
      read = await source.read();
    } catch (error) {
      read = { found: true, problem: errorMessage(error) };
    }
    if (!read.found) continue;
    if (state.status !== 'none') {
      log.warn('admin policy: a second policy was found and is ignored', {
        used: state.location,
        ignored: source.location,
      });
      continue;
    }
    state = policyFrom(source.location, read);
  }
  if (state.status === 'applied') {
    log.info('admin policy: applied', {
      location: state.location,
      serverUrlLocked: state.policy.serverUrl !== undefined,
      lockedSettings: Object.keys(state.policy.lockedSettings ?? {}),
    });
  } else if (state.status === 'unreadable') {
    log.error('admin policy: could not be read; every setting stays locked and auto-update stays off', {
      location: state.location,
      problem: state.problem,
    });
  }
  return state;
}
