/**
 * Environment variables for development and testing: CALLBRIDGE_SERVER_URL (the server `npm start` runs),
 * CALLBRIDGE_USER_DATA_DIR (a separate profile for end-to-end tests and side-by-side runs). A packaged
 * build ignores every CALLBRIDGE_* variable: anyone can set an environment variable for a program they
 * start, so honouring one would let a user (or malware running as the user) move the app to another profile
 * or another server behind the administrator's back.
 */
import path from 'node:path';
import { ServerUrl } from '../../shared/serverUrl.ts';

export interface DevelopmentOverrides {
  userDataDir: string | null;
  serverUrl: string | null;
  /** Variables that were set but not used, and why: for the log. */
  ignored: Array<{ name: string; reason: string }>;
}

const PREFIX = 'CALLBRIDGE_';

export function developmentOverrides(env: NodeJS.ProcessEnv, isPackaged: boolean): DevelopmentOverrides {
  const set = Object.keys(env).filter((name) => name.startsWith(PREFIX) && env[name]);
  if (isPackaged) {
    return {
      userDataDir: null,
      serverUrl: null,
      ignored: set.map((name) => ({ name, reason: 'development variables are ignored in packaged builds' })),
    };
  }
  const ignored: DevelopmentOverrides['ignored'] = [];
  const serverUrl = env.CALLBRIDGE_SERVER_URL ? ServerUrl.safeParse(env.CALLBRIDGE_SERVER_URL) : null;
  if (serverUrl && !serverUrl.success)
    ignored.push({ name: 'CALLBRIDGE_SERVER_URL', reason: serverUrl.error.issues[0]?.message ?? 'invalid' });
  return {
    userDataDir: env.CALLBRIDGE_USER_DATA_DIR ? path.resolve(env.CALLBRIDGE_USER_DATA_DIR) : null,
    serverUrl: serverUrl?.success ? serverUrl.data : null,
    ignored,
  };
}
