/**
 * The wire contract between the signaling backend (backend/) and every client (renderer, web client, tests).
 *
 * One module, shared by both sides, so the names and shapes of the spec
 * (shared/spec/phase4-voice-video-calls.txt) are written down exactly once. Every REST body and every socket
 * payload crossing the wire is parsed with the zod schemas here; the TypeScript types are inferred from them.
 *
 * Pure TypeScript + zod: no DOM, no Node, no Electron.
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------------------
// Enumerations (spec: "Database Schema")
// ---------------------------------------------------------------------------------------------------------

export const CALL_TYPES = ['audio', 'video', 'screen'] as const;
export const CallType = z.enum(CALL_TYPES);
export type CallType = z.infer<typeof CallType>;

/** A call can be started as audio or video; 'screen' is a stored type only (a call that is all screen share). */
export const InitiableCallType = z.enum(['audio', 'video']);
export type InitiableCallType = z.infer<typeof InitiableCallType>;

export const CALL_STATUSES = [
  'initiated',
  'ringing',
  'active',
  'ended',
  'missed',
  'rejected',
  'failed',
] as const;
export const CallStatus = z.enum(CALL_STATUSES);
export type CallStatus = z.infer<typeof CallStatus>;

/** Terminal call statuses: no transition leaves them. */
export const FINAL_CALL_STATUSES: readonly CallStatus[] = ['ended', 'missed', 'rejected', 'failed'];

export const PARTICIPANT_STATUSES = ['invited', 'ringing', 'joined', 'left', 'rejected', 'missed'] as const;
export const ParticipantStatus = z.enum(PARTICIPANT_STATUSES);
export type ParticipantStatus = z.infer<typeof ParticipantStatus>;

export const ConnectionQuality = z.enum(['good', 'fair', 'poor']);
export type ConnectionQuality = z.infer<typeof ConnectionQuality>;

/** Why a call ended (calls.end_reason). */
export const END_REASONS = [
  'ended-by-user', // a participant hung up (1:1) or the last participant left (group)
  'rejected', // the callee of a 1:1 call declined
  'missed', // nobody answered before the ring timeout
  'cancelled', // the caller hung up before anyone answered
  'connection-failed', // media could not be established / all participants dropped
  'server-shutdown', // reserved: never written by a graceful shutdown, see backend README
  'media-server-failed', // extra: the call's SFU (Janus) died and no other instance could take the call over
] as const;
export const EndReason = z.enum(END_REASONS);
export type EndReason = z.infer<typeof EndReason>;

// ---------------------------------------------------------------------------------------------------------
// Limits shared by client and server
// ---------------------------------------------------------------------------------------------------------

/** Spec: "Limit group calls to 20 participants max"; a conversation holds at most this many members too. */
export const MAX_CALL_PARTICIPANTS = 20;
export const MAX_CONVERSATION_MEMBERS = 20;
/** Largest SDP accepted on the wire (a 20-way Chromium offer with simulcast stays well under this). */
export const MAX_SDP_BYTES = 64 * 1024;
/** Socket.io `maxHttpBufferSize`: the largest signaling message plus envelope. */
export const MAX_SOCKET_MESSAGE_BYTES = 100 * 1024;

// ---------------------------------------------------------------------------------------------------------
// Primitives
// ---------------------------------------------------------------------------------------------------------

export const Uuid = z.uuid();
export const IsoDateTime = z.iso.datetime({ offset: true });

/**
 * Every free-text field on the wire. PostgreSQL's text types refuse NUL (error 22021), and a lone UTF-16
 * surrogate has no UTF-8 form (the drivers would silently store U+FFFD instead), so both are refused here,
 * before anything reaches a query or a peer, with the field named in the 400.
 */
// NUL is the point here. In 'u' mode only an unpaired surrogate matches \p{Cs}.
// eslint-disable-next-line no-control-regex
const UNSTORABLE_CHARACTER = /[\u0000\p{Cs}]/u;
export const Text = z
  .string()
  .refine((value) => !UNSTORABLE_CHARACTER.test(value), 'must not contain NUL or unpaired UTF-16 surrogates');

