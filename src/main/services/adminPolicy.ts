/**
 * The administrator's policy file: a JSON file an admin (or a deployment tool: GPO, MDM, Ansible) places in
 * a machine-wide location only administrators can write, read once at start. It fixes the server URL and,
 * optionally, other settings, which the user then cannot change, and can turn auto-update off or point it at
 * an internal feed.
 *
 * A file that is not valid JSON or does not match the schema is logged and ignored as a whole (the app
 * starts with the user's own settings) rather than half-applied or stopping the app from starting. Unknown
 * keys make it invalid so that a typo ("serverURL") is reported instead of silently doing nothing.
 */
import path from 'node:path';
import { z } from 'zod';
import { SettingsPatch } from '../../shared/desktopApi.ts';
import { errorMessage, type Logger } from '../log.ts';
import { describeZodError } from '../result.ts';
import { globalShortcutProblem } from './accelerator.ts';

export const HttpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

export const AdminPolicy = z.strictObject({
  /** Locks the signaling server every user of this machine connects to. */
  serverUrl: HttpUrl.optional(),
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

/** Where the policy file lives on each OS (machine-wide, writable by administrators only). */
export function policyFilePath(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string {
  switch (platform) {
    case 'win32':
      return path.win32.join(env.ProgramData ?? 'C:\\ProgramData', 'CallBridge', 'policy.json');
    case 'darwin':
      return '/Library/Application Support/CallBridge/policy.json';
    default:
      return '/etc/callbridge/policy.json';
  }
}

/** The policy at `file`, or null when there is none or it is invalid (logged). */
export function loadAdminPolicy(
  file: string,
  readFile: (file: string) => string,
  log: Logger,
): AdminPolicy | null {
  let text: string;
  try {
    text = readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    log.warn('admin policy: cannot read the file; ignoring it', { file, error: errorMessage(error) });
    return null;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    log.warn('admin policy: not valid JSON; ignoring it', { file });
    return null;
  }
  const parsed = AdminPolicy.safeParse(json);
  if (!parsed.success) {
    log.warn('admin policy: invalid; ignoring it', { file, problem: describeZodError(parsed.error) });
    return null;
  }
  log.info('admin policy: applied', {
    file,
    serverUrlLocked: parsed.data.serverUrl !== undefined,
    lockedSettings: Object.keys(parsed.data.lockedSettings ?? {}),
  });
  return parsed.data;
}
