/**
 * The call flow as a pure reducer: every server event and engine event the UI cares about becomes an action,
 * so the whole lifecycle (ring, answer, join/leave, media badges, quality, end) is testable without a
 * browser. Plain data only: MediaStreams and peer connections live in the engine and the media registry.
 */
import type {
  CallIncomingEvent,
  CallRecordingDto,
  CallRecordingEvent,
  CallType,
  MediaState,
  MediaStateChangedEvent,
  MediaTopology,
  ParticipantDto,
  ParticipantJoinedEvent,
  ParticipantStatus,
  PeerQualitySample,
} from '../../shared/protocol/index.ts';
import { DEFAULT_MEDIA_STATE } from '../../shared/protocol/index.ts';

export type PeerConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'closed';

export interface CallParticipant {
  userId: string;
  name: string;
  identifier: string;
  status: ParticipantStatus;
  mediaState: MediaState;
  connection: PeerConnectionState | null;
  quality: PeerQualitySample | null;
  /** Why media to this peer does not flow (ICE failed, connection lost), shown on the tile. */
  problem: string | null;
}

/**
 * ringing: I started the call and nobody answered yet.
 * joining: I answered (or am rejoining after a reload) and wait for the server.
 * active: the call has started and I am in it.
 */
export type CallPhase = 'ringing' | 'joining' | 'active';

export interface MediaProblem {
  kind: 'media-denied' | 'media-unavailable';
  message: string;
}

/** TURN trouble: the engine refetches credentials itself; the count tells a hiccup from a persistent fault. */
export interface RelayProblem {
  kind: 'turn-expired' | 'turn-auth-failed';
  message: string;
  count: number;
}

export interface CurrentCall {
  callId: string;
  conversationId: string;
  type: CallType;
  direction: 'incoming' | 'outgoing';
  initiatedBy: string;
  title: string;
  phase: CallPhase;
  startedAt: string | null;
  /** Everyone but me, in the server's order. */
  participants: CallParticipant[];
  local: MediaState;
  activeSpeakerId: string | null;
  mediaProblem: MediaProblem | null;
  relayProblem: RelayProblem | null;
  /** How media travels: peer-to-peer ('mesh') or through the media server ('sfu', for group calls). */
  topology: MediaTopology;
  /** The call's recording as last heard; null when it was never recorded. */
  recording: CallRecordingStatus | null;
}

export interface CallRecordingStatus {
  state: CallRecordingEvent['state'];
  byUserId: string | null;
  message: string | null;
}

/** A call's recording from a REST answer, in the shape the in-call screen follows. */
export function recordingStatusOf(dto: CallRecordingDto | null | undefined): CallRecordingStatus | null {
  if (dto === null || dto === undefined) return null;
  return {
    state: dto.state === 'recording' ? 'recording' : dto.state === 'failed' ? 'failed' : 'stopped',
    byUserId: dto.startedBy,
    message: dto.message,
  };
}

export interface IncomingCall {
  callId: string;
  conversationId: string;
  type: CallType;
  initiatedBy: string;
  callerName: string;
  /** Everyone invited, the caller and me included, as the server sent them. */
  participants: ParticipantDto[];
}

export interface CallState {
  current: CurrentCall | null;
  incoming: IncomingCall | null;
}

export const initialCallState: CallState = { current: null, incoming: null };

/** What the client knows about a call when it enters it (from an initiate response or a CallDto). */
export interface CallSnapshot {
  callId: string;
  conversationId: string;
  type: CallType;
  initiatedBy: string;
  startedAt: string | null;
  participants: ParticipantDto[];
  /** Absent when the source does not say (an initiate response): what is known stays. */
  recording?: CallRecordingDto | null;
}

