import {
  CallQualityStats,
  CallType,
  ConnectionQuality,
  DEFAULT_MEDIA_STATE,
  EndReason,
  MediaState,
  RecordingState,
  type CallDto,
  type CallRecordingDto,
  type CallStatus,
  type ParticipantDto,
  type ParticipantStatus,
} from '../../../src/shared/protocol/index.ts';
import {
  CALL_TRANSITIONS,
  END_REASON_OF,
  PARTICIPANT_TRANSITIONS,
  type CallTransition,
  type FinishingTransition,
  type ParticipantTransition,
} from '../services/callStateMachine.ts';
import { parseRoomRef } from '../sfu/sfuRoomRef.ts';
import type { Queryable, SqlParam } from './db.ts';

export interface CallRow {
  id: string;
  conversation_id: string;
  type: string;
  status: CallStatus;
  initiated_by: string;
  started_at: Date | null;
  ended_at: Date | null;
  duration_seconds: number | null;
  end_reason: string | null;
  sfu_room_id: string | null;
  quality_stats: unknown;
  created_at: Date;
  recording_url: string | null;
  recording_state: string | null;
  recording_started_by: string | null;
  recording_started_at: Date | null;
  recording_message: string | null;
}
export interface LockedCallRow extends CallRow {
  is_group: boolean;
}

export interface ParticipantRow {
  call_id: string;
  user_id: string;
  status: ParticipantStatus;
  joined_at: Date | null;
  left_at: Date | null;
  media_state: unknown;
  media_stats: unknown;
  connection_quality: string | null;
  device_id: string | null;
  hand_raised_at: Date | null;
  user_name: string;
  user_email: string;
}

const CALL_COLUMNS = `c.id, c.conversation_id, c.type, c.status, c.initiated_by, c.started_at, c.ended_at,
  c.duration_seconds, c.end_reason, c.sfu_room_id, c.quality_stats, c.created_at, c.recording_url,
  c.recording_state, c.recording_started_by, c.recording_started_at, c.recording_message`;

export async function insertCall(
  q: Queryable,
  call: { conversationId: string; type: CallType; initiatedBy: string },
): Promise<string> {
  const [row] = await q.query<{ id: string }>(
    'INSERT INTO calls (conversation_id, type, initiated_by) VALUES ($1, $2, $3) RETURNING id',
    [call.conversationId, call.type, call.initiatedBy],
  );
  return row!.id;
}

/** The caller joins at once; invitees start 'invited'. */
export async function insertParticipants(
  q: Queryable,
  callId: string,
  caller: { userId: string; deviceId: string | null },
  inviteeIds: readonly string[],
): Promise<void> {
  await q.query(
    `INSERT INTO call_participants (call_id, user_id, status, joined_at, device_id)
     VALUES ($1, $2, 'joined', NOW(), $3)`,
    [callId, caller.userId, caller.deviceId],
  );
  await q.query(
    `INSERT INTO call_participants (call_id, user_id, status) SELECT $1, unnest($2::uuid[]), 'invited'`,
    [callId, inviteeIds],
  );
}

/** Locks the call row for the rest of the transaction: every operation on one call runs one at a time. */
export async function lockCall(q: Queryable, callId: string): Promise<LockedCallRow | null> {
  const [row] = await q.query<LockedCallRow>(
    `SELECT ${CALL_COLUMNS}, conv.is_group
       FROM calls c JOIN conversations conv ON conv.id = c.conversation_id
      WHERE c.id = $1 FOR UPDATE OF c`,
    [callId],
  );
  return row ?? null;
}

