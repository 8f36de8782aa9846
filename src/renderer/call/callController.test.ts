/**
 * The call flow against stand-ins for its edges (REST, socket, engine, platform): who answers, who connects
 * to whom, what survives a reload, what the user is told. The real edges are exercised end to end in e2e/.
 */
import { describe, expect, it, vi } from 'vitest';
import type { CallPresence, DesktopApi, HistoryEntry } from '../../shared/desktopApi.ts';
import { DEFAULT_MEDIA_STATE } from '../../shared/protocol.ts';
import type { CallDto, ServerToClientEvents, SocketAck } from '../../shared/protocol.ts';
import type { RestClient } from '../signaling/restClient.ts';
import type { SignalingClient } from '../signaling/socketClient.ts';
import { createAppStore } from '../store/appStore.ts';
import type { CallEngine, CallEngineEvents, CallEngineOptions } from '../webrtc/index.ts';
import { CallController } from './callController.ts';
import { MediaRegistry } from './mediaRegistry.ts';
import { BOB, CAROL, CONVERSATION, ME, participantDto } from '../store/testFixtures.ts';

const CALL = '10000000-0000-4000-8000-000000000005';
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
    for (const listener of this.#listeners.get(event) ?? []) (listener as (...a: unknown[]) => void)(...args);
  }

  async initializeLocalStream(audio: boolean, video: boolean) {
    this.log.push(`media audio=${audio} video=${video}`);
    return {} as MediaStream;
  }
  readonly #connected = new Set<string>();
  /** Like the real engine, a second connect to the same peer is a no-op. */
  connectToPeer = (userId: string) => {
    if (this.#connected.has(userId)) return;
    this.#connected.add(userId);
    this.log.push(`connect ${userId}`);
  };
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
}

function setup(options: { activeCall?: CallDto | null; getCall?: CallDto } = {}) {
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
    answerCall: vi.fn(async (callId: string) => ({ callId, status: 'active' as const, startedAt: STARTED })),
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
  it('answers with this device, then connects to everyone already in the call (and not to itself)', async () => {
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

    expect(t.api.answerCall).toHaveBeenCalledWith(CALL, { deviceId: DEVICE });
    expect(t.engine().log).toEqual(['media audio=true video=true', `connect ${BOB}`, `connect ${CAROL}`]);
    expect(t.store.getState().call.current).toMatchObject({
      phase: 'active',
      startedAt: STARTED,
      title: 'Bob, Carol',
    });
    expect(t.store.getState().call.incoming).toBeNull();
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

    expect(t.api.answerCall).toHaveBeenCalledWith(CALL, { deviceId: DEVICE });
    expect(t.engine().log).toContain(`offer from ${BOB}`);
    expect(t.engine().log).toContain(`connect ${BOB}`);
    expect(t.store.getState().call.current?.phase).toBe('active');
  });

  it('after a reload, the caller of a call still ringing waits instead of answering it', async () => {
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
    expect(t.engine().log).toEqual(['media audio=true video=true']);
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

  it('stops ringing when the call is answered on another device', () => {
    const t = setup();
    t.server('call:incoming', ringMe());
    t.server('call:handled-elsewhere', { callId: CALL, action: 'answered' });
    expect(t.store.getState().call.incoming).toBeNull();
    expect(t.toasts()).toEqual(['Answered on another device']);
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
        expect(t.api.answerCall).toHaveBeenCalledWith(THEIRS_SMALLER, { deviceId: DEVICE }),
      );
      expect(t.api.endCall).toHaveBeenCalledWith(CALL);
      expect(t.store.getState().call.current?.callId).toBe(THEIRS_SMALLER);
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
});
