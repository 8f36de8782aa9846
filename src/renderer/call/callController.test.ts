/**
 * The call flow against stand-ins for its edges (REST, socket, engine, platform): who answers, who connects
 * to whom, what survives a reload, what the user is told. The real edges are exercised end to end in e2e/.
 */
import { describe, expect, it, vi } from 'vitest';
import type { CallPresence, DesktopApi, HistoryEntry } from '../../shared/desktopApi.ts';
import { DEFAULT_MEDIA_STATE } from '../../shared/protocol/index.ts';
import type {
  AnswerCallResponse,
  CallDto,
  ServerToClientEvents,
  SocketAck,
} from '../../shared/protocol/index.ts';
import type { RestClient } from '../signaling/restClient.ts';
import type { SignalingClient } from '../signaling/socketClient.ts';
import { createAppStore } from '../store/appStore.ts';
import { memberOf, othersOf } from '../store/callMembers.ts';
import type { CallEngine, CallEngineEvents, CallEngineOptions, PeerState } from '../webrtc/index.ts';
import { ApiRequestError } from '../signaling/restClient.ts';
import { CallController } from './callController.ts';
import { MediaRegistry } from './mediaRegistry.ts';
import { BOB, CAROL, CONVERSATION, ME, participantDto } from '../store/testFixtures.ts';

const CALL = '10000000-0000-4000-8000-000000000005';
const OTHER_CALL = '10000000-0000-4000-8000-000000000007';
const DEVICE = 'device-under-test';
const STARTED = '2025-01-10T14:30:00.000Z';

function callDto(patch: Partial<CallDto> = {}): CallDto {
  return {
    id: CALL,
    conversationId: CONVERSATION,
    type: 'video',
    status: 'active',
    initiatedBy: BOB,
    startedAt: STARTED,
    endedAt: null,
    durationSeconds: null,
    endReason: null,
    createdAt: STARTED,
    sfuRoomId: null,
    participants: [participantDto(BOB, 'Bob', 'joined'), participantDto(ME, 'Me', 'joined')],
    ...patch,
  };
}

/** Records what the controller asks of the engine and lets the test raise the engine's events. */
class FakeEngine {
  readonly log: string[] = [];
  readonly screenStream = null;
  readonly #listeners = new Map<string, ((...args: never[]) => void)[]>();
  /** Like the real engine, it knows where each peer's connection is now. */
  readonly #peerStates = new Map<string, PeerState>();
  readonly options: CallEngineOptions;

  constructor(options: CallEngineOptions) {
    this.options = options;
  }

  on<K extends keyof CallEngineEvents>(event: K, listener: CallEngineEvents[K]): () => void {
    const list = this.#listeners.get(event) ?? [];
    list.push(listener as (...args: never[]) => void);
    this.#listeners.set(event, list);
    return () => list.splice(list.indexOf(listener as (...args: never[]) => void), 1);
  }