/** A non-finishing call transition; null when the call was not in one of its `from` statuses. */
export async function moveCall(
  q: Queryable,
  callId: string,
  transition: CallTransition,
): Promise<CallRow | null> {
  const { from, to } = CALL_TRANSITIONS[transition];
  const [row] = await q.query<CallRow>(
    `UPDATE calls c SET status = $2::text, updated_at = NOW(),
            started_at = CASE WHEN $2::text = 'active' THEN COALESCE(c.started_at, NOW()) ELSE c.started_at END
      WHERE c.id = $1 AND c.status = ANY($3::text[])
      RETURNING ${CALL_COLUMNS}`,
    [callId, to, from],
  );
  return row ?? null;
}

/**
 * A finishing transition: ended_at, duration_seconds (0 when the call never became active) and end_reason
 * are always written together with the final status.
 */
export async function finishCall(
  q: Queryable,
  callId: string,
  transition: FinishingTransition,
  qualityStats: Record<string, unknown>,
): Promise<CallRow | null> {
  const { from, to } = CALL_TRANSITIONS[transition];
  const [row] = await q.query<CallRow>(
    `UPDATE calls c SET status = $2::text, end_reason = $3::text, quality_stats = $4::jsonb, ended_at = NOW(), updated_at = NOW(),
            duration_seconds = COALESCE(FLOOR(EXTRACT(EPOCH FROM (NOW() - c.started_at))), 0)::int
      WHERE c.id = $1 AND c.status = ANY($5::text[])
      RETURNING ${CALL_COLUMNS}`,
    [callId, to, END_REASON_OF[transition], qualityStats, from],
  );
  return row ?? null;
}

/**
 * Moves the given participants (every participant of the call when `userIds` is null) that are in one of
 * the transition's `from` statuses; returns the ids actually moved.
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
            disconnected_at = NULL
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
    `INSERT INTO call_participants (call_id, user_id, status, joined_at, device_id)
     VALUES ($1, $2, 'joined', NOW(), $3)`,
    [callId, userId, deviceId],
  );
}

export async function listParticipants(q: Queryable, callIds: readonly string[]): Promise<ParticipantRow[]> {
  return q.query<ParticipantRow>(
    `SELECT p.call_id, p.user_id, p.status, p.joined_at, p.left_at, p.media_state, p.media_stats,
            p.connection_quality, p.device_id, p.hand_raised_at, u.name AS user_name, u.email AS user_email
       FROM call_participants p JOIN users u ON u.id = p.user_id
      WHERE p.call_id = ANY($1::uuid[])
      ORDER BY p.created_at, u.name, p.user_id`,
    [callIds],
  );
}

export async function findParticipant(
  q: Queryable,
  callId: string,
  userId: string,
): Promise<ParticipantRow | null> {
  const [row] = (await listParticipants(q, [callId])).filter((p) => p.user_id === userId);
  return row ?? null;
}

export async function findCall(q: Queryable, callId: string): Promise<CallRow | null> {
  const [row] = await q.query<CallRow>(`SELECT ${CALL_COLUMNS} FROM calls c WHERE c.id = $1`, [callId]);
  return row ?? null;
}

export async function updateMediaState(
  q: Queryable,
  callId: string,
  userId: string,
  patch: Partial<MediaState>,
): Promise<unknown | null> {
  const [row] = await q.query<{ media_state: unknown }>(
    `UPDATE call_participants
        SET media_state = COALESCE(media_state, $3::jsonb) || $4::jsonb, updated_at = NOW()
      WHERE call_id = $1 AND user_id = $2 AND status = 'joined'
      RETURNING media_state`,
    [callId, userId, DEFAULT_MEDIA_STATE, patch],
  );
  return row ? row.media_state : null;
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

// ---------------------------------------------------------------------------------------------------------
// Reading calls out as DTOs
// ---------------------------------------------------------------------------------------------------------

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

export function toParticipantDto(row: ParticipantRow): ParticipantDto {
  const media = MediaState.safeParse(row.media_state);
  const quality = ConnectionQuality.safeParse(row.connection_quality);
  return {
    userId: row.user_id,
    userName: row.user_name,
    userIdentifier: row.user_email,
    status: row.status,
    mediaState: media.success ? media.data : DEFAULT_MEDIA_STATE,
    joinedAt: iso(row.joined_at),
    leftAt: iso(row.left_at),
    connectionQuality: quality.success ? quality.data : null,
    handRaisedAt: iso(row.hand_raised_at),
  };
}

export function toCallDto(call: CallRow, participants: readonly ParticipantRow[]): CallDto {
  const endReason = EndReason.safeParse(call.end_reason);
  return {
    id: call.id,
    conversationId: call.conversation_id,
    type: CallType.catch('audio').parse(call.type),
    status: call.status,
    initiatedBy: call.initiated_by,
    startedAt: iso(call.started_at),
    endedAt: iso(call.ended_at),
    durationSeconds: call.duration_seconds,
    endReason: endReason.success ? endReason.data : null,
    createdAt: call.created_at.toISOString(),
    // The room id (the SFU epoch) only: the media server's internal address is none of the clients' business.
    sfuRoomId: parseRoomRef(call.sfu_room_id)?.roomId.toString() ?? null,
    participants: participants.filter((p) => p.call_id === call.id).map(toParticipantDto),
    qualityStats: CallQualityStats.nullable().catch(null).parse(call.quality_stats),
    recordingUrl: call.recording_url,
    recording: toRecordingDto(call),
  };
}

/** The call's recording as clients see it; null when it was never recorded. */
export function toRecordingDto(call: CallRow): CallRecordingDto | null {
  const state = RecordingState.safeParse(call.recording_state);
  if (!state.success) return null;
  return {
    state: state.data,
    startedBy: call.recording_started_by,
    startedAt: iso(call.recording_started_at),
    message: call.recording_message,
  };
}

