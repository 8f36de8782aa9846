/** Extra: raised hands (call_participants.hand_raised_at); only a joined participant's hand can be up. */
import type { Queryable } from './db.ts';

export interface RaisedHand {
  userId: string;
  raisedAt: string;
}

/**
 * Raises (keeping the original time when it is up already, so the queue order holds) or lowers the hand of
 * a joined participant; false when they are not joined.
 */
export async function setHand(
  q: Queryable,
  callId: string,
  userId: string,
  raised: boolean,
): Promise<boolean> {
  const rows = await q.query(
    `UPDATE call_participants
        SET hand_raised_at = CASE WHEN $3::boolean THEN COALESCE(hand_raised_at, clock_timestamp()) ELSE NULL END,
            updated_at = NOW()
      WHERE call_id = $1 AND user_id = $2 AND status = 'joined'
      RETURNING user_id`,
    [callId, userId, raised],
  );
  return rows.length > 0;
}

/** The call's queue, first raised first. */
export async function listRaisedHands(q: Queryable, callId: string): Promise<RaisedHand[]> {
  const rows = await q.query<{ user_id: string; hand_raised_at: Date }>(
    `SELECT user_id, hand_raised_at FROM call_participants
      WHERE call_id = $1 AND status = 'joined' AND hand_raised_at IS NOT NULL
      ORDER BY hand_raised_at, user_id`,
    [callId],
  );
  return rows.map((r) => ({ userId: r.user_id, raisedAt: r.hand_raised_at.toISOString() }));
}
