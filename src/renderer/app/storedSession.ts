import { z } from 'zod';

const KEY = 'callbridge.session';

/** What survives a reload or restart so the user stays signed in: where, and with which token. */
const StoredSession = z.object({ serverUrl: z.url(), token: z.string().min(1).max(4096) });
export type StoredSession = z.infer<typeof StoredSession>;

export function readStoredSession(storage: Pick<Storage, 'getItem'>): StoredSession | null {
  try {
    const parsed = StoredSession.safeParse(JSON.parse(storage.getItem(KEY) ?? 'null'));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function writeStoredSession(
  storage: Pick<Storage, 'setItem' | 'removeItem'>,
  session: StoredSession | null,
) {
  if (session) storage.setItem(KEY, JSON.stringify(session));
  else storage.removeItem(KEY);
}
