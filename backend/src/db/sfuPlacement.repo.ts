/**
 * Extra: which Janus room each group call on the SFU is in (calls.sfu_room_id = `<janus url>#<roomId>`, see
 * domain/sfuRoomRef.ts), and how loaded each instance is.
 */
import type { Queryable } from './db.ts';

/**
 * Moves the call to another SFU room only if it is still in `expected` (null = still peer to peer): when
 * several nodes react to the same event, the first update wins and the others change nothing.
 */
export async function replaceSfuRoom(
  q: Queryable,
  callId: string,
  expected: string | null,
  next: string,
): Promise<boolean> {
  const rows = await q.query(
    `UPDATE calls SET sfu_room_id = $3, updated_at = NOW()
      WHERE id = $1 AND sfu_room_id IS NOT DISTINCT FROM $2::text AND status IN ('initiated', 'ringing', 'active')
      RETURNING id`,
    [callId, expected, next],
  );
  return rows.length > 0;
}

/** Joined participants of open calls per Janus instance: where a new room goes (the least loaded). */
export async function sfuLoadByInstance(q: Queryable): Promise<Map<string, number>> {
  const rows = await q.query<{ url: string; participants: number }>(
    `SELECT regexp_replace(c.sfu_room_id, '#[0-9]+$', '') AS url, COUNT(p.user_id)::int AS participants
       FROM calls c JOIN call_participants p ON p.call_id = c.id AND p.status = 'joined'
      WHERE c.sfu_room_id IS NOT NULL AND c.status IN ('initiated', 'ringing', 'active')
      GROUP BY 1`,
  );
  return new Map(rows.map((r) => [r.url, Number(r.participants)]));
}

/** Open calls whose room is on this Janus instance (to move them when it dies). */
export async function findOpenCallsOnSfuInstance(
  q: Queryable,
  url: string,
): Promise<{ id: string; sfuRoomId: string }[]> {
  return q.query(
    `SELECT id, sfu_room_id AS "sfuRoomId" FROM calls
      WHERE status IN ('initiated', 'ringing', 'active') AND starts_with(sfu_room_id, $1::text || '#')`,
    [url],
  );
}

/** The open SFU calls a device is in (a participant bound to no device counts for all their devices). */
export async function findSfuCallsOfDevice(
  q: Queryable,
  userId: string,
  deviceId: string,
): Promise<{ callId: string; sfuRoomId: string }[]> {
  return q.query(
    `SELECT c.id AS "callId", c.sfu_room_id AS "sfuRoomId"
       FROM call_participants p JOIN calls c ON c.id = p.call_id
      WHERE p.user_id = $1 AND p.status = 'joined' AND (p.device_id IS NULL OR p.device_id = $2)
        AND c.status IN ('initiated', 'ringing', 'active') AND c.sfu_room_id IS NOT NULL`,
    [userId, deviceId],
  );
}
