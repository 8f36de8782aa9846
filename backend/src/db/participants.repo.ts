/**
 * The call_participants table: who is in a call, moved only along the participant state machine
 * (domain/callStateMachine.ts), their media state and quality reports, and who may signal in the call.
 */
import {
  DEFAULT_MEDIA_STATE,
  MediaState,
  type ConnectionQuality,
  type ParticipantStatus,
} from '../../../src/shared/protocol/index.ts';
import type { Participant } from '../domain/call.ts';
import { PARTICIPANT_TRANSITIONS, type ParticipantTransition } from '../domain/callStateMachine.ts';
import { PARTICIPANT_COLUMNS, toParticipant, type ParticipantRow } from './callRows.ts';
import type { Queryable, SqlParam } from './db.ts';

/** The caller joins at once; invitees start 'invited'. */
export async function insertParticipants(
  q: Queryable,
  callId: string,
  caller: { userId: string; deviceId: string | null },
  inviteeIds: readonly string[],
): Promise<void> {
  await q.query(
    `INSERT INTO call_participants (call_id, user_id, status, joined_at, device_id, stay)
     VALUES ($1, $2, 'joined', NOW(), $3, 1)`,
    [callId, caller.userId, caller.deviceId],
  );
  await q.query(
    `INSERT INTO call_participants (call_id, user_id, status) SELECT $1, unnest($2::uuid[]), 'invited'`,
    [callId, inviteeIds],
  );
}

/**
 * Moves the given participants (every participant of the call when `userIds` is null) that are in one of
 * the transition's `from` statuses; returns the ids actually moved. Joining from another status starts a new
 * stay (answering again while joined, e.g. from another device, does not).
 */
export async function moveParticipants(
  q: Queryable,
  callId: string,
  userIds: readonly string[] | null,
  transition: ParticipantTransition,
  deviceId: string | null = null,
): Promise<string[]> {
  const { from, to } = PARTICIPANT_TRANSITIONS[transition];
  const params: SqlParam[] = [callId, to, from, userIds ?? null, deviceId];
  const rows = await q.query<{ user_id: string }>(
    `UPDATE call_participants p SET status = $2::text, updated_at = NOW(),
            joined_at = CASE WHEN $2::text = 'joined' THEN COALESCE(p.joined_at, NOW()) ELSE p.joined_at END,
            left_at = CASE WHEN $2::text = 'left' THEN NOW() WHEN $2::text = 'joined' THEN NULL ELSE p.left_at END,
            device_id = CASE WHEN $2::text IN ('joined', 'rejected') THEN $5::text ELSE p.device_id END,
            hand_raised_at = CASE WHEN $2::text = 'joined' THEN p.hand_raised_at ELSE NULL END,
            disconnected_at = NULL,
            stay = CASE WHEN $2::text = 'joined' AND p.status <> 'joined' THEN p.stay + 1 ELSE p.stay END
      WHERE p.call_id = $1 AND p.status = ANY($3::text[]) AND ($4::uuid[] IS NULL OR p.user_id = ANY($4::uuid[]))
      RETURNING p.user_id`,
    params,
  );
  return rows.map((r) => r.user_id);
}

/** A conversation member who was not invited joins an open group call. */
export async function addJoinedParticipant(
  q: Queryable,
  callId: string,
  userId: string,
  deviceId: string | null,
): Promise<void> {
  await q.query(
    `INSERT INTO call_participants (call_id, user_id, status, joined_at, device_id, stay)
     VALUES ($1, $2, 'joined', NOW(), $3, 1)`,
    [callId, userId, deviceId],
  );
}

export async function listParticipants(q: Queryable, callIds: readonly string[]): Promise<Participant[]> {
  const rows = await q.query<ParticipantRow>(
    `SELECT ${PARTICIPANT_COLUMNS}
       FROM call_participants p JOIN users u ON u.id = p.user_id
      WHERE p.call_id = ANY($1::uuid[])
      ORDER BY p.created_at, u.name, p.user_id`,
    [callIds],
  );
  return rows.map(toParticipant);
}

export async function findParticipant(
  q: Queryable,
  callId: string,
  userId: string,
): Promise<Participant | null> {
  const [participant] = (await listParticipants(q, [callId])).filter((p) => p.userId === userId);
  return participant ?? null;
}

/** Merges the patch into a joined participant's media state; the result, or null when not joined. */
export async function updateMediaState(
  q: Queryable,
  callId: string,
  userId: string,
  patch: Partial<MediaState>,
): Promise<MediaState | null> {
  const [row] = await q.query<{ media_state: unknown }>(
    `UPDATE call_participants
        SET media_state = COALESCE(media_state, $3::jsonb) || $4::jsonb, updated_at = NOW()
      WHERE call_id = $1 AND user_id = $2 AND status = 'joined'
      RETURNING media_state`,
    [callId, userId, DEFAULT_MEDIA_STATE, patch],
  );
  return row === undefined ? null : MediaState.parse(row.media_state);
}

export async function saveQualityReport(
  q: Queryable,
  callId: string,
  userId: string,
  mediaStats: Record<string, unknown>,
  quality: ConnectionQuality,
): Promise<void> {
  await q.query(
    `UPDATE call_participants SET media_stats = $3, connection_quality = $4, updated_at = NOW()
      WHERE call_id = $1 AND user_id = $2`,
    [callId, userId, mediaStats, quality],
  );
}

/** Participants of a call with the given status (the recipients of most call events). */
export async function participantIdsWithStatus(
  q: Queryable,
  callId: string,
  statuses: readonly ParticipantStatus[],
): Promise<string[]> {
  const rows = await q.query<{ user_id: string }>(
    'SELECT user_id FROM call_participants WHERE call_id = $1 AND status = ANY($2::text[])',
    [callId, statuses],
  );
  return rows.map((r) => r.user_id);
}

/**
 * Who may signal in a call: its joined participants (with the device they joined on) and, while the call is
 * open, those still invited or ringing, whose ringing devices take the caller's offer before they answer.
 */
export async function signalingParticipants(
  q: Queryable,
  callId: string,
): Promise<Map<string, { deviceId: string | null; joined: boolean; stay: number }>> {
  const rows = await q.query<{ user_id: string; device_id: string | null; status: string; stay: number }>(
    `SELECT p.user_id, p.device_id, p.status, p.stay FROM call_participants p JOIN calls c ON c.id = p.call_id
      WHERE p.call_id = $1 AND (p.status = 'joined'
        OR (p.status IN ('invited', 'ringing') AND c.status IN ('initiated', 'ringing', 'active')))`,
    [callId],
  );
  return new Map(
    rows.map((r) => [r.user_id, { deviceId: r.device_id, joined: r.status === 'joined', stay: r.stay }]),
  );
}

/** Every joined participant of the call, with the device each joined on. */
export async function joinedDevices(q: Queryable, callId: string): Promise<Map<string, string | null>> {
  const rows = await q.query<{ user_id: string; device_id: string | null }>(
    `SELECT user_id, device_id FROM call_participants WHERE call_id = $1 AND status = 'joined'`,
    [callId],
  );
  return new Map(rows.map((r) => [r.user_id, r.device_id]));
}
