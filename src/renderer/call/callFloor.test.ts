/** Raised hands and reactions of the current call against a stand-in socket and REST client, real store. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CallDto, ServerToClientEvents, SocketAck } from '../../shared/protocol/index.ts';
import type { SignalingClient } from '../signaling/socketClient.ts';
import { createAppStore } from '../store/appStore.ts';
import { BOB, CAROL, CONVERSATION, ME, participantDto } from '../store/testFixtures.ts';
import { CallFloor, REACTION_SHOWN_MS } from './callFloor.ts';

const CALL = '10000000-0000-4000-8000-000000000005';
const T0 = Date.parse('2025-01-10T14:30:00.000Z');

function setup(participants = [participantDto(BOB, 'Bob', 'joined'), participantDto(ME, 'Me', 'joined')]) {
  const store = createAppStore();
  store.getState().dispatchCall({ type: 'session-started', selfId: ME });
  const listeners = new Map<string, (payload: unknown) => void>();
  const send = vi.fn(async (): Promise<SocketAck> => ({ ok: true }));
  const signaling = {
    on: (event: string, listener: (payload: unknown) => void) => {
      listeners.set(event, listener);
      return () => listeners.delete(event);
    },
    send,
  } as unknown as Pick<SignalingClient, 'on' | 'send'>;
  const call: CallDto = {
    id: CALL,
    conversationId: CONVERSATION,
    type: 'video',
    status: 'active',
    initiatedBy: BOB,
    startedAt: null,
    endedAt: null,
    durationSeconds: null,
    endReason: null,
    createdAt: new Date(T0).toISOString(),
    sfuRoomId: null,
    participants,
  };
  const api = { getCall: vi.fn(async () => ({ call })) };
  let now = T0;
  const floor = new CallFloor({ store, api, signaling, selfId: ME, now: () => now });
  floor.start();
  const server = <K extends keyof ServerToClientEvents>(
    event: K,
    payload: Parameters<ServerToClientEvents[K]>[0],
  ) => listeners.get(event)?.(payload);
  const enterCall = () =>
    store.getState().dispatchCall({
      type: 'call-entered',
      snapshot: {
        callId: CALL,
        conversationId: CONVERSATION,
        type: 'video',
        initiatedBy: BOB,
        startedAt: null,
        participants,
      },
      direction: 'incoming',
      title: 'Team',
      phase: 'joining',
      local: { audioEnabled: true, videoEnabled: true, screenSharing: false },
    });
  const tick = (ms: number) => (now += ms);
  /** The engine's audio levels every 200 ms for `ms`. */
  const levelsFor = (ms: number, levels: Record<string, number>) => {
    for (let t = 0; t < ms; t += 200) {
      floor.onAudioLevels(levels);
      tick(200);
    }
  };
  const raiseMine = () =>
    server('call:hands', {
      callId: CALL,
      hands: [{ userId: ME, raisedAt: new Date(T0).toISOString() }],
      changedBy: ME,
    });
  return {
    store,
    floor,
    server,
    send,
    api,
    enterCall,
    levelsFor,
    raiseMine,
    hands: () => store.getState().groupCall.hands,
  };
}

afterEach(() => void vi.useRealTimers());