export type CallAction =
  | { type: 'incoming-received'; event: CallIncomingEvent }
  | { type: 'incoming-cleared'; callId: string }
  | {
      type: 'call-entered';
      snapshot: CallSnapshot;
      selfId: string;
      direction: 'incoming' | 'outgoing';
      title: string;
      phase: CallPhase;
      local: MediaState;
    }
  | { type: 'call-synced'; snapshot: CallSnapshot; selfId: string }
  | { type: 'participant-joined'; event: ParticipantJoinedEvent }
  | { type: 'participant-status'; callId: string; userIds: string[]; status: ParticipantStatus }
  | { type: 'media-state-changed'; event: MediaStateChangedEvent }
  | { type: 'local-media-changed'; patch: Partial<MediaState> }
  | { type: 'peer-state-changed'; userId: string; state: PeerConnectionState }
  | { type: 'peer-problem'; userId: string; message: string }
  | { type: 'quality-sampled'; userId: string; sample: PeerQualitySample }
  | { type: 'active-speaker-changed'; userId: string | null }
  | { type: 'media-problem'; problem: MediaProblem | null }
  | { type: 'relay-problem'; kind: RelayProblem['kind']; message: string }
  | { type: 'topology-changed'; callId: string; topology: MediaTopology }
  | { type: 'recording-changed'; callId: string; recording: CallRecordingStatus }
  | { type: 'call-finished'; callId: string };

function participantFromDto(p: ParticipantDto): CallParticipant {
  return {
    userId: p.userId,
    name: p.userName,
    identifier: p.userIdentifier,
    status: p.status,
    mediaState: p.mediaState,
    connection: null,
    quality: null,
    problem: null,
  };
}

function updateParticipant(
  call: CurrentCall,
  userId: string,
  update: (p: CallParticipant) => CallParticipant,
): CurrentCall {
  if (!call.participants.some((p) => p.userId === userId)) return call;
  return { ...call, participants: call.participants.map((p) => (p.userId === userId ? update(p) : p)) };
}

/** Applies `update` to the current call only when the event belongs to it (late events of old calls are dropped). */
function onCurrent(state: CallState, callId: string, update: (call: CurrentCall) => CurrentCall): CallState {
  if (!state.current || state.current.callId !== callId) return state;
  const next = update(state.current);
  return next === state.current ? state : { ...state, current: next };
}

function onAnyCurrent(state: CallState, update: (call: CurrentCall) => CurrentCall): CallState {
  return state.current ? onCurrent(state, state.current.callId, update) : state;
}

function syncParticipants(call: CurrentCall, snapshot: CallSnapshot, selfId: string): CallParticipant[] {
  return snapshot.participants
    .filter((p) => p.userId !== selfId)
    .map((dto) => {
      const known = call.participants.find((p) => p.userId === dto.userId);
      const fresh = participantFromDto(dto);
      // Connection and quality come from the engine, which knows better than a REST snapshot.
      return known
        ? { ...fresh, connection: known.connection, quality: known.quality, problem: known.problem }
        : fresh;
    });
}

