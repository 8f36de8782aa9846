import { describe, expect, it } from 'vitest';
import { DEFAULT_MEDIA_STATE } from '../../shared/protocol/index.ts';
import type { CallIncomingEvent, PeerQualitySample } from '../../shared/protocol/index.ts';
import { callReducer, initialCallState } from './call.reducer.ts';
import { memberCount, memberOf, otherCount, othersOf, visibleOthers } from './callMembers.ts';
import type { CallAction, CallSnapshot, CallState } from './call.reducer.ts';
import { BOB, CAROL, CONVERSATION, ME, participantDto } from './testFixtures.ts';

const CALL = '10000000-0000-4000-8000-000000000001';
const OTHER_CALL = '10000000-0000-4000-8000-000000000002';

const snapshot = (overrides: Partial<CallSnapshot> = {}): CallSnapshot => ({
  callId: CALL,
  conversationId: CONVERSATION,
  type: 'video',
  initiatedBy: ME,
  startedAt: null,
  participants: [
    participantDto(ME, 'Me', 'joined'),
    participantDto(BOB, 'Bob', 'ringing'),
    participantDto(CAROL, 'Carol', 'ringing'),
  ],
  ...overrides,
});

/** The session has started (the reducer knows who I am), then `actions`. */
const signedIn = callReducer(initialCallState, { type: 'session-started', selfId: ME });

function run(...actions: CallAction[]): CallState {
  return actions.reduce(callReducer, signedIn);
}

const enter: CallAction = {
  type: 'call-entered',
  snapshot: snapshot(),
  direction: 'outgoing',
  title: 'Bob, Carol',
  phase: 'ringing',
  local: DEFAULT_MEDIA_STATE,
};

const sample: PeerQualitySample = {
  peerUserId: BOB,
  rttMs: 40,
  packetLossPct: 0,
  availableBitrateKbps: 900,
  quality: 'good',
};

/** The call entered, then Bob answered and the engine connected to him and measured the link. */
const bobJoinedConnectedAndSampled: CallAction[] = [
  enter,
  {
    type: 'participant-joined',
    event: { callId: CALL, userId: BOB, userName: 'Bob', userIdentifier: 'b' },
  },
  { type: 'peer-state-changed', userId: BOB, state: 'connected' },
  { type: 'quality-sampled', userId: BOB, sample },
];

