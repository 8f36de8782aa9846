/**
 * The rows of `calls` and `call_participants` and their mapping to the domain's Call and Participant: the
 * only place that knows the column names. Free-text and JSON columns are parsed here, leniently (a value
 * this backend did not write reads as "none"), so services never see a snake_case row.
 */
import type { z } from 'zod';
import {
  CallQualityStats,
  CallType,
  ConnectionQuality,
  DEFAULT_MEDIA_STATE,
  EndReason,
  MediaState,
  RecordingState,
  type CallStatus,
  type ParticipantStatus,
} from '../../../src/shared/protocol/index.ts';
import type { Call, LockedCall, Participant } from '../domain/call.ts';

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
  stay: number;
  user_name: string;
  user_email: string;
}

/** The columns of CallRow, for `SELECT ${CALL_COLUMNS} FROM calls c`. */
export const CALL_COLUMNS = `c.id, c.conversation_id, c.type, c.status, c.initiated_by, c.started_at, c.ended_at,
  c.duration_seconds, c.end_reason, c.sfu_room_id, c.quality_stats, c.created_at, c.recording_url,
  c.recording_state, c.recording_started_by, c.recording_started_at, c.recording_message`;

/** The columns of ParticipantRow, for `FROM call_participants p JOIN users u ON u.id = p.user_id`. */
export const PARTICIPANT_COLUMNS = `p.call_id, p.user_id, p.status, p.joined_at, p.left_at, p.media_state,
  p.media_stats, p.connection_quality, p.device_id, p.hand_raised_at, p.stay, u.name AS user_name,
  u.email AS user_email`;

const parsedOrNull =
  <T>(schema: z.ZodType<T>) =>
  (value: unknown): T | null => {
    const result = schema.safeParse(value);
    return result.success ? result.data : null;
  };
const endReasonOf = parsedOrNull(EndReason);
const recordingStateOf = parsedOrNull(RecordingState);
const qualityStatsOf = parsedOrNull(CallQualityStats);
const connectionQualityOf = parsedOrNull(ConnectionQuality);

export function toCall(row: CallRow): Call {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    type: CallType.catch('audio').parse(row.type),
    status: row.status,
    initiatedBy: row.initiated_by,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    durationSeconds: row.duration_seconds,
    endReason: endReasonOf(row.end_reason),
    sfuRoomId: row.sfu_room_id,
    qualityStats: qualityStatsOf(row.quality_stats),
    createdAt: row.created_at,
    recordingUrl: row.recording_url,
    recordingState: recordingStateOf(row.recording_state),
    recordingStartedBy: row.recording_started_by,
    recordingStartedAt: row.recording_started_at,
    recordingMessage: row.recording_message,
  };
}

export function toLockedCall(row: CallRow & { is_group: boolean }): LockedCall {
  return { ...toCall(row), isGroup: row.is_group };
}

export function toParticipant(row: ParticipantRow): Participant {
  const media = MediaState.safeParse(row.media_state);
  return {
    callId: row.call_id,
    userId: row.user_id,
    status: row.status,
    joinedAt: row.joined_at,
    leftAt: row.left_at,
    mediaState: media.success ? media.data : DEFAULT_MEDIA_STATE,
    mediaStats: row.media_stats,
    connectionQuality: connectionQualityOf(row.connection_quality),
    deviceId: row.device_id,
    handRaisedAt: row.hand_raised_at,
    stay: row.stay,
    userName: row.user_name,
    userIdentifier: row.user_email,
  };
}