export function callReducer(state: CallState, action: CallAction): CallState {
  switch (action.type) {
    case 'incoming-received': {
      const { event } = action;
      const caller = event.participants.find((p) => p.userId === event.initiatedBy);
      return {
        ...state,
        incoming: {
          callId: event.callId,
          conversationId: event.conversationId,
          type: event.type,
          initiatedBy: event.initiatedBy,
          callerName: caller?.userName ?? 'Unknown caller',
          participants: event.participants,
        },
      };
    }
    case 'incoming-cleared':
      return state.incoming?.callId === action.callId ? { ...state, incoming: null } : state;
    case 'call-entered': {
      const { snapshot, selfId } = action;
      return {
        current: {
          callId: snapshot.callId,
          conversationId: snapshot.conversationId,
          type: snapshot.type,
          direction: action.direction,
          initiatedBy: snapshot.initiatedBy,
          title: action.title,
          phase: action.phase,
          startedAt: snapshot.startedAt,
          participants: snapshot.participants.filter((p) => p.userId !== selfId).map(participantFromDto),
          local: action.local,
          activeSpeakerId: null,
          mediaProblem: null,
          relayProblem: null,
          topology: 'mesh',
          recording: recordingStatusOf(snapshot.recording),
        },
        incoming: state.incoming?.callId === snapshot.callId ? null : state.incoming,
      };
    }
    case 'call-synced':
      return onCurrent(state, action.snapshot.callId, (call) => {
        const participants = syncParticipants(call, action.snapshot, action.selfId);
        const someoneElseJoined = participants.some((p) => p.status === 'joined');
        return {
          ...call,
          participants,
          startedAt: action.snapshot.startedAt ?? call.startedAt,
          recording:
            action.snapshot.recording === undefined
              ? call.recording
              : recordingStatusOf(action.snapshot.recording),
          phase: action.snapshot.startedAt !== null && someoneElseJoined ? 'active' : call.phase,
        };
      });
    case 'participant-joined':
      return onCurrent(state, action.event.callId, (call) => {
        const { userId, userName, userIdentifier } = action.event;
        const known = call.participants.some((p) => p.userId === userId);
        const participants = known
          ? call.participants.map((p) =>
              p.userId === userId ? { ...p, status: 'joined' as const, problem: null } : p,
            )
          : [
              ...call.participants,
              participantFromDto({
                userId,
                userName,
                userIdentifier,
                status: 'joined',
                mediaState: DEFAULT_MEDIA_STATE,
                joinedAt: null,
                leftAt: null,
                connectionQuality: null,
              }),
            ];
        return { ...call, participants, phase: call.phase === 'ringing' ? 'active' : call.phase };
      });
    case 'participant-status':
      return onCurrent(state, action.callId, (call) => {
        const leaving = action.status !== 'joined';
        return {
          ...call,
          activeSpeakerId:
            leaving && action.userIds.includes(call.activeSpeakerId ?? '') ? null : call.activeSpeakerId,
          participants: call.participants.map((p) =>
            action.userIds.includes(p.userId)
              ? leaving
                ? { ...p, status: action.status, connection: null, quality: null, problem: null }
                : { ...p, status: action.status }
              : p,
          ),
        };
      });
    case 'media-state-changed':
      return onCurrent(state, action.event.callId, (call) =>
        updateParticipant(call, action.event.userId, (p) => ({ ...p, mediaState: action.event.mediaState })),
      );
    case 'local-media-changed':
      return onAnyCurrent(state, (call) => ({ ...call, local: { ...call.local, ...action.patch } }));
    case 'peer-state-changed':
      return onAnyCurrent(state, (call) =>
        updateParticipant(call, action.userId, (p) => ({
          ...p,
          connection: action.state,
          problem: action.state === 'connected' ? null : p.problem,
        })),
      );
    case 'peer-problem':
      return onAnyCurrent(state, (call) =>
        updateParticipant(call, action.userId, (p) => ({ ...p, problem: action.message })),
      );
    case 'quality-sampled':
      return onAnyCurrent(state, (call) =>
        updateParticipant(call, action.userId, (p) => ({ ...p, quality: action.sample })),
      );
    case 'active-speaker-changed':
      return onAnyCurrent(state, (call) =>
        call.activeSpeakerId === action.userId ? call : { ...call, activeSpeakerId: action.userId },
      );
    case 'media-problem':
      return onAnyCurrent(state, (call) => ({ ...call, mediaProblem: action.problem }));
    case 'relay-problem':
      return onAnyCurrent(state, (call) => ({
        ...call,
        relayProblem: {
          kind: action.kind,
          message: action.message,
          count: call.relayProblem?.kind === action.kind ? call.relayProblem.count + 1 : 1,
        },
      }));
    case 'topology-changed':
      return onCurrent(state, action.callId, (call) =>
        call.topology === action.topology ? call : { ...call, topology: action.topology },
      );
    case 'recording-changed':
      return onCurrent(state, action.callId, (call) => ({ ...call, recording: action.recording }));
    case 'call-finished':
      return state.current?.callId === action.callId ? { ...state, current: null } : state;
  }
}

/** Participants that get a tile: in the call, or still being rung. */
export function visibleParticipants(call: CurrentCall): CallParticipant[] {
  return call.participants.filter(
    (p) => p.status === 'joined' || p.status === 'invited' || p.status === 'ringing',
  );
}