export async function loadCallDto(q: Queryable, callId: string): Promise<CallDto | null> {
  const call = await findCall(q, callId);
  return call === null ? null : toCallDto(call, await listParticipants(q, [callId]));
}

/** The open call the user is joined to, else the newest one ringing for them. */
export async function findActiveCallId(q: Queryable, userId: string): Promise<string | null> {
  const [row] = await q.query<{ id: string }>(
    `SELECT c.id FROM call_participants p JOIN calls c ON c.id = p.call_id
      WHERE p.user_id = $1 AND c.status IN ('initiated', 'ringing', 'active')
        AND p.status IN ('joined', 'invited', 'ringing')
      ORDER BY (p.status = 'joined') DESC, c.created_at DESC LIMIT 1`,
    [userId],
  );
  return row?.id ?? null;
}

export interface HistoryCursor {
  createdAt: string;
  id: string;
}
export interface HistoryRow extends CallRow {
  my_status: ParticipantStatus;
  /** created_at with microseconds, so the next page starts exactly after this row. */
  cursor_created_at: string;
}

/** One page of the user's calls, newest first, keyed on (created_at, id); fetches `limit` rows. */
export async function listHistory(
  q: Queryable,
  params: { userId: string; missedOnly: boolean; after: HistoryCursor | null; limit: number },
): Promise<HistoryRow[]> {
  return q.query<HistoryRow>(
    `SELECT ${CALL_COLUMNS}, p.status AS my_status,
            to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_created_at
       FROM call_participants p JOIN calls c ON c.id = p.call_id
      WHERE p.user_id = $1
        AND (NOT $2::boolean OR p.status = 'missed')
        AND ($3::timestamptz IS NULL OR (c.created_at, c.id) < ($3::timestamptz, $4::uuid))
      ORDER BY c.created_at DESC, c.id DESC
      LIMIT $5`,
    [
      params.userId,
      params.missedOnly,
      params.after?.createdAt ?? null,
      params.after?.id ?? null,
      params.limit,
    ],
  );
}

// ---------------------------------------------------------------------------------------------------------
// Sweeper and presence queries
// ---------------------------------------------------------------------------------------------------------