/** Identifies one signed-in client (a desktop install or a browser tab) so a user's devices can be told apart. */
export const DeviceId = z
  .string()
  .min(8)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'deviceId must be 8-64 characters of A-Z, a-z, 0-9, _ or -');
export type DeviceId = z.infer<typeof DeviceId>;
/**
 * A device as the server names it on relayed signaling and joins (`fromDeviceId`, `deviceId`): the client's
 * own DeviceId or the server's `conn-<uuid>`; clients accept any short id, so other servers' names work too.
 */
export const StampedDeviceId = z.string().min(1).max(128);

export const MediaState = z.object({
  audioEnabled: z.boolean(),
  videoEnabled: z.boolean(),
  screenSharing: z.boolean(),
  /**
   * Extra: the participants toward whom this one's video is paused by a poor connection (their send
   * ladder's audio-only rung, per peer connection), so those see "Video paused: poor connection" instead
   * of a frozen picture. Absent (a spec client) or empty: nothing paused.
   */
  videoPausedFor: z
    .array(Uuid)
    .max(MAX_CALL_PARTICIPANTS - 1)
    .optional(),
});
export type MediaState = z.infer<typeof MediaState>;
export const DEFAULT_MEDIA_STATE: MediaState = {
  audioEnabled: true,
  videoEnabled: true,
  screenSharing: false,
};

// ---------------------------------------------------------------------------------------------------------
// Errors: every non-2xx REST answer and every failed socket acknowledgement carries one
// ---------------------------------------------------------------------------------------------------------

export const ERROR_CODES = [
  'bad_request', // 400: a body, param or payload failed validation; `field` names the first bad one
  'unauthorized', // 401: no token or a bad/expired token
  'forbidden', // 403: not a member of the conversation / not a participant of the call
  'not_found', // 404: unknown call, conversation or user
  'conflict', // 409: illegal state transition, e.g. answering an ended call
  'call_full', // 409: the call already has MAX_CALL_PARTICIPANTS
  'rate_limited', // 429
  'unavailable', // 503: a dependency (database, SFU) is down
  'internal', // 500: never with details
] as const;
export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ApiError = z.object({
  code: ErrorCode,
  message: z.string(),
  /** Dotted path of the first invalid field, for 400s. */
  field: z.string().optional(),
});
export type ApiError = z.infer<typeof ApiError>;
export const ErrorResponse = z.object({ error: ApiError });
export type ErrorResponse = z.infer<typeof ErrorResponse>;

// ---------------------------------------------------------------------------------------------------------
// REST: accounts, users, conversations (the spec's tables reference them; minimal real API)
// ---------------------------------------------------------------------------------------------------------

export const UserDto = z.object({ id: Uuid, name: z.string(), email: z.string() });
export type UserDto = z.infer<typeof UserDto>;

export const RegisterRequest = z.object({
  email: z.email().max(254),
  password: Text.min(8).max(256),
  name: Text.trim().min(1).max(100),
});
export type RegisterRequest = z.infer<typeof RegisterRequest>;

// The password is only hashed, never stored or queried: it accepts whatever registration ever accepted.
export const LoginRequest = z.object({ email: z.email().max(254), password: z.string().min(1).max(256) });
export type LoginRequest = z.infer<typeof LoginRequest>;

/** POST /api/auth/register (201) and POST /api/auth/login (200). */
export const AuthResponse = z.object({ token: z.string(), user: UserDto });
export type AuthResponse = z.infer<typeof AuthResponse>;

/** GET /api/users/me */
export const MeResponse = z.object({ user: UserDto });
export type MeResponse = z.infer<typeof MeResponse>;

