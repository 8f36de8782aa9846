/**
 * The call flow as a pure reducer: every server event and engine event the UI cares about becomes an action,
 * so the whole lifecycle (ring, answer, join/leave, media badges, quality, end) is testable without a
 * browser. Plain data only: MediaStreams and peer connections live in the engine and the media registry.
 */
import type {
  CallIncomingEvent,
  CallRecordingDto,
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
import type { CallMember, MemberMap, PeerConnectionState } from './callMembers.ts';
import { recordingStatusOf, syncedRecording } from './callRecording.ts';
import type { CallRecordingStatus } from './callRecording.ts';
import {
  memberFromDto,
  memberMapOf,
  othersOf,
  updateMember,
  updateMembers,
  withMember,
} from './callMembers.ts';

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
  /** Everyone in the call, me included: read it through the selectors of callMembers.ts. */
  members: MemberMap;
  local: MediaState;
  activeSpeakerId: string | null;
  mediaProblem: MediaProblem | null;
  relayProblem: RelayProblem | null;
  /** How media travels: peer-to-peer ('mesh') or through the media server ('sfu', for group calls). */
  topology: MediaTopology;
  /** The call's recording as last heard; null when it was never recorded. */
  recording: CallRecordingStatus | null;
}

export interface IncomingCall {
  callId: string;
  conversationId: string;
  type: CallType;
  initiatedBy: string;
  callerName: string;
  /** Everyone invited, the caller and me included. */
  members: MemberMap;
}

export interface CallState {
  /** The signed-in user, known once per session: it tells me from the others in every member map. */
  selfId: string | null;
  current: CurrentCall | null;
  incoming: IncomingCall | null;
}

export const initialCallState: CallState = { selfId: null, current: null, incoming: null };

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
  | { type: 'session-started'; selfId: string }
  | { type: 'incoming-received'; event: CallIncomingEvent }
  | { type: 'incoming-cleared'; callId: string }
  | {
      type: 'call-entered';
      snapshot: CallSnapshot;
      direction: 'incoming' | 'outgoing';
      title: string;
      phase: CallPhase;
      local: MediaState;
    }
  /** I answered the call ringing here: it becomes the current call with the members it rang with. */
  | { type: 'incoming-answered'; title: string; local: MediaState }
  | { type: 'call-synced'; snapshot: CallSnapshot }
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

/** Applies `update` to the current call only when the event belongs to it (late events of old calls are dropped). */
function onCurrent(state: CallState, callId: string, update: (call: CurrentCall) => CurrentCall): CallState {
  if (!state.current || state.current.callId !== callId) return state;
  const next = update(state.current);
  return next === state.current ? state : { ...state, current: next };
}

function onAnyCurrent(state: CallState, update: (call: CurrentCall) => CurrentCall): CallState {
  return state.current ? onCurrent(state, state.current.callId, update) : state;
}

/** What the current call starts from: who is in it and how I came to it. */
interface EnteredCall {
  callId: string;
  conversationId: string;
  type: CallType;
  initiatedBy: string;
  startedAt: string | null;
  members: MemberMap;
  recording: CallRecordingStatus | null;
}

interface HowEntered {
  direction: CurrentCall['direction'];
  title: string;
  phase: CallPhase;
  local: MediaState;
}

function entered(state: CallState, call: EnteredCall, how: HowEntered): CallState {
  return {
    ...state,
    current: {
      callId: call.callId,
      conversationId: call.conversationId,
      type: call.type,
      direction: how.direction,
      initiatedBy: call.initiatedBy,
      title: how.title,
      phase: how.phase,
      startedAt: call.startedAt,
      members: call.members,
      local: how.local,
      activeSpeakerId: null,
      mediaProblem: null,
      relayProblem: null,
      topology: 'mesh',
      recording: call.recording,
    },
    incoming: state.incoming?.callId === call.callId ? null : state.incoming,
  };
}