/** Open calls with invitees still ringing past the timeout (ringing calls, and active group calls). */
export async function findCallsWithExpiredRinging(
  q: Queryable,
  ringTimeoutSeconds: number,
): Promise<string[]> {
  const rows = await q.query<{ id: string }>(
    `SELECT c.id FROM calls c
      WHERE c.status IN ('initiated', 'ringing', 'active')
        AND c.created_at < NOW() - make_interval(secs => $1)
        AND EXISTS (SELECT 1 FROM call_participants p
                     WHERE p.call_id = c.id AND p.status IN ('invited', 'ringing'))
      ORDER BY c.created_at LIMIT 500`,
    [ringTimeoutSeconds],
  );
  return rows.map((r) => r.id);
}

export async function findExpiredDisconnections(
  q: Queryable,
  graceSeconds: number,
): Promise<{ call_id: string; user_id: string }[]> {
  return q.query(
    `SELECT call_id, user_id FROM call_participants
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
): Promise<{ call_id: string; device_id: string | null }[]> {
  return q.query(
    `SELECT p.call_id, p.device_id FROM call_participants p JOIN calls c ON c.id = p.call_id
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
export async function findDevicesPresumedOnline(
  q: Queryable,
): Promise<{ user_id: string; device_id: string }[]> {
  return q.query(
    `SELECT DISTINCT p.user_id, p.device_id FROM call_participants p JOIN calls c ON c.id = p.call_id
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

/** For the relay: every joined participant of the call, with the device each joined on. */
/**
 * Who may signal in a call: its joined participants (with the device they joined on) and, while the call is
 * open, those still invited or ringing, whose ringing devices take the caller's offer before they answer.
 */
export async function signalingParticipants(
  q: Queryable,
  callId: string,
): Promise<Map<string, { deviceId: string | null; joined: boolean }>> {
  const rows = await q.query<{ user_id: string; device_id: string | null; status: string }>(
    `SELECT p.user_id, p.device_id, p.status FROM call_participants p JOIN calls c ON c.id = p.call_id
      WHERE p.call_id = $1 AND (p.status = 'joined'
        OR (p.status IN ('invited', 'ringing') AND c.status IN ('initiated', 'ringing', 'active')))`,
    [callId],
  );
  return new Map(rows.map((r) => [r.user_id, { deviceId: r.device_id, joined: r.status === 'joined' }]));
}

export async function joinedDevices(q: Queryable, callId: string): Promise<Map<string, string | null>> {
  const rows = await q.query<{ user_id: string; device_id: string | null }>(
    `SELECT user_id, device_id FROM call_participants WHERE call_id = $1 AND status = 'joined'`,
    [callId],
  );
  return new Map(rows.map((r) => [r.user_id, r.device_id]));
}

// ---------------------------------------------------------------------------------------------------------
// Extra: group calls on an SFU (calls.sfu_room_id = `<janus url>#<roomId>`, see sfu/sfuRoomRef.ts)
// ---------------------------------------------------------------------------------------------------------

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
): Promise<{ id: string; sfu_room_id: string }[]> {
  return q.query(
    `SELECT id, sfu_room_id FROM calls
      WHERE status IN ('initiated', 'ringing', 'active') AND starts_with(sfu_room_id, $1::text || '#')`,
    [url],
  );
}

/** The open SFU calls a device is in (a participant bound to no device counts for all their devices). */
export async function findSfuCallsOfDevice(
  q: Queryable,
  userId: string,
  deviceId: string,
): Promise<{ call_id: string; sfu_room_id: string }[]> {
  return q.query(
    `SELECT c.id AS call_id, c.sfu_room_id FROM call_participants p JOIN calls c ON c.id = p.call_id
      WHERE p.user_id = $1 AND p.status = 'joined' AND (p.device_id IS NULL OR p.device_id = $2)
        AND c.status IN ('initiated', 'ringing', 'active') AND c.sfu_room_id IS NOT NULL`,
    [userId, deviceId],
  );
}