describe('CallFloor', () => {
  it('shows the queue the server announces, for the current call only', () => {
    const t = setup();
    t.enterCall();
    const raisedAt = new Date(T0).toISOString();
    t.server('call:hands', {
      callId: CALL,
      hands: [
        { userId: CAROL, raisedAt },
        { userId: BOB, raisedAt },
      ],
      changedBy: BOB,
    });
    expect(t.hands()).toEqual([CAROL, BOB]);
    t.server('call:hands', { callId: '10000000-0000-4000-8000-000000000009', hands: [], changedBy: BOB });
    expect(t.hands()).toEqual([CAROL, BOB]);
  });

  it('a late joiner learns the queue from the call snapshot, oldest first', async () => {
    const bob = { ...participantDto(BOB, 'Bob', 'joined'), handRaisedAt: new Date(T0 + 5000).toISOString() };
    const carol = { ...participantDto(CAROL, 'Carol', 'joined'), handRaisedAt: new Date(T0).toISOString() };
    const gone = {
      ...participantDto('00000000-0000-4000-8000-000000000004', 'Dan', 'left'),
      handRaisedAt: new Date(T0).toISOString(),
    };
    const t = setup([bob, carol, gone, participantDto(ME, 'Me', 'joined')]);
    t.enterCall();
    await vi.waitFor(() => expect(t.hands()).toEqual([CAROL, BOB]));
  });

  it('raises and lowers my hand; the host form names whose hand', async () => {
    const t = setup();
    t.enterCall();
    await t.floor.setHand(true);
    await t.floor.setHand(false, CAROL);
    expect(t.send.mock.calls).toEqual([
      ['call:hand', { callId: CALL, raised: true }],
      ['call:hand', { callId: CALL, raised: false, userId: CAROL }],
    ]);
  });

  it('a refused hand change is told, and nothing is sent outside a call', async () => {
    const t = setup();
    await t.floor.setHand(true);
    expect(t.send).not.toHaveBeenCalled();
    t.enterCall();
    t.send.mockResolvedValueOnce({
      ok: false,
      error: { code: 'rate_limited', message: 'too many call:hand messages' },
    });
    await t.floor.setHand(true);
    expect(t.store.getState().ui.toasts.map((x) => x.text)).toEqual([
      'Could not raise the hand: too many call:hand messages',
    ]);
  });

  it('reactions show on the sender tile for a while (mine at once), then go', async () => {
    vi.useFakeTimers();
    const t = setup();
    t.enterCall();
    await t.floor.react('🎉');
    t.server('call:reaction', { callId: CALL, userId: BOB, reaction: '👍' });
    expect(t.send).toHaveBeenCalledWith('call:reaction', { callId: CALL, reaction: '🎉' });
    const shown = () =>
      Object.fromEntries(
        Object.entries(t.store.getState().groupCall.reactions).map(([k, v]) => [k, v.reaction]),
      );
    expect(shown()).toEqual({ [ME]: '🎉', [BOB]: '👍' });
    vi.advanceTimersByTime(REACTION_SHOWN_MS / 2);
    t.server('call:reaction', { callId: CALL, userId: BOB, reaction: '👏' });
    vi.advanceTimersByTime(REACTION_SHOWN_MS / 2);
    // Mine is gone; Bob's newer one keeps its full time.
    expect(shown()).toEqual({ [BOB]: '👏' });
    vi.advanceTimersByTime(REACTION_SHOWN_MS);
    expect(shown()).toEqual({});
  });

  it('lowers my raised hand once I have spoken a while, once', async () => {
    const t = setup();
    t.enterCall();
    t.raiseMine();
    t.levelsFor(5000, { [ME]: 0.4, [BOB]: 0 });
    await vi.waitFor(() => expect(t.send).toHaveBeenCalledTimes(1));
    expect(t.send).toHaveBeenCalledWith('call:hand', { callId: CALL, raised: false });
  });

  it('others speaking, or me speaking with my hand down, lowers nothing', () => {
    const t = setup();
    t.enterCall();
    t.levelsFor(5000, { [ME]: 0.4, [BOB]: 0.4 });
    t.raiseMine();
    t.levelsFor(5000, { [ME]: 0, [BOB]: 0.4 });
    expect(t.send).not.toHaveBeenCalled();
  });

  it('a new call starts with no hands and no reactions', () => {
    const t = setup();
    t.enterCall();
    t.server('call:hands', {
      callId: CALL,
      hands: [{ userId: BOB, raisedAt: new Date(T0).toISOString() }],
      changedBy: BOB,
    });
    t.store.getState().dispatchCall({ type: 'call-finished', callId: CALL });
    expect(t.store.getState().groupCall).toMatchObject({ floorCallId: null, hands: [], reactions: {} });
  });
});
