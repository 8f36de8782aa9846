import type { Queryable } from './db.ts';

export async function insertTurnCredential(
  q: Queryable,
  record: { userId: string; username: string; credential: string; expiresAt: Date },
): Promise<void> {
  await q.query(
    'INSERT INTO turn_credentials (user_id, username, credential, expires_at) VALUES ($1, $2, $3, $4)',
    [record.userId, record.username, record.credential, record.expiresAt],
  );
}

/** The spec's plpgsql cleanup function, run by the sweeper. */
export async function cleanupExpiredTurnCredentials(q: Queryable): Promise<void> {
  await q.query('SELECT cleanup_expired_turn_credentials()');
}