function syncMembers(call: CurrentCall, snapshot: CallSnapshot, selfId: string | null): MemberMap {
  return memberMapOf(
    snapshot.participants.map((dto) => {
      const known = call.members.byId[dto.userId];
      const fresh = memberFromDto(dto, selfId);
      // Connection and quality come from the engine, which knows better than a REST snapshot.
      return known
        ? { ...fresh, connection: known.connection, quality: known.quality, problem: known.problem }
        : fresh;
    }),
  );
}

function withPeer(call: CurrentCall, userId: string, update: (m: CallMember) => CallMember): CurrentCall {
  const members = updateMember(call.members, userId, update);
  return members === call.members ? call : { ...call, members };
}

export function callReducer(state: CallState, action: CallAction): CallState {
  switch (action.type) {
    case 'session-started':
      return state.selfId === action.selfId ? state : { ...state, selfId: action.selfId };
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
          members: memberMapOf(event.participants.map((p) => memberFromDto(p, state.selfId))),
        },
      };
    }
    case 'incoming-cleared':
      return state.incoming?.callId === action.callId ? { ...state, incoming: null } : state;
    case 'call-entered': {
      const { snapshot } = action;
      return entered(
        state,
        {
          ...snapshot,
          members: memberMapOf(snapshot.participants.map((p) => memberFromDto(p, state.selfId))),
          recording: recordingStatusOf(snapshot.recording),
        },
        action,
      );
    }
    case 'incoming-answered': {
      const { incoming } = state;
      if (!incoming) return state;
      const how = { ...action, direction: 'incoming' as const, phase: 'joining' as const };
      return entered(state, { ...incoming, startedAt: null, recording: null }, how);
    }
    case 'call-synced':
      return onCurrent(state, action.snapshot.callId, (call) => {
        const members = syncMembers(call, action.snapshot, state.selfId);
        const someoneElseJoined = othersOf({ members }).some((p) => p.status === 'joined');
        return {
          ...call,
          members,
          startedAt: action.snapshot.startedAt ?? call.startedAt,
          recording: syncedRecording(call.recording, action.snapshot.recording),
          phase: action.snapshot.startedAt !== null && someoneElseJoined ? 'active' : call.phase,
        };
      });
    case 'participant-joined':
      return onCurrent(state, action.event.callId, (call) => {
        const { userId, userName, userIdentifier } = action.event;
        const known = call.members.byId[userId];
        const members = withMember(
          call.members,
          known
            ? { ...known, status: 'joined', problem: null }
            : memberFromDto(
                {
                  userId,
                  userName,
                  userIdentifier,
                  status: 'joined',
                  mediaState: DEFAULT_MEDIA_STATE,
                  joinedAt: null,
                  leftAt: null,
                  connectionQuality: null,
                },
                state.selfId,
              ),
        );
        return { ...call, members, phase: call.phase === 'ringing' ? 'active' : call.phase };
      });
    case 'participant-status':
      return onCurrent(state, action.callId, (call) => {
        const leaving = action.status !== 'joined';
        return {
          ...call,
          activeSpeakerId:
            leaving && action.userIds.includes(call.activeSpeakerId ?? '') ? null : call.activeSpeakerId,
          members: updateMembers(call.members, action.userIds, (p) =>
            leaving
              ? { ...p, status: action.status, connection: null, quality: null, problem: null }
              : { ...p, status: action.status },
          ),
        };
      });
    case 'media-state-changed':
      return onCurrent(state, action.event.callId, (call) =>
        withPeer(call, action.event.userId, (p) => ({ ...p, mediaState: action.event.mediaState })),
      );
    case 'local-media-changed':
      return onAnyCurrent(state, (call) => ({ ...call, local: { ...call.local, ...action.patch } }));
    case 'peer-state-changed':
      return onAnyCurrent(state, (call) =>
        withPeer(call, action.userId, (p) => ({
          ...p,
          connection: action.state,
          problem: action.state === 'connected' ? null : p.problem,
        })),
      );
    case 'peer-problem':
      return onAnyCurrent(state, (call) =>
        withPeer(call, action.userId, (p) => ({ ...p, problem: action.message })),
      );
    case 'quality-sampled':
      return onAnyCurrent(state, (call) =>
        withPeer(call, action.userId, (p) => ({ ...p, quality: action.sample })),
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
