/** REST: a call as the server reads it back (spec: "API Endpoints"), its participants, history and open calls. */
import { z } from 'zod';
import {
  CallStatus,
  CallType,
  EndReason,
  IsoDateTime,
  MediaState,
  ParticipantStatus,
  Text,
  Uuid,
} from '../primitives.ts';
import { CallQualityStats, ConnectionQuality } from '../quality.ts';

export const ParticipantDto = z.object({
  userId: Uuid,
  userName: z.string(),
  userIdentifier: z.string(), // the user's email
  status: ParticipantStatus,
  mediaState: MediaState,
  joinedAt: IsoDateTime.nullable(),
  leftAt: IsoDateTime.nullable(),
  connectionQuality: ConnectionQuality.nullable(),
  /** Extra: when this participant raised their hand in the call (null or absent: hand down). */
  handRaisedAt: IsoDateTime.nullable().optional(),
});
export type ParticipantDto = z.infer<typeof ParticipantDto>;

/**
 * Extra: call recording (issue #14). `recording` while the call runs, then `processing`, then `ready` (the
 * file is at CallDto.recordingUrl) or `failed`; `stopped` = recorded earlier in a call that still runs;
 * `expired` = removed by the retention sweep.
 */
export const RecordingState = z.enum(['recording', 'stopped', 'processing', 'ready', 'failed', 'expired']);
export type RecordingState = z.infer<typeof RecordingState>;
export const CallRecordingDto = z.object({
  state: RecordingState,
  /** Who started the current (or last) recording. */
  startedBy: Uuid.nullable(),
  startedAt: IsoDateTime.nullable(),
  /** Why the recording stopped or failed on its own (disk full, media server failure), for people to read. */
  message: z.string().nullable(),
});
export type CallRecordingDto = z.infer<typeof CallRecordingDto>;

export const CallDto = z.object({
  id: Uuid,
  conversationId: Uuid,
  type: CallType,
  status: CallStatus,
  initiatedBy: Uuid,
  startedAt: IsoDateTime.nullable(),
  endedAt: IsoDateTime.nullable(),
  durationSeconds: z.number().int().nullable(),
  endReason: EndReason.nullable(),
  createdAt: IsoDateTime,
  sfuRoomId: z.string().nullable(),
  participants: z.array(ParticipantDto),
  /** The quality summary written when the call ended; null while it is open. */
  qualityStats: CallQualityStats.nullable().optional(),
  /** The spec's calls.recording_url: the authenticated download of the processed recording, once ready. */
  recordingUrl: z.string().nullable().optional(),
  /** Extra: null when the call was never recorded. */
  recording: CallRecordingDto.nullable().optional(),
});
export type CallDto = z.infer<typeof CallDto>;

/** GET /api/calls/:callId */
export const CallResponse = z.object({ call: CallDto });
export type CallResponse = z.infer<typeof CallResponse>;

/** GET /api/calls/active : the non-final call I am joined to (or ringing for), for rejoin after a restart. */
export const ActiveCallResponse = z.object({ call: CallDto.nullable() });
export type ActiveCallResponse = z.infer<typeof ActiveCallResponse>;

/** GET /api/calls?cursor=&limit=&filter= : my call history, newest first. */
export const ListCallsQuery = z.object({
  cursor: Text.max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  filter: z.enum(['all', 'missed']).default('all'),
});
export type ListCallsQuery = z.infer<typeof ListCallsQuery>;
export const CallHistoryItemDto = CallDto.extend({
  direction: z.enum(['incoming', 'outgoing']),
  /** My own participant status in that call (missed/rejected/left/...). */
  myStatus: ParticipantStatus,
});
export type CallHistoryItemDto = z.infer<typeof CallHistoryItemDto>;
export const ListCallsResponse = z.object({
  calls: z.array(CallHistoryItemDto),
  nextCursor: z.string().nullable(),
});
export type ListCallsResponse = z.infer<typeof ListCallsResponse>;

/**
 * Extra: an open group call as every member of its conversation sees it, for the "call in progress · Join"
 * banner and the conversation rows. `joinedUserIds` are the people in it now, in joining order.
 */
export const OngoingCallDto = z.object({
  callId: Uuid,
  conversationId: Uuid,
  type: CallType,
  status: CallStatus,
  initiatedBy: Uuid,
  startedAt: IsoDateTime.nullable(),
  joinedUserIds: z.array(Uuid),
});
export type OngoingCallDto = z.infer<typeof OngoingCallDto>;

/**
 * Extra: GET /api/calls/ongoing : the open calls of my group conversations, whether or not I am in them.
 * Any member joins one with POST /api/calls/:callId/answer (also after declining, missing or leaving it).
 */
export const OngoingCallsResponse = z.object({ calls: z.array(OngoingCallDto) });
export type OngoingCallsResponse = z.infer<typeof OngoingCallsResponse>;