  emit<K extends keyof CallEngineEvents>(event: K, ...args: Parameters<CallEngineEvents[K]>): void {
    if (event === 'peer-state') {
      const [userId, state] = args as Parameters<CallEngineEvents['peer-state']>;
      if (state === 'closed') this.#peerStates.delete(userId);
      else this.#peerStates.set(userId, state);
    }
    for (const listener of this.#listeners.get(event) ?? []) (listener as (...a: unknown[]) => void)(...args);
  }

  peerStates = () => new Map(this.#peerStates);

  async initializeLocalStream(audio: boolean, video: boolean) {
    this.log.push(`media audio=${audio} video=${video}`);
    return {} as MediaStream;
  }
  readonly #connected = new Set<string>();
  /** Like the real engine, a second connect to the same peer is a no-op. */
  connectToPeer = (userId: string, options: { ringing?: boolean } = {}) => {
    if (this.#connected.has(userId)) return;
    this.#connected.add(userId);
    this.log.push(`connect ${userId}${options.ringing ? ' ringing' : ''}`);
  };
  peerAnswered = (userId: string, deviceId?: string, options: { awaitsOffer?: boolean } = {}) =>
    void this.log.push(
      `answered ${userId} on ${deviceId ?? 'unknown device'}${options.awaitsOffer ? ', awaits our offer' : ''}`,
    );
  holdOutgoing = (kinds: { audio: boolean; video: boolean }) =>
    void this.log.push(`hold audio=${kinds.audio} video=${kinds.video}`);
  releaseOutgoing = () => void this.log.push('release');
  handleOffer = async (e: { fromUserId: string }) => void this.log.push(`offer from ${e.fromUserId}`);
  handleAnswer = async (e: { fromUserId: string }) => void this.log.push(`answer from ${e.fromUserId}`);
  handleIceCandidate = async (e: { fromUserId: string }) =>
    void this.log.push(`candidate from ${e.fromUserId}`);
  resetPeer = (userId: string) => void this.log.push(`reset ${userId}`);
  removePeer = (userId: string) => void this.log.push(`remove ${userId}`);
  toggleAudio = (enabled: boolean) => void this.log.push(`audio ${enabled}`);
  toggleVideo = async (enabled: boolean) => void this.log.push(`video ${enabled}`);
  startScreenShare = async () => void this.log.push('share');
  stopScreenShare = async () => void this.log.push('unshare');
  switchDevice = async (kind: string, id: string) => void this.log.push(`switch ${kind} ${id}`);
  cleanup = () => void this.log.push('cleanup');
  route: { topology: 'mesh' | 'sfu'; epoch: number | null } = { topology: 'mesh', epoch: null };
  useTopology = (e: { topology: 'mesh' | 'sfu'; epoch: number }) => {
    this.log.push(`topology ${e.topology} ${e.epoch}`);
    if (e.topology === 'sfu') this.route = { topology: 'sfu', epoch: e.epoch };
  };
  handleSfuOffer = async (e: { epoch: number; streams: unknown[] }) =>
    void this.log.push(`sfu-offer ${e.epoch} streams=${e.streams.length}`);
  setRemoteView = (tiles: { userId: string; visible: boolean }[]) =>
    void this.log.push(`view ${tiles.map((t) => `${t.userId}:${t.visible}`).join(',')}`);
  setActiveSpeaker = (userId: string | null) => void this.log.push(`speaker ${userId}`);
}

function setup(
  options: {
    activeCall?: CallDto | null;
    getCall?: CallDto;
    answerCall?: (callId: string) => Promise<AnswerCallResponse>;
  } = {},
) {
  const store = createAppStore();
  const engines: FakeEngine[] = [];
  const listeners = new Map<string, (payload: unknown) => void>();
  const signaling: SignalingClient = {
    on: (event, listener) => {
      listeners.set(event, listener as (payload: unknown) => void);
      return () => listeners.delete(event);
    },
    send: vi.fn(async (): Promise<SocketAck> => ({ ok: true })),
    onStatus: () => () => {},
    close: () => {},
  };
  const server = <K extends keyof ServerToClientEvents>(
    event: K,
    payload: Parameters<ServerToClientEvents[K]>[0],
  ) => listeners.get(event)?.(payload);

  const api = {
    initiateCall: vi.fn(async () => ({
      callId: CALL,
      status: 'initiated' as const,
      participants: [participantDto(ME, 'Me', 'joined'), participantDto(BOB, 'Bob', 'invited')],
    })),
    answerCall: vi.fn(
      options.answerCall ??
        (async (callId: string) => ({ callId, status: 'active' as const, startedAt: STARTED })),
    ),
    rejectCall: vi.fn(async (callId: string) => ({ callId, status: 'rejected' as const })),
    endCall: vi.fn(async (callId: string) => ({
      callId,
      status: 'ended' as const,
      duration: 0,
      endReason: null,
    })),
    updateMedia: vi.fn(async () => ({ success: true as const, mediaState: DEFAULT_MEDIA_STATE })),
    getCall: vi.fn(async (callId: string) => ({ call: { ...(options.getCall ?? callDto()), id: callId } })),
    activeCall: vi.fn(async () => ({ call: options.activeCall ?? null })),
    turnCredentials: vi.fn(),
  };
  const presences: CallPresence[] = [];
  const recorded: HistoryEntry[] = [];
  const ok = { ok: true as const, value: undefined };
  const desktop = {
    platform: 'web',
    setCallPresence: vi.fn(async (p: CallPresence) => (presences.push(p), ok)),
    recordCall: vi.fn(async (e: HistoryEntry) => (recorded.push(e), ok)),
    notifyMissedCall: vi.fn(async () => ok),
  } as unknown as DesktopApi;

  const controller = new CallController({
    store,
    api: api as unknown as RestClient,
    signaling,
    desktop,
    media: new MediaRegistry(),
    createEngine: (engineOptions) => {
      const engine = new FakeEngine(engineOptions);
      engines.push(engine);
      return engine as unknown as CallEngine;
    },
    deviceId: DEVICE,
    selfId: ME,
    now: () => Date.parse(STARTED) + 95_000,
  });
  store.getState().signedIn({
    serverUrl: 'https://calls.example.com',
    token: 't',
    user: { id: ME, name: 'Me', email: 'me@x' },
  });
  controller.start();
  const engine = () => engines.at(-1)!;
  const toasts = () => store.getState().ui.toasts.map((t) => t.text);
  return { store, controller, server, api, desktop, presences, recorded, engines, engine, toasts, signaling };
}

/** Bob's offer with his ring, as a client that takes an answer per ringing device sends it. */
const bobsRingOffer = (callId = CALL) => ({
  callId,
  fromUserId: BOB,
  offer: { type: 'offer' as const, sdp: 'v=0' },
  preconnect: true as const,
});

const ringMe = (
  participants = [participantDto(BOB, 'Bob', 'joined'), participantDto(ME, 'Me', 'ringing')],
  callId = CALL,
) => ({
  callId,
  conversationId: CONVERSATION,
  type: 'video' as const,
  initiatedBy: BOB,
  participants,
});

describe('CallController', () => {
  it('answers with this device, then offers to those in the call but the caller, who offers to it', async () => {
    const group = [
      participantDto(BOB, 'Bob', 'joined'),
      participantDto(CAROL, 'Carol', 'joined'),
      participantDto(ME, 'Me', 'joined'),
    ];
    const t = setup({ getCall: callDto({ participants: group }) });
    t.server(
      'call:incoming',
      ringMe([
        participantDto(BOB, 'Bob', 'joined'),
        participantDto(CAROL, 'Carol', 'joined'),
        participantDto(ME, 'Me', 'ringing'),
      ]),
    );

    await t.controller.answer(true);

    expect(t.api.answerCall).toHaveBeenCalledWith(CALL, { deviceId: DEVICE, awaitsOffer: true });
    expect(t.engine().log).toEqual(['media audio=true video=true', `connect ${CAROL}`]);
    expect(t.store.getState().call.current).toMatchObject({
      phase: 'active',
      startedAt: STARTED,
      title: 'Bob, Carol',
    });
    expect(t.store.getState().call.incoming).toBeNull();
  });

  it('answering sends the answer before the call screen takes over from the ring', async () => {
    let screenWhenAnswered: unknown = 'not answered';
    const t = setup({
      answerCall: async (callId) => {
        screenWhenAnswered = t.store.getState().call.current;
        return { callId, status: 'active', startedAt: STARTED };
      },
    });
    t.server('call:incoming', ringMe());

    await t.controller.answer(true);

    expect(screenWhenAnswered).toBeNull();
    expect(t.store.getState().call.current).toMatchObject({ phase: 'active' });
  });

  it('answering with audio only tells the others the camera is off', async () => {
    const t = setup();
    t.server('call:incoming', ringMe());
    await t.controller.answer(false);
    expect(t.engine().log[0]).toBe('media audio=true video=false');
    expect(t.api.updateMedia).toHaveBeenCalledWith(CALL, { videoEnabled: false });
  });

  it('after a reload, re-answers its active call and applies offers that arrived before its engine', async () => {
    const t = setup({ activeCall: callDto() });
    t.server('call:offer', { callId: CALL, fromUserId: BOB, offer: { type: 'offer', sdp: 'v=0' } });

    await t.controller.resumeActiveCall();

    expect(t.api.answerCall).toHaveBeenCalledWith(CALL, { deviceId: DEVICE, awaitsOffer: true });
    expect(t.engine().log).toContain(`offer from ${BOB}`);
    // Bob started the call: he offers anew when he hears that this device reconnected.
    expect(t.engine().log).not.toContain(`connect ${BOB}`);
    expect(t.store.getState().call.current?.phase).toBe('active');
  });

  it('after a reload, the caller of a call still ringing offers to the callee again instead of answering', async () => {
    const ringing = callDto({
      status: 'ringing',
      initiatedBy: ME,
      startedAt: null,
      participants: [participantDto(ME, 'Me', 'joined'), participantDto(BOB, 'Bob', 'ringing')],
    });
    const t = setup({ activeCall: ringing, getCall: ringing });
    await t.controller.resumeActiveCall();
    expect(t.api.answerCall).not.toHaveBeenCalled();
    expect(t.store.getState().call.current).toMatchObject({ phase: 'ringing', direction: 'outgoing' });
    expect(t.engine().log).toEqual(['media audio=true video=true', `connect ${BOB} ringing`]);
  });

  it('after a reload, shows a call that still rings for me instead of joining it', async () => {
    const t = setup({
      activeCall: callDto({
        status: 'ringing',
        participants: [participantDto(BOB, 'Bob', 'joined'), participantDto(ME, 'Me', 'ringing')],
      }),
    });
    await t.controller.resumeActiveCall();
    expect(t.store.getState().call.incoming?.callerName).toBe('Bob');
    expect(t.engines).toHaveLength(0);
  });

  it('renegotiates with a participant who reconnected, and drops one who left', async () => {
    const t = setup();
    t.server('call:incoming', ringMe());
    await t.controller.answer(true);
    t.server('call:participant-reconnected', { callId: CALL, userId: BOB });
    t.server('call:participant-left', { callId: CALL, userId: BOB });
    expect(t.engine().log.slice(-2)).toEqual([`reset ${BOB}`, `remove ${BOB}`]);
    expect(t.toasts()).toContain('Bob left');
  });

  it('tells who records the call, keeps the indicator state, and hears a joiner is recorded from its answer', async () => {
    const recording = { state: 'recording' as const, startedBy: BOB, startedAt: STARTED, message: null };
    const t = setup({
      answerCall: async (callId: string) => ({
        callId,
        status: 'active' as const,
        startedAt: STARTED,
        recording,
      }),
    });
    t.server('call:incoming', ringMe());
    await t.controller.answer(true);
    // The answer said so (its call:recording came before this client knew the call).
    expect(t.store.getState().call.current?.recording).toEqual({
      state: 'recording',
      byUserId: BOB,
      message: null,
    });
    expect(t.toasts()).toContain('Bob is recording this call');

    t.server('call:recording', {
      callId: CALL,
      state: 'stopped',
      byUserId: null,
      message: 'Disk full. The call goes on.',
    });
    expect(t.store.getState().call.current?.recording?.state).toBe('stopped');
    expect(t.toasts()).toContain('Disk full. The call goes on.');
    // Another call's notice changes nothing.
    t.server('call:recording', { callId: CAROL, state: 'recording', byUserId: CAROL, message: null });
    expect(t.store.getState().call.current?.recording?.state).toBe('stopped');
  });

  it('when the call ends: media off, history recorded with its duration, and the reason told', async () => {
    const t = setup();
    t.server('call:incoming', ringMe());
    await t.controller.answer(true);
    t.server('call:ended', { callId: CALL, reason: 'ended-by-user', endedBy: BOB });

    expect(t.engine().log.at(-1)).toBe('cleanup');
    expect(t.store.getState().call.current).toBeNull();
    expect(t.toasts()).toContain('Call with Bob ended');
    expect(t.recorded).toEqual([
      expect.objectContaining({
        callId: CALL,
        status: 'answered',
        durationSeconds: 95,
        direction: 'incoming',
      }),
    ]);
  });

  it('announces a missed call once, even when the call end follows the missed event', async () => {
    const t = setup();
    t.server('call:incoming', ringMe());
    t.server('call:participants-missed', { callId: CALL, userIds: [ME] });
    t.server('call:ended', { callId: CALL, reason: 'missed', endedBy: null });

    expect(t.store.getState().call.incoming).toBeNull();
    expect(t.desktop.notifyMissedCall).toHaveBeenCalledExactlyOnceWith({
      callId: CALL,
      callerName: 'Bob',
      type: 'video',
    });
    expect(t.toasts()).toEqual(['Missed video call from Bob']);
    expect(t.recorded).toEqual([expect.objectContaining({ status: 'missed', unseen: true })]);
  });

  it('stops ringing when the call is answered on another device, dropping the connection made while ringing', () => {
    const t = setup();
    t.server('call:incoming', ringMe());
    t.server('call:offer', bobsRingOffer());
    t.server('call:handled-elsewhere', { callId: CALL, action: 'answered' });
    expect(t.store.getState().call.incoming).toBeNull();
    expect(t.toasts()).toEqual(['Answered on another device']);
    expect(t.engine().log).toEqual(['hold audio=true video=true', `offer from ${BOB}`, 'cleanup']);
  });

  describe('roles as the spec has them, and instant answer', () => {
    /** I call Bob, and he answers on his phone (saying he awaits our offer, or not). */
    async function bobAnswersMyCall(awaitsOffer?: true) {
      const t = setup({ getCall: callDto({ status: 'ringing', initiatedBy: ME, startedAt: null }) });
      await t.controller.startCall(CONVERSATION, 'video', 'Bob');
      const ringing = [...t.engine().log];
      t.server('call:participant-joined', {
        callId: CALL,
        userId: BOB,
        userName: 'Bob',
        userIdentifier: 'bob@x',
        deviceId: 'bob-phone-1',
        ...(awaitsOffer ? { awaitsOffer } : {}),
      });
      return { ringing, answered: t.engine().log.at(-1) };
    }

    it('the caller offers to the callee with the ring, and hands the call to the device that answered', async () => {
      const { ringing, answered } = await bobAnswersMyCall();
      expect(ringing).toEqual(['media audio=true video=true', `connect ${BOB} ringing`]);
      expect(answered).toBe(`answered ${BOB} on bob-phone-1`);
    });

    it('a callee that says it awaits our offer is handed to the engine as one (no wait for an offer of theirs)', async () => {
      const { answered } = await bobAnswersMyCall(true);
      expect(answered).toBe(`answered ${BOB} on bob-phone-1, awaits our offer`);
    });

    it("a ringing device answers the caller's offer at once, sending nothing, and answering only releases it", async () => {
      const t = setup();
      t.server('call:incoming', ringMe());
      t.server('call:offer', bobsRingOffer());
      expect(t.engines).toHaveLength(1);
      expect(t.engine().log).toEqual(['hold audio=true video=true', `offer from ${BOB}`]);
      expect(t.store.getState().call.current).toBeNull();

      await t.controller.answer(false);
      expect(t.engines).toHaveLength(1);
      // No connect toward Bob: he started the call and his offer is answered already.
      expect(t.engine().log.slice(2)).toEqual(['release', 'media audio=true video=false']);
      expect(t.store.getState().call.current?.phase).toBe('active');
    });

    /** Rung with Bob's ring offer; the devices open when the test says so. */
    function ringingWithSlowDevices(answerCall?: (callId: string) => Promise<AnswerCallResponse>) {
      const t = setup(answerCall ? { answerCall } : {});
      t.server('call:incoming', ringMe());
      t.server('call:offer', bobsRingOffer());
      let open: (outcome: 'opened' | 'refused') => void = () => {};
      t.engine().initializeLocalStream = (() =>
        new Promise((resolve, reject) => {
          open = (outcome) =>
            outcome === 'opened'
              ? resolve({} as MediaStream)
              : reject(Object.assign(new Error('denied'), { name: 'NotAllowedError' }));
        })) as never;
      return { ...t, open: (outcome: 'opened' | 'refused') => open(outcome) };
    }

    it('answering opens the devices while the ring still shows, and the call screen follows once they are open', async () => {
      const t = ringingWithSlowDevices();
      const answering = t.controller.answer(true);
      await vi.waitFor(() => expect(t.engine().log).toContain('release'));
      expect(t.api.answerCall).toHaveBeenCalled();
      expect(t.store.getState().call.current).toBeNull();
      expect(t.store.getState().call.incoming?.callId).toBe(CALL);
      // The ring's buttons are still there: neither a second answer nor a decline undoes this one.
      await t.controller.answer(true);
      await t.controller.decline();
      expect(t.api.answerCall).toHaveBeenCalledTimes(1);
      expect(t.api.rejectCall).not.toHaveBeenCalled();

      t.open('opened');
      await answering;
      expect(t.store.getState().call.current).toMatchObject({ phase: 'active', mediaProblem: null });
      expect(t.store.getState().call.incoming).toBeNull();
    });

    it('a permission prompt left open does not hold the call screen back', async () => {
      vi.useFakeTimers();
      try {
        const t = ringingWithSlowDevices();
        const answering = t.controller.answer(true);
        await vi.advanceTimersByTimeAsync(119);
        expect(t.store.getState().call.current).toBeNull();
        await vi.advanceTimersByTimeAsync(1);
        expect(t.store.getState().call.current?.callId).toBe(CALL);

        t.open('opened');
        await answering;
        expect(t.store.getState().call.current).toMatchObject({ phase: 'active', mediaProblem: null });
      } finally {
        vi.useRealTimers();
      }
    });

    it('devices refused before the call screen showed are told on it, and the others hear I send nothing', async () => {
      const t = ringingWithSlowDevices();
      const answering = t.controller.answer(true);
      await vi.waitFor(() => expect(t.engine().log).toContain('release'));
      t.engine().emit('error', { kind: 'media-denied', message: 'Camera and microphone are blocked.' });
      t.open('refused');
      await answering;
      expect(t.store.getState().call.current?.mediaProblem).toMatchObject({ kind: 'media-denied' });
      expect(t.api.updateMedia).toHaveBeenCalledWith(CALL, { audioEnabled: false, videoEnabled: false });
    });

    it('without a connection made while ringing, the call screen shows at once: the negotiation is still to come', async () => {
      const opening = vi
        .spyOn(FakeEngine.prototype, 'initializeLocalStream')
        .mockImplementation(() => new Promise(() => {}));
      try {
        const t = setup();
        t.server('call:incoming', ringMe());
        void t.controller.answer(true);
        await vi.waitFor(() => expect(opening).toHaveBeenCalled());
        expect(t.store.getState().call.current?.callId).toBe(CALL);
      } finally {
        opening.mockRestore();
      }
    });

    it('a call cancelled while the devices open shows no call screen and drops what the answer started', async () => {
      const t = ringingWithSlowDevices(async () => {
        throw new ApiRequestError('conflict', 'the call is already ended', 409);
      });
      const answering = t.controller.answer(true);
      await vi.waitFor(() => expect(t.engine().log).toContain('release'));
      t.server('call:ended', { callId: CALL, reason: 'cancelled', endedBy: BOB });
      expect(t.engine().log.at(-1)).toBe('cleanup');

      t.open('opened');
      await answering;
      expect(t.store.getState().call.current).toBeNull();
      expect(t.store.getState().call.incoming).toBeNull();
    });

    it("a spec caller's offer (no preconnect) waits for this device's answer: no early answer it could pair with", async () => {
      const t = setup();
      t.server('call:incoming', ringMe());
      t.server('call:offer', { callId: CALL, fromUserId: BOB, offer: { type: 'offer', sdp: 'v=0' } });
      expect(t.engines).toHaveLength(0);

      await t.controller.answer(true);
      expect(t.engine().log).toContain(`offer from ${BOB}`);
    });

    it('an offer that outran the ring is answered once the ring arrives', () => {
      const t = setup();
      t.server('call:offer', bobsRingOffer());
      expect(t.engines).toHaveLength(0);
      t.server('call:incoming', ringMe());
      expect(t.engine().log).toEqual(['hold audio=true video=true', `offer from ${BOB}`]);
    });

    it('the call screen shows at once what the connection did while ringing: connected, the relay refused', async () => {
      const t = setup();
      t.server('call:incoming', ringMe());
      t.server('call:offer', bobsRingOffer());
      t.engine().emit('peer-state', BOB, 'connected');
      t.engine().emit('error', { kind: 'turn-auth-failed', message: 'refused' });
      await t.controller.answer(true);
      const call = t.store.getState().call.current;
      expect(call && memberOf(call, BOB)?.connection).toBe('connected');
      expect(call?.relayProblem?.kind).toBe('turn-auth-failed');
    });

    it('declining drops the connection made while ringing; a ring while in a call makes none', async () => {
      const t = setup();
      t.server('call:incoming', ringMe());
      t.server('call:offer', bobsRingOffer());
      await t.controller.decline();
      expect(t.engine().log.at(-1)).toBe('cleanup');

      t.server('call:incoming', ringMe());
      await t.controller.answer(true);
      const engines = t.engines.length;
      t.server('call:incoming', ringMe(undefined, OTHER_CALL));
      t.server('call:offer', bobsRingOffer(OTHER_CALL));
      expect(t.engines).toHaveLength(engines);
    });
  });

  describe('glare (both call each other at once)', () => {
    const THEIRS_SMALLER = '10000000-0000-4000-8000-000000000001';
    const THEIRS_LARGER = '10000000-0000-4000-8000-000000000009';
    /** My own call as the server has it while it still rings. */
    const stillRinging = callDto({
      status: 'ringing',
      initiatedBy: ME,
      startedAt: null,
      participants: [participantDto(ME, 'Me', 'joined'), participantDto(BOB, 'Bob', 'ringing')],
    });

    it('the side whose call has the larger id cancels it and answers the other one', async () => {
      const t = setup({ getCall: stillRinging });
      await t.controller.startCall(CONVERSATION, 'video', 'Bob');
      t.server('call:incoming', ringMe(undefined, THEIRS_SMALLER));
      await vi.waitFor(() =>
        expect(t.api.answerCall).toHaveBeenCalledWith(THEIRS_SMALLER, {
          deviceId: DEVICE,
          awaitsOffer: true,
        }),
      );
      expect(t.api.endCall).toHaveBeenCalledWith(CALL);
      expect(t.store.getState().call.current?.callId).toBe(THEIRS_SMALLER);
    });

    it('the side that answers the other call keeps the connection made to it while its own call started', async () => {
      // Bob's call and his ring offer arrive while this client still waits for POST /initiate: this device
      // connects to Bob's call as any ringing device does. Cancelling its own call must not close that
      // connection, or Bob's offer would be gone and each side would wait for the other.
      const t = setup({ getCall: stillRinging });
      let initiated!: () => void;
      t.api.initiateCall.mockImplementationOnce(
        () =>
          new Promise((resolve) => {
            initiated = () =>
              resolve({
                callId: CALL,
                status: 'initiated' as const,
                participants: [participantDto(ME, 'Me', 'joined'), participantDto(BOB, 'Bob', 'invited')],
              });
          }),
      );
      const starting = t.controller.startCall(CONVERSATION, 'video', 'Bob');
      t.server('call:incoming', ringMe(undefined, THEIRS_SMALLER));
      t.server('call:offer', bobsRingOffer(THEIRS_SMALLER));
      const preconnected = t.engine();
      expect(preconnected.options.callId).toBe(THEIRS_SMALLER);
      expect(preconnected.log).toContain(`offer from ${BOB}`);

      initiated();
      await starting;
      await vi.waitFor(() =>
        expect(t.api.answerCall).toHaveBeenCalledWith(THEIRS_SMALLER, {
          deviceId: DEVICE,
          awaitsOffer: true,
        }),
      );
      expect(t.api.endCall).toHaveBeenCalledWith(CALL);
      expect(t.store.getState().call.current?.callId).toBe(THEIRS_SMALLER);
      expect(t.engine()).toBe(preconnected);
      expect(preconnected.log).toContain('release');
      expect(preconnected.log).not.toContain('cleanup');
    });

    it('the side that keeps its call goes active even when the answer beat its own initiate response', async () => {
      // The other side answered while this client was still waiting for POST /initiate: the joined event
      // went by before the call was known here, and the server's snapshot says who is in.
      const t = setup({ getCall: callDto({ initiatedBy: ME }) });
      await t.controller.startCall(CONVERSATION, 'video', 'Bob');
      await vi.waitFor(() => expect(t.store.getState().call.current?.phase).toBe('active'));
      expect(t.api.getCall).toHaveBeenCalledWith(CALL);
    });

    it('the side whose call has the smaller id keeps it and hides the other ring', async () => {
      const t = setup({ getCall: stillRinging });
      await t.controller.startCall(CONVERSATION, 'video', 'Bob');
      t.server('call:incoming', ringMe(undefined, THEIRS_LARGER));
      expect(t.store.getState().call.incoming).toBeNull();
      expect(t.store.getState().call.current?.callId).toBe(CALL);
      expect(t.api.answerCall).not.toHaveBeenCalled();
    });
  });

  it('mute reaches the engine and the server', async () => {
    const t = setup();
    t.server('call:incoming', ringMe());
    await t.controller.answer(true);
    t.controller.toggleMute();
    expect(t.engine().log.at(-1)).toBe('audio false');
    expect(t.api.updateMedia).toHaveBeenLastCalledWith(CALL, { audioEnabled: false });
    expect(t.store.getState().call.current?.local.audioEnabled).toBe(false);
  });

  it('puts engine errors on screen: blocked devices with the engine words, refused TURN credentials', async () => {
    const t = setup();
    t.server('call:incoming', ringMe());
    await t.controller.answer(true);
    t.engine().emit('error', { kind: 'media-denied', message: 'Access to your camera was denied.' });
    t.engine().emit('error', { kind: 'turn-auth-failed', message: 'refused' });
    expect(t.store.getState().call.current).toMatchObject({
      mediaProblem: { kind: 'media-denied', message: 'Access to your camera was denied.' },
      relayProblem: { kind: 'turn-auth-failed', count: 1 },
    });
  });

  it('reports quality samples to the server for the current call', async () => {
    const t = setup();
    t.server('call:incoming', ringMe());
    await t.controller.answer(true);
    const sample = {
      peerUserId: BOB,
      rttMs: 30,
      packetLossPct: 0,
      availableBitrateKbps: 1200,
      quality: 'good' as const,
    };
    t.engine().options.onQualityReport?.([sample]);
    expect(t.signaling.send).toHaveBeenCalledWith('call:quality-report', { callId: CALL, samples: [sample] });
  });

  it('keeps the platform presence in step: idle, ringing, in call, idle', async () => {
    const t = setup();
    t.server('call:incoming', ringMe());
    await t.controller.answer(true);
    await t.controller.hangUp();
    expect(t.presences.map((p) => p.state)).toEqual(['idle', 'ringing', 'in-call', 'idle']);
    expect(t.api.endCall).toHaveBeenCalledWith(CALL);
  });

  describe('group calls on the media server', () => {
    const group = [
      participantDto(BOB, 'Bob', 'joined'),
      participantDto(CAROL, 'Carol', 'joined'),
      participantDto(ME, 'Me', 'joined'),
    ];
    const sfuOffer = (epoch: number) => ({
      callId: CALL,
      epoch,
      offer: { type: 'offer' as const, sdp: 'v=0' },
      streams: [{ mid: '0', userId: BOB, kind: 'audio' as const, source: 'audio' as const }],
    });

    it('moves the engine to the SFU, shows the topology, and passes the room offers on', async () => {
      const t = setup({ getCall: callDto({ participants: group }) });
      t.server(
        'call:incoming',
        ringMe(group.map((p) => (p.userId === ME ? { ...p, status: 'ringing' } : p))),
      );
      await t.controller.answer(true);
      expect(t.store.getState().call.current?.topology).toBe('mesh');

      t.server('call:topology', { callId: CALL, topology: 'sfu', epoch: 42, reason: 'participant-joined' });
      t.server('call:sfu-offer', sfuOffer(42));
      await vi.waitFor(() => expect(t.engine().log).toContain('sfu-offer 42 streams=1'));
      expect(t.engine().log).toContain('topology sfu 42');
      expect(t.store.getState().call.current?.topology).toBe('sfu');

      // Someone joining later is expected by the engine (on the SFU nobody offers to anyone).
      const dave = '00000000-0000-4000-8000-000000000004';
      t.server('call:participant-joined', {
        callId: CALL,
        userId: dave,
        userName: 'Dave',
        userIdentifier: 'd',
      });
      expect(t.engine().log.at(-1)).toBe(`connect ${dave}`);
      expect(t.toasts()).toContain('Dave joined');
    });

    it('ignores topology and room offers of another call', async () => {
      const t = setup();
      t.server('call:incoming', ringMe());
      await t.controller.answer(true);
      const other = '10000000-0000-4000-8000-000000000009';
      t.server('call:topology', { callId: other, topology: 'sfu', epoch: 1, reason: 'participant-joined' });
      t.server('call:sfu-offer', { ...sfuOffer(1), callId: other });
      await Promise.resolve();
      expect(t.engine().log.filter((l) => l.startsWith('topology') || l.startsWith('sfu-offer'))).toEqual([]);
      expect(t.store.getState().call.current?.topology).toBe('mesh');
    });

    it('after a reload of a call on the SFU: the topology that follows the answer moves the new engine there', async () => {
      let answered!: () => void;
      const t = setup({
        activeCall: callDto({ participants: group }),
        getCall: callDto({ participants: group }),
        answerCall: (callId) =>
          new Promise((resolve) => {
            answered = () => resolve({ callId, status: 'active', startedAt: STARTED });
          }),
      });
      const resumed = t.controller.resumeActiveCall();
      await vi.waitFor(() => expect(t.engines).toHaveLength(1));
      // The server sends the topology right after recording the answer; the room's offer follows.
      answered();
      t.server('call:topology', { callId: CALL, topology: 'sfu', epoch: 7, reason: 'joined-sfu-call' });
      t.server('call:sfu-offer', sfuOffer(7));
      await resumed;
      await vi.waitFor(() => expect(t.engine().log).toContain('sfu-offer 7 streams=1'));
      const log = t.engine().log;
      expect(log.indexOf('topology sfu 7')).toBeLessThan(log.indexOf('sfu-offer 7 streams=1'));
      expect(t.store.getState().call.current).toMatchObject({ topology: 'sfu', phase: 'active' });
    });

    it('holds a topology and a room offer that arrive before the engine exists, and applies them to it', async () => {
      const t = setup({
        activeCall: callDto({ participants: group }),
        getCall: callDto({ participants: group }),
      });
      t.server('call:topology', { callId: CALL, topology: 'sfu', epoch: 9, reason: 'joined-sfu-call' });
      t.server('call:sfu-offer', sfuOffer(9));
      await t.controller.resumeActiveCall();
      await vi.waitFor(() => expect(t.engine().log).toContain('sfu-offer 9 streams=1'));
      expect(t.engine().log).toContain('topology sfu 9');
    });

    it('passes the tiles to the engine, and the active speaker (never myself)', async () => {
      const t = setup({ getCall: callDto({ participants: group }) });
      t.server('call:incoming', ringMe());
      await t.controller.answer(true);
      t.controller.setRemoteView([
        { userId: BOB, source: 'camera', visible: true, width: 640, height: 360 },
        { userId: CAROL, source: 'screen', visible: false, width: 0, height: 0 },
      ]);
      expect(t.engine().log.at(-1)).toBe(`view ${BOB}:true,${CAROL}:false`);
      // Loud and long enough for the highlight to move (activeSpeaker.ts): Bob, then me.
      for (let i = 0; i < 10; i += 1) t.engine().emit('audio-level', { [BOB]: 0.5, [ME]: 0 });
      expect(t.engine().log).toContain(`speaker ${BOB}`);
    });

    it('tells the user why a join is refused: the call is full, or the media server is unreachable', async () => {
      const refuse = (code: 'call_full' | 'unavailable', message: string) =>
        setup({
          answerCall: async () => {
            throw new ApiRequestError(code, message, code === 'call_full' ? 409 : 503);
          },
        });
      const full = refuse('call_full', 'This call is full (20 participants at most).');
      full.server('call:incoming', ringMe());
      await full.controller.answer(true);
      expect(full.toasts()).toContain(
        'Could not join the call: This call is full (20 participants at most).',
      );
      expect(full.store.getState().call.current).toBeNull();

      const down = refuse('unavailable', 'The media server is unreachable; try again in a moment.');
      down.server('call:incoming', ringMe());
      await down.controller.answer(true);
      expect(down.toasts()).toContain(
        'Could not join the call: The media server is unreachable; try again in a moment.',
      );
    });

    it('a call ended by a media server failure is told as such and recorded as failed', async () => {
      const t = setup();
      t.server('call:incoming', ringMe());
      await t.controller.answer(true);
      t.server('call:ended', { callId: CALL, reason: 'media-server-failed', endedBy: null });
      expect(t.toasts()).toContain('The call with Bob ended: the media server failed');
      expect(t.recorded).toEqual([expect.objectContaining({ status: 'failed' })]);
    });
  });

  it('joins a group call in progress from the banner: answers with this device, offers to those in it but the initiator', async () => {
    const group = [
      participantDto(BOB, 'Bob', 'joined'),
      participantDto(CAROL, 'Carol', 'joined'),
      participantDto(ME, 'Me', 'left'),
    ];
    const t = setup({ getCall: callDto({ participants: group }) });
    await t.controller.joinCall(CALL, 'Team sync');
    expect(t.api.answerCall).toHaveBeenCalledWith(CALL, { deviceId: DEVICE, awaitsOffer: true });
    // Bob started the call: he offers to whoever joins (the spec's roles), so only Carol gets an offer from here.
    expect(t.engine().log).toContain(`connect ${CAROL}`);
    expect(t.engine().log).not.toContain(`connect ${BOB}`);
    expect(t.engine().log).not.toContain(`connect ${ME}`);
    const call = t.store.getState().call.current!;
    expect(call).toMatchObject({ title: 'Team sync', callId: CALL });
    expect(othersOf(call).map((p) => p.userId)).toEqual([BOB, CAROL]);
  });

  it('joining from the banner while in another call is refused with a notice', async () => {
    const t = setup();
    await t.controller.joinCall(CALL, 'Team sync');
    t.api.answerCall.mockClear();
    await t.controller.joinCall('10000000-0000-4000-8000-000000000009', 'Other');
    expect(t.api.answerCall).not.toHaveBeenCalled();
    expect(t.toasts()).toContain('Hang up the current call first');
  });

  it('with no microphone or camera the others are told it sends nothing; a later retry restores it', async () => {
    const t = setup();
    const failing = vi.fn(async () => {
      throw Object.assign(new Error('no devices'), { name: 'NotFoundError' });
    });
    await t.controller.joinCall(CALL, 'Team sync');
    t.api.updateMedia.mockClear();
    t.engine().initializeLocalStream = failing as never;
    await t.controller.retryMedia(false);
    expect(t.api.updateMedia).toHaveBeenCalledWith(CALL, { audioEnabled: false, videoEnabled: false });
    expect(t.store.getState().call.current?.mediaProblem).not.toBeNull();
    t.engine().initializeLocalStream = (async () => ({}) as MediaStream) as never;
    await t.controller.retryMedia(false);
    expect(t.api.updateMedia).toHaveBeenLastCalledWith(CALL, { audioEnabled: true, videoEnabled: true });
  });
});