describe('callReducer', () => {
  it('shows an incoming call with the caller name, and clears only that call', () => {
    const event: CallIncomingEvent = {
      callId: CALL,
      conversationId: CONVERSATION,
      type: 'audio',
      initiatedBy: BOB,
      participants: [participantDto(BOB, 'Bob', 'joined'), participantDto(ME, 'Me', 'ringing')],
    };
    const ringing = run({ type: 'incoming-received', event });
    expect(ringing.incoming).toMatchObject({ callId: CALL, callerName: 'Bob', type: 'audio' });
    expect(callReducer(ringing, { type: 'incoming-cleared', callId: OTHER_CALL }).incoming).not.toBeNull();
    expect(callReducer(ringing, { type: 'incoming-cleared', callId: CALL }).incoming).toBeNull();
  });

  it('enters a call with everyone but me as participants', () => {
    const state = run(enter);
    expect((state.current && othersOf(state.current))?.map((p) => p.name)).toEqual(['Bob', 'Carol']);
    expect(state.current?.phase).toBe('ringing');
  });

  it('knows me from the session: I am a member of the call, never one of the others', () => {
    const call = run(enter).current!;
    expect(memberOf(call, ME)).toMatchObject({ name: 'Me', isSelf: true, status: 'joined' });
    expect(memberCount(call)).toBe(3);
    expect(otherCount(call)).toBe(2);
  });

  it('answering the call ringing here enters it with the people it rang with', () => {
    const event: CallIncomingEvent = {
      callId: CALL,
      conversationId: CONVERSATION,
      type: 'video',
      initiatedBy: BOB,
      participants: [participantDto(BOB, 'Bob', 'joined'), participantDto(ME, 'Me', 'ringing')],
    };
    const ringing = run({ type: 'incoming-received', event });
    expect(othersOf(ringing.incoming!).map((p) => p.name)).toEqual(['Bob']);
    const answered = callReducer(ringing, {
      type: 'incoming-answered',
      title: 'Bob',
      local: DEFAULT_MEDIA_STATE,
    });
    expect(answered.incoming).toBeNull();
    expect(answered.current).toMatchObject({ callId: CALL, direction: 'incoming', phase: 'joining' });
    expect(othersOf(answered.current!).map((p) => [p.name, p.status])).toEqual([['Bob', 'joined']]);
  });

  it('becomes active when the first invitee joins, and adds a member who joins uninvited', () => {
    const DAVE = '00000000-0000-4000-8000-000000000004';
    const state = run(
      enter,
      {
        type: 'participant-joined',
        event: { callId: CALL, userId: BOB, userName: 'Bob', userIdentifier: 'bob@x' },
      },
      {
        type: 'participant-joined',
        event: { callId: CALL, userId: DAVE, userName: 'Dave', userIdentifier: 'dave@x' },
      },
    );
    expect(state.current?.phase).toBe('active');
    expect((state.current && othersOf(state.current))?.map((p) => [p.name, p.status])).toEqual([
      ['Bob', 'joined'],
      ['Carol', 'ringing'],
      ['Dave', 'joined'],
    ]);
  });

  it('drops events of another call (a late event of the previous call changes nothing)', () => {
    const state = run(enter);
    const late = callReducer(state, {
      type: 'media-state-changed',
      event: { callId: OTHER_CALL, userId: BOB, mediaState: { ...DEFAULT_MEDIA_STATE, audioEnabled: false } },
    });
    expect(late).toBe(state);
  });

  it('puts the badges of a media change on that participant only', () => {
    const state = run(enter, {
      type: 'media-state-changed',
      event: {
        callId: CALL,
        userId: BOB,
        mediaState: { audioEnabled: false, videoEnabled: false, screenSharing: true },
      },
    });
    const [bob, carol] = othersOf(state.current!);
    expect(bob!.mediaState).toEqual({ audioEnabled: false, videoEnabled: false, screenSharing: true });
    expect(carol!.mediaState).toEqual(DEFAULT_MEDIA_STATE);
  });

  it('forgets connection, quality and the speaker highlight of someone who left', () => {
    const state = run(
      ...bobJoinedConnectedAndSampled,
      { type: 'active-speaker-changed', userId: BOB },
      { type: 'participant-status', callId: CALL, userIds: [BOB], status: 'left' },
    );
    const bob = othersOf(state.current!)[0]!;
    expect(bob).toMatchObject({ status: 'left', connection: null, quality: null });
    expect(state.current!.activeSpeakerId).toBeNull();
    expect(visibleOthers(state.current!).map((p) => p.name)).toEqual(['Carol']);
  });

  it('keeps what the engine knows when a REST snapshot refreshes the call', () => {
    const state = run(...bobJoinedConnectedAndSampled, {
      type: 'call-synced',
      snapshot: snapshot({
        startedAt: '2025-01-10T14:30:00.000Z',
        participants: [
          participantDto(ME, 'Me', 'joined'),
          participantDto(BOB, 'Bob', 'joined'),
          participantDto(CAROL, 'Carol', 'missed'),
        ],
      }),
    });
    expect(state.current).toMatchObject({ phase: 'active', startedAt: '2025-01-10T14:30:00.000Z' });
    expect(othersOf(state.current!)[0]).toMatchObject({
      status: 'joined',
      connection: 'connected',
      quality: sample,
    });
    expect(othersOf(state.current!)[1]!.status).toBe('missed');
  });

  it('counts repeated relay failures of one kind, and restarts the count for another kind', () => {
    const expired: CallAction = { type: 'relay-problem', kind: 'turn-expired', message: 'expired' };
    const state = run(enter, expired, expired, expired);
    expect(state.current!.relayProblem).toMatchObject({ kind: 'turn-expired', count: 3 });
    const refused = callReducer(state, {
      type: 'relay-problem',
      kind: 'turn-auth-failed',
      message: 'refused',
    });
    expect(refused.current!.relayProblem).toMatchObject({ kind: 'turn-auth-failed', count: 1 });
  });

  it('clears a peer problem once that peer is connected again', () => {
    const state = run(
      enter,
      { type: 'peer-problem', userId: BOB, message: 'lost' },
      { type: 'peer-state-changed', userId: BOB, state: 'connected' },
    );
    expect(othersOf(state.current!)[0]!.problem).toBeNull();
  });

  it('starts on the mesh and follows the topology of its own call only', () => {
    const entered = run(enter);
    expect(entered.current!.topology).toBe('mesh');
    const moved = callReducer(entered, { type: 'topology-changed', callId: CALL, topology: 'sfu' });
    expect(moved.current!.topology).toBe('sfu');
    // A repeat (a failover to another room) or another call's event changes nothing.
    expect(callReducer(moved, { type: 'topology-changed', callId: CALL, topology: 'sfu' })).toBe(moved);
    expect(callReducer(entered, { type: 'topology-changed', callId: OTHER_CALL, topology: 'sfu' })).toBe(
      entered,
    );
  });

  it('follows the recording of its own call: from the snapshot, events, and a sync that says nothing', () => {
    const recording = {
      state: 'recording' as const,
      startedBy: BOB,
      startedAt: '2026-01-01T00:00:00Z',
      message: null,
    };
    const joined = run({ ...enter, snapshot: snapshot({ recording }) });
    expect(joined.current!.recording).toEqual({ state: 'recording', byUserId: BOB, message: null });
    expect(run(enter).current!.recording).toBeNull();

    const stopped = callReducer(joined, {
      type: 'recording-changed',
      callId: CALL,
      recording: { state: 'stopped', byUserId: null, message: 'disk full' },
    });
    expect(stopped.current!.recording).toEqual({ state: 'stopped', byUserId: null, message: 'disk full' });
    const other = {
      type: 'recording-changed' as const,
      callId: OTHER_CALL,
      recording: stopped.current!.recording!,
    };
    expect(callReducer(joined, other)).toBe(joined);
    // A snapshot without recording information (an initiate answer) keeps what is known.
    const synced = callReducer(stopped, { type: 'call-synced', snapshot: snapshot() });
    expect(synced.current!.recording).toEqual(stopped.current!.recording);
  });

  it('finishes only the current call, and returns the same state for engine events without a call', () => {
    const state = run(enter);
    expect(callReducer(state, { type: 'call-finished', callId: OTHER_CALL })).toBe(state);
    expect(callReducer(state, { type: 'call-finished', callId: CALL }).current).toBeNull();
    expect(callReducer(initialCallState, { type: 'quality-sampled', userId: BOB, sample })).toBe(
      initialCallState,
    );
  });
});
