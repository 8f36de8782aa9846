import { StoredSession } from '../../shared/desktopApi.ts';

const KEY = 'callbridge.session';

/**
 * The web client's saved session (see webDesktopApi.ts for why localStorage), and where desktop versions
 * before the session moved to the main process left theirs: the renderer reads that one once, hands it to
 * main and deletes it.
 */
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
