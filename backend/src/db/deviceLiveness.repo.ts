/**
 * Whether joined participants' devices are connected: `call_participants.disconnected_at` starts the
 * reconnect grace, which the sweeper ends with a 'left' once it runs out.
 */
import type { Queryable } from './db.ts';

export interface DeviceOfUser {
  userId: string;
  deviceId: string;
}

export async function findExpiredDisconnections(
  q: Queryable,
  graceSeconds: number,
): Promise<{ callId: string; userId: string }[]> {
  return q.query(
    `SELECT call_id AS "callId", user_id AS "userId" FROM call_participants
      WHERE status = 'joined' AND disconnected_at < NOW() - make_interval(secs => $1)
      ORDER BY disconnected_at LIMIT 500`,
    [graceSeconds],
  );
}

/** Marks 'left' a participant whose disconnection outlived the grace; false if they came back meanwhile. */
export async function leaveIfStillDisconnected(
  q: Queryable,
  callId: string,
  userId: string,
  graceSeconds: number,
): Promise<boolean> {
  const rows = await q.query(
    `UPDATE call_participants
        SET status = 'left', left_at = NOW(), disconnected_at = NULL, hand_raised_at = NULL, updated_at = NOW()
      WHERE call_id = $1 AND user_id = $2 AND status = 'joined'
        AND disconnected_at < NOW() - make_interval(secs => $3)
      RETURNING user_id`,
    [callId, userId, graceSeconds],
  );
  return rows.length > 0;
}

/** The open calls a user is joined to, with the device they joined on. */
export async function findJoinedCallsOfUser(
  q: Queryable,
  userId: string,
): Promise<{ callId: string; deviceId: string | null }[]> {
  return q.query(
    `SELECT p.call_id AS "callId", p.device_id AS "deviceId"
       FROM call_participants p JOIN calls c ON c.id = p.call_id
      WHERE p.user_id = $1 AND p.status = 'joined' AND c.status IN ('initiated', 'ringing', 'active')`,
    [userId],
  );
}

export async function markDisconnected(
  q: Queryable,
  callIds: readonly string[],
  userId: string,
): Promise<void> {
  await q.query(
    `UPDATE call_participants SET disconnected_at = NOW()
      WHERE call_id = ANY($1::uuid[]) AND user_id = $2 AND status = 'joined' AND disconnected_at IS NULL`,
    [callIds, userId],
  );
}

/** Starts the reconnect grace of every joined participant (single node start-up: nobody is connected yet). */
export async function markAllJoinedDisconnected(q: Queryable): Promise<void> {
  await q.query(
    `UPDATE call_participants SET disconnected_at = NOW()
      WHERE status = 'joined' AND disconnected_at IS NULL`,
  );
}

/** Devices that joined participants of open calls are on and that no disconnect has been seen for. */
export async function findDevicesPresumedOnline(q: Queryable): Promise<DeviceOfUser[]> {
  return q.query(
    `SELECT DISTINCT p.user_id AS "userId", p.device_id AS "deviceId"
       FROM call_participants p JOIN calls c ON c.id = p.call_id
      WHERE p.status = 'joined' AND p.disconnected_at IS NULL AND p.device_id IS NOT NULL
        AND c.status IN ('initiated', 'ringing', 'active')`,
  );
}

/**
 * Starts the reconnect grace of a device's participations that no disconnect handler reported. Conditional,
 * so when several nodes find the same device gone only the first one's update changes anything.
 */
export async function markDeviceDisconnected(q: Queryable, userId: string, deviceId: string): Promise<void> {
  await q.query(
    `UPDATE call_participants SET disconnected_at = NOW()
      WHERE user_id = $1 AND device_id = $2 AND status = 'joined' AND disconnected_at IS NULL`,
    [userId, deviceId],
  );
}

export async function clearDisconnected(
  q: Queryable,
  callIds: readonly string[],
  userId: string,
): Promise<void> {
  await q.query(
    `UPDATE call_participants SET disconnected_at = NULL
      WHERE call_id = ANY($1::uuid[]) AND user_id = $2 AND status = 'joined'`,
    [callIds, userId],
  );
}