/** GET /api/users?query=&limit= : everyone but me, by name or email. */
export const ListUsersQuery = z.object({
  query: Text.max(100).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export const ListUsersResponse = z.object({ users: z.array(UserDto) });
export type ListUsersResponse = z.infer<typeof ListUsersResponse>;

export const ConversationDto = z.object({
  id: Uuid,
  title: z.string().nullable(),
  isGroup: z.boolean(),
  members: z.array(UserDto),
  createdAt: IsoDateTime,
});
export type ConversationDto = z.infer<typeof ConversationDto>;

/** POST /api/conversations (201). The caller is always a member; 1 other member makes a 1:1 conversation. */
export const CreateConversationRequest = z.object({
  memberIds: z
    .array(Uuid)
    .min(1)
    .max(MAX_CONVERSATION_MEMBERS - 1),
  title: Text.trim().min(1).max(100).optional(),
});
export type CreateConversationRequest = z.infer<typeof CreateConversationRequest>;
export const ConversationResponse = z.object({ conversation: ConversationDto });
export type ConversationResponse = z.infer<typeof ConversationResponse>;

/** GET /api/conversations : mine, newest first. */
export const ListConversationsResponse = z.object({ conversations: z.array(ConversationDto) });
export type ListConversationsResponse = z.infer<typeof ListConversationsResponse>;

// ---------------------------------------------------------------------------------------------------------
// REST: calls (spec: "API Endpoints")
// ---------------------------------------------------------------------------------------------------------

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

/** POST /api/calls/initiate. participantIds defaults to every other member of the conversation. */
export const InitiateCallRequest = z.object({
  conversationId: Uuid,
  type: InitiableCallType,
  participantIds: z
    .array(Uuid)
    .min(1)
    .max(MAX_CALL_PARTICIPANTS - 1)
    .optional(),
  /** The caller's device, so signaling reaches this device only. */
  deviceId: DeviceId.optional(),
});
export type InitiateCallRequest = z.infer<typeof InitiateCallRequest>;
export const InitiateCallResponse = z.object({
  callId: Uuid,
  status: CallStatus,
  participants: z.array(ParticipantDto),
});
export type InitiateCallResponse = z.infer<typeof InitiateCallResponse>;

export const CallIdParams = z.object({ callId: Uuid });

/**
 * POST /api/calls/:callId/answer (body optional). Idempotent: answering again (e.g. after a reload) re-joins
 * and moves this user's signaling to the given device. A conversation member who was not invited may join
 * an active group call this way.
 */
export const AnswerCallRequest = z.object({ deviceId: DeviceId.optional() });
export type AnswerCallRequest = z.infer<typeof AnswerCallRequest>;
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

export const AnswerCallResponse = z.object({
  callId: Uuid,
  status: CallStatus,
  startedAt: IsoDateTime,
  /** Extra: set when the call is being recorded, so a joiner knows before any of its media flows. */
  recording: CallRecordingDto.optional(),
});
export type AnswerCallResponse = z.infer<typeof AnswerCallResponse>;

/**
 * POST /api/calls/:callId/reject. `status` is the call's status afterwards: 'rejected' for a 1:1 call; for a
 * group call the call goes on for the others and the rejecting participant's own status is 'rejected'.
 */
export const RejectCallResponse = z.object({ callId: Uuid, status: CallStatus });
export type RejectCallResponse = z.infer<typeof RejectCallResponse>;

/**
 * POST /api/calls/:callId/end. Idempotent. In a group call with others still joined this leaves the call
 * (`status` stays 'active'); the call ends when the last participant leaves.
 */
export const EndCallResponse = z.object({
  callId: Uuid,
  status: CallStatus,
  duration: z.number().int().nonnegative(),
  endReason: EndReason.nullable(),
});
export type EndCallResponse = z.infer<typeof EndCallResponse>;

/** PATCH /api/calls/:callId/media: any subset of the three flags. */
export const UpdateMediaRequest = MediaState.partial().refine((v) => Object.keys(v).length > 0, {
  message: 'at least one of audioEnabled, videoEnabled, screenSharing is required',
});
export type UpdateMediaRequest = z.infer<typeof UpdateMediaRequest>;
export const UpdateMediaResponse = z.object({ success: z.literal(true), mediaState: MediaState });
export type UpdateMediaResponse = z.infer<typeof UpdateMediaResponse>;

export const IceServerDto = z.object({
  urls: z.array(z.string()),
  username: z.string().optional(),
  credential: z.string().optional(),
});
export type IceServerDto = z.infer<typeof IceServerDto>;

/**
 * GET /api/calls/turn-credentials. `credentials` and `expiresAt` are the spec's shape (the TURN server);
 * `iceServers` is what a client passes to RTCPeerConnection (STUN + TURN). With no TURN configured,
 * `turnConfigured` is false, `credentials` is null and `iceServers` holds STUN only.
 */
export const TurnCredentialsResponse = z.object({
  credentials: z
    .object({ urls: z.array(z.string()), username: z.string(), credential: z.string() })
    .nullable(),
  expiresAt: IsoDateTime.nullable(),
  iceServers: z.array(IceServerDto),
  turnConfigured: z.boolean(),
  ttlSeconds: z.number().int().positive().nullable(),
});
export type TurnCredentialsResponse = z.infer<typeof TurnCredentialsResponse>;

/** Average and worst of one metric over a call ("worst": highest RTT or loss, lowest bitrate). */
export const MetricSummary = z.object({ avg: z.number().nullable(), worst: z.number().nullable() });
export type MetricSummary = z.infer<typeof MetricSummary>;

/** calls.quality_stats, written when the call ends: one entry per participant who sent quality reports. */
export const CallQualityStats = z.object({
  worstQuality: ConnectionQuality.nullable(),
  participants: z.array(
    z.object({
      userId: Uuid,
      reports: z.number().int().nonnegative(),
      worstQuality: ConnectionQuality,
      rttMs: MetricSummary,
      packetLossPct: MetricSummary,
      availableBitrateKbps: MetricSummary,
    }),
  ),
});
export type CallQualityStats = z.infer<typeof CallQualityStats>;

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

/** Extra: POST /api/calls/:callId/recording/start and /stop answer with the call's recording now. */
export const RecordingResponse = z.object({ callId: Uuid, recording: CallRecordingDto });
export type RecordingResponse = z.infer<typeof RecordingResponse>;

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

/** GET /healthz */
export const HealthResponse = z.object({ status: z.literal('ok') });

// ---------------------------------------------------------------------------------------------------------
// Connection quality (spec: "Connection Quality Monitoring")
// ---------------------------------------------------------------------------------------------------------

/** Spec thresholds, in one place for client classification and server summaries. */
export const QUALITY_THRESHOLDS = {
  rttMs: { good: 100, poor: 300 }, // good < 100, fair 100-300, poor > 300
  packetLossPct: { good: 2, poor: 5 }, // good < 2, fair 2-5, poor > 5
  availableBitrateKbps: { good: 500, poor: 200 }, // good > 500, fair 200-500, poor < 200
} as const;
/** Spec: "Quality is checked every 3 seconds". */
export const QUALITY_SAMPLE_INTERVAL_MS = 3000;

const qualityRank: Record<ConnectionQuality, number> = { good: 0, fair: 1, poor: 2 };

/**
 * Classifies one peer's measurements by the spec's thresholds; the worst of the three metrics wins.
 * A metric that could not be measured (null) does not count.
 */
export function classifyQuality(sample: {
  rttMs: number | null;
  packetLossPct: number | null;
  availableBitrateKbps: number | null;
}): ConnectionQuality {
  const t = QUALITY_THRESHOLDS;
  const grades: ConnectionQuality[] = [];
  if (sample.rttMs !== null) {
    grades.push(sample.rttMs < t.rttMs.good ? 'good' : sample.rttMs > t.rttMs.poor ? 'poor' : 'fair');
  }
  if (sample.packetLossPct !== null) {
    grades.push(
      sample.packetLossPct < t.packetLossPct.good
        ? 'good'
        : sample.packetLossPct > t.packetLossPct.poor
          ? 'poor'
          : 'fair',
    );
  }
  if (sample.availableBitrateKbps !== null) {
    grades.push(
      sample.availableBitrateKbps > t.availableBitrateKbps.good
        ? 'good'
        : sample.availableBitrateKbps < t.availableBitrateKbps.poor
          ? 'poor'
          : 'fair',
    );
  }
  return grades.reduce<ConnectionQuality>(
    (worst, g) => (qualityRank[g] > qualityRank[worst] ? g : worst),
    'good',
  );
}

const rttMs = z.number().nonnegative().max(60_000).nullable();
const packetLossPct = z.number().min(0).max(100).nullable();
const bitrateKbps = z.number().nonnegative().max(10_000_000).nullable();
const perSecond = z.number().nonnegative().max(100_000).nullable();

/**
 * One direction of a link to a peer, graded with the same thresholds (extension: optional in the sample).
 * `packetLossPct` is loss before repair (retransmissions count as lost); `bitrateKbps` is what the receiver
 * actually got ('receive') or the sender's bandwidth estimate toward the peer ('send').
 */
export const LinkDirectionQuality = z.object({
  quality: ConnectionQuality,
  rttMs,
  packetLossPct,
  bitrateKbps,
  jitterMs: z.number().nonnegative().max(60_000).nullable(),
  nackPerSecond: perSecond,
  pliPerSecond: perSecond,
  /** Video freezes the receiver saw in the interval ('receive' only). */
  freezes: z.number().int().nonnegative().max(10_000).nullable(),
});
export type LinkDirectionQuality = z.infer<typeof LinkDirectionQuality>;

/**
 * The top-level metrics are the worse of the two directions (the badge), `receive` ("you receive them") and
 * `send` ("they receive you") say which one it is.
 */
export const PeerQualitySample = z.object({
  peerUserId: Uuid,
  rttMs,
  packetLossPct,
  availableBitrateKbps: bitrateKbps,
  quality: ConnectionQuality,
  receive: LinkDirectionQuality.optional(),
  send: LinkDirectionQuality.optional(),
  /** Our video toward this peer is paused (the send ladder's audio-only rung). */
  videoPaused: z.boolean().optional(),
});
export type PeerQualitySample = z.infer<typeof PeerQualitySample>;

// ---------------------------------------------------------------------------------------------------------
// Socket.io (spec: "WebSocket Events"). Transport: WebSocket only. Handshake: `auth: { token, deviceId? }`.
// Every client->server event may take an acknowledgement callback; it is always answered with a SocketAck.
// ---------------------------------------------------------------------------------------------------------

export const SessionDescription = z.object({
  type: z.enum(['offer', 'answer', 'pranswer', 'rollback']),
  sdp: Text.max(MAX_SDP_BYTES),
});
export type SessionDescription = z.infer<typeof SessionDescription>;

/** RTCIceCandidateInit; null marks end-of-candidates. */
export const IceCandidate = z
  .object({
    candidate: Text.max(2048),
    sdpMid: Text.max(64).nullable().optional(),
    sdpMLineIndex: z.number().int().min(0).max(1024).nullable().optional(),
    usernameFragment: Text.max(256).nullable().optional(),
  })
  .nullable();
export type IceCandidate = z.infer<typeof IceCandidate>;

const OfferDescription = SessionDescription.refine((d) => d.type === 'offer', 'offer.type must be "offer"');
const AnswerDescription = SessionDescription.refine(
  (d) => d.type === 'answer',
  'answer.type must be "answer"',
);

export const SocketHandshakeAuth = z.object({
  token: z.string().min(1).max(4096),
  deviceId: DeviceId.optional(),
});
export type SocketHandshakeAuth = z.infer<typeof SocketHandshakeAuth>;

// Client -> server payloads. Signaling reaches the target's device in the call once they joined; before
// that, every device of theirs that rings (the caller offers with the ring, see docs/client.md).
/**
 * Extra: one device of the target, as its signaling's `fromDeviceId` named it. A caller whose offer several
 * ringing devices answered offers to each extra device on its own.
 */
const TargetDevice = { targetDeviceId: DeviceId.optional() };
/**
 * Extra: the sender takes an answer from each ringing device of the target (it offers again to every extra
 * one, see `targetDeviceId`), so ringing devices may answer before their user picks up (instant answer). An
 * offer without it, as from a client written from the spec alone, is answered only by the device that
 * picks up: that client keeps one connection per person and would pair with whichever device answered first.
 */
const Preconnect = { preconnect: z.literal(true).optional() };
export const OfferPayload = z.object({
  callId: Uuid,
  targetUserId: Uuid,
  offer: OfferDescription,
  ...TargetDevice,
  ...Preconnect,
});
export type OfferPayload = z.infer<typeof OfferPayload>;
export const AnswerPayload = z.object({
  callId: Uuid,
  targetUserId: Uuid,
  answer: AnswerDescription,
  ...TargetDevice,
});
export type AnswerPayload = z.infer<typeof AnswerPayload>;
export const IceCandidatePayload = z.object({
  callId: Uuid,
  targetUserId: Uuid,
  candidate: IceCandidate,
  ...TargetDevice,
});
export type IceCandidatePayload = z.infer<typeof IceCandidatePayload>;
/** Per-peer stats, sent about every 10 s (the client samples every 3 s and reports the latest). */
export const QualityReportPayload = z.object({
  callId: Uuid,
  samples: z
    .array(PeerQualitySample)
    .min(1)
    .max(MAX_CALL_PARTICIPANTS - 1),
});
export type QualityReportPayload = z.infer<typeof QualityReportPayload>;

/** Extra: raise or lower my hand; the host (the initiator) may lower anyone's with `userId`. */
export const HandPayload = z.object({
  callId: Uuid,
  raised: z.boolean(),
  userId: Uuid.optional(),
});
export type HandPayload = z.infer<typeof HandPayload>;

/** Extra: the reactions a participant can send; shown briefly on the sender's tile. */
export const REACTIONS = ['👍', '👏', '❤️', '😂', '😮', '🎉'] as const;
export const Reaction = z.enum(REACTIONS);
export type Reaction = z.infer<typeof Reaction>;
export const ReactionPayload = z.object({ callId: Uuid, reaction: Reaction });
export type ReactionPayload = z.infer<typeof ReactionPayload>;

export type SocketAck = { ok: true } | { ok: false; error: ApiError };

export interface ClientToServerEvents {
  'call:offer': (payload: OfferPayload, ack: (res: SocketAck) => void) => void;
  'call:answer': (payload: AnswerPayload, ack: (res: SocketAck) => void) => void;
  'call:ice-candidate': (payload: IceCandidatePayload, ack: (res: SocketAck) => void) => void;
  'call:quality-report': (payload: QualityReportPayload, ack: (res: SocketAck) => void) => void;
  'call:sfu-publish': (payload: SfuPublishPayload, ack: (res: SfuPublishAck) => void) => void;
  'call:sfu-answer': (payload: SfuAnswerPayload, ack: (res: SocketAck) => void) => void;
  'call:sfu-ice-candidate': (payload: SfuIceCandidatePayload, ack: (res: SocketAck) => void) => void;
  'call:sfu-view': (payload: SfuViewPayload, ack: (res: SocketAck) => void) => void;
  'call:hand': (payload: HandPayload, ack: (res: SocketAck) => void) => void;
  'call:reaction': (payload: ReactionPayload, ack: (res: SocketAck) => void) => void;
}

// Server -> client payloads (spec shapes; extras are marked)
export interface CallIncomingEvent {
  callId: string;
  conversationId: string;
  type: CallType;
  initiatedBy: string;
  participants: ParticipantDto[];
}
/** Extra on relayed signaling: the sender's device (its handshake's deviceId, or the server's `conn-…`). */
interface FromDevice {
  fromDeviceId?: string;
}
export interface OfferEvent extends FromDevice {
  callId: string;
  fromUserId: string;
  offer: SessionDescription;
  /** Extra, see OfferPayload. */
  preconnect?: true;
}
export interface AnswerEvent extends FromDevice {
  callId: string;
  fromUserId: string;
  answer: SessionDescription;
}
export interface IceCandidateEvent extends FromDevice {
  callId: string;
  fromUserId: string;
  candidate: IceCandidate;
}
export interface CallEndedEvent {
  callId: string;
  reason: EndReason;
  /** The user whose action ended the call; null when the server ended it (ring timeout, failure). */
  endedBy: string | null;
}
export interface ParticipantJoinedEvent {
  callId: string;
  userId: string;
  userName: string;
  userIdentifier: string;
  /** Extra: the device they answered on, when it named one: the caller keeps its connection to that device. */
  deviceId?: string;
}
export interface ParticipantLeftEvent {
  callId: string;
  userId: string;
}
export interface MediaStateChangedEvent {
  callId: string;
  userId: string;
  mediaState: MediaState;
}
/** Extra: a callee declined (the caller of a 1:1 call also gets call:ended with reason 'rejected'). */
export interface ParticipantRejectedEvent {
  callId: string;
  userId: string;
}
/** Extra: these invitees did not answer before the ring timeout; each of them shows a missed call. */
export interface ParticipantsMissedEvent {
  callId: string;
  userIds: string[];
}
/** Extra: to a user's other devices when one of them answered or declined: stop ringing within a second. */
export interface HandledElsewhereEvent {
  callId: string;
  action: 'answered' | 'rejected';
}
/**
 * Extra: a joined participant came back (reload, restart, new network). Peers drop their connection to
 * this user and negotiate a new one (perfect negotiation: the polite side is the larger userId).
 */
export interface ParticipantReconnectedEvent {
  callId: string;
  userId: string;
}

/**
 * Extra: to every member of a group conversation when its open call changes (created, someone joined or
 * left, finished: `call` null).
 */
export interface ConversationCallEvent {
  conversationId: string;
  call: OngoingCallDto | null;
}
/** Extra: the raised hands of a call, oldest first, to every joined participant after each change. */
export interface HandsChangedEvent {
  callId: string;
  hands: { userId: string; raisedAt: string }[];
  /** Who changed it: the participant themself, or the host lowering someone's hand. */
  changedBy: string;
}
/** Extra: a participant's reaction, to every other joined participant. */
export interface ReactionEvent {
  callId: string;
  userId: string;
  reaction: Reaction;
}

export interface ServerToClientEvents {
  'call:incoming': (e: CallIncomingEvent) => void;
  'call:offer': (e: OfferEvent) => void;
  'call:answer': (e: AnswerEvent) => void;
  'call:ice-candidate': (e: IceCandidateEvent) => void;
  'call:ended': (e: CallEndedEvent) => void;
  'call:participant-joined': (e: ParticipantJoinedEvent) => void;
  'call:participant-left': (e: ParticipantLeftEvent) => void;
  'call:media-state-changed': (e: MediaStateChangedEvent) => void;
  'call:participant-rejected': (e: ParticipantRejectedEvent) => void;
  'call:participants-missed': (e: ParticipantsMissedEvent) => void;
  'call:handled-elsewhere': (e: HandledElsewhereEvent) => void;
  'call:participant-reconnected': (e: ParticipantReconnectedEvent) => void;
  'call:topology': (e: CallTopologyEvent) => void;
  'call:sfu-offer': (e: SfuOfferEvent) => void;
  'call:recording': (e: CallRecordingEvent) => void;
  'conversation:call': (e: ConversationCallEvent) => void;
  'call:hands': (e: HandsChangedEvent) => void;
  'call:reaction': (e: ReactionEvent) => void;
}

/**
 * Extra: the call's recording started, stopped or failed. To every joined participant, and to a joiner
 * before its `call:topology` (so before its media flows). `byUserId` is null when the server stopped it.
 */
export interface CallRecordingEvent {
  callId: string;
  state: 'recording' | 'stopped' | 'failed';
  byUserId: string | null;
  message: string | null;
}

// ---------------------------------------------------------------------------------------------------------
// Extra: group calls on an SFU (Janus VideoRoom). The backend owns Janus; clients never talk to it directly.
// Two participants talk peer-to-peer ('mesh'); when a third joins, the backend creates a room for the call
// (calls.sfu_room_id) and tells everyone `call:topology` { topology: 'sfu' }. Each client then publishes
// once (`call:sfu-publish`) and receives one subscription offer (`call:sfu-offer`) carrying the others'
// streams, answered with `call:sfu-answer`; later offers add and remove streams as people come and go.
// A call that went to the SFU stays there until it ends, even when it drops back to two participants.
// `epoch` names one room of the call: after a Janus failure the call moves to a new room with a new epoch
// and everyone publishes and subscribes again; messages for an older epoch are refused with 'conflict'.
// ---------------------------------------------------------------------------------------------------------

/** Participants that still talk peer-to-peer; the one that makes the call bigger moves it to the SFU. */
export const MAX_MESH_PARTICIPANTS = 2;
/** Without an SFU a call may mesh up to this many participants; more are refused ('call_full'). */
export const MAX_PARTICIPANTS_WITHOUT_SFU = 3;

export const MediaTopology = z.enum(['mesh', 'sfu']);
export type MediaTopology = z.infer<typeof MediaTopology>;

/** What a published stream carries; the publisher names each of its m-lines (Janus stream descriptions). */
export const SfuSource = z.enum(['audio', 'camera', 'screen']);
export type SfuSource = z.infer<typeof SfuSource>;

/** Simulcast layers a subscriber can ask for per video stream; 'off' pauses the stream (tile not visible). */
export const SfuLayer = z.enum(['off', 'low', 'medium', 'high']);
export type SfuLayer = z.infer<typeof SfuLayer>;

export const SfuEpoch = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** One m-line of a subscription offer: whose stream it is and what it carries. */
export const SfuStreamDto = z.object({
  mid: z.string().max(64),
  userId: Uuid,
  kind: z.enum(['audio', 'video']),
  source: SfuSource,
});
export type SfuStreamDto = z.infer<typeof SfuStreamDto>;

export const SfuPublishPayload = z.object({
  callId: Uuid,
  epoch: SfuEpoch,
  offer: OfferDescription,
  /** What each of the offer's m-lines carries, by mid. */
  sources: z
    .array(z.object({ mid: Text.max(64), source: SfuSource }))
    .min(1)
    .max(8),
});
export type SfuPublishPayload = z.infer<typeof SfuPublishPayload>;
export type SfuPublishAck = { ok: true; answer: SessionDescription } | { ok: false; error: ApiError };

export const SfuAnswerPayload = z.object({
  callId: Uuid,
  epoch: SfuEpoch,
  answer: AnswerDescription,
});
export type SfuAnswerPayload = z.infer<typeof SfuAnswerPayload>;

export const SfuIceCandidatePayload = z.object({
  callId: Uuid,
  epoch: SfuEpoch,
  /** Which of this client's two connections the candidate belongs to. */
  connection: z.enum(['publisher', 'subscriber']),
  candidate: IceCandidate,
});
export type SfuIceCandidatePayload = z.infer<typeof SfuIceCandidatePayload>;

/** The layer wanted for each remote video stream (what the grid shows and how big); unlisted ones keep theirs. */
export const SfuViewPayload = z.object({
  callId: Uuid,
  epoch: SfuEpoch,
  streams: z
    .array(z.object({ userId: Uuid, source: z.enum(['camera', 'screen']), layer: SfuLayer }))
    .max(2 * MAX_CALL_PARTICIPANTS),
});
export type SfuViewPayload = z.infer<typeof SfuViewPayload>;

/**
 * Extra: how the call's media travels now. Sent to every joined participant when the call moves to the SFU
 * or to a new SFU room after a failure, and to a device joining (or rejoining) a call already on the SFU.
 */
export interface CallTopologyEvent {
  callId: string;
  topology: MediaTopology;
  epoch: number;
  /** 'recording-started': a 1:1 call moves to the SFU because Janus records it. */
  reason: 'participant-joined' | 'joined-sfu-call' | 'sfu-failover' | 'recording-started';
}
/** Extra: Janus's subscription offer (first one, or an update adding/removing others' streams). */
export interface SfuOfferEvent {
  callId: string;
  epoch: number;
  offer: SessionDescription;
  /** Every m-line of the offer that carries a stream now; an m-line not listed is inactive. */
  streams: SfuStreamDto[];
}

/** Polite side of a peer pair in perfect negotiation: the larger userId yields on glare. */
export function isPolitePeer(selfUserId: string, peerUserId: string): boolean {
  return selfUserId > peerUserId;
}
