/**
 * The engine host with a real engine in Chromium: what the connection of a ringing device did is on the call
 * screen (the store) the moment the user answers, read from the engine rather than from a copy of its events.
 */
import { afterEach, expect, test } from 'vitest';
import { CONVERSATION, participantDto } from '../store/testFixtures.ts';
import { createAppStore } from '../store/appStore.ts';
import { memberOf } from '../store/callMembers.ts';
import type { SignalingClient } from '../signaling/socketClient.ts';
import { CallEngine } from '../webrtc/index.ts';
import type { CallEngineErrorEvent } from '../webrtc/index.ts';
import { LoopbackSignaling } from '../webrtc/testSupport/loopbackSignaling.ts';
import { nextPeerState } from '../webrtc/testSupport/peerStates.ts';
import { EngineHost } from './engineHost.ts';
import { IceServerPrefetch } from './iceServerPrefetch.ts';
import { MediaRegistry } from './mediaRegistry.ts';

const noIceServers = async () => ({ iceServers: [], expiresAt: null });
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

/** A callee whose device rings, hosted as the call controller hosts it, and a caller offering with the ring. */
function ringingCallee() {
  const loopback = new LoopbackSignaling();
  const callId = crypto.randomUUID();
  // The caller is the impolite side, as in instantAnswer.browser.test.ts.
  const [callerId, calleeId] = [crypto.randomUUID(), crypto.randomUUID()].sort() as [string, string];
  const store = createAppStore();
  const call = () => store.getState().call;
  const errors: CallEngineErrorEvent[] = [];
  // Only quality reports would go to the server through it, and a device that rings sends none.
  const socket = { send: async () => ({ ok: true }) } as unknown as SignalingClient;
  const host = new EngineHost({
    // The engine's signaling goes over the loopback instead of the socket.
    createEngine: (options) => {
      const engine = new CallEngine({ ...options, signaling: loopback.portFor(calleeId, 'callee-desk') });
      loopback.attach(calleeId, engine, 'callee-desk');
      return engine;
    },
    signaling: socket,
    media: new MediaRegistry(),
    selfId: calleeId,
    iceServers: new IceServerPrefetch(noIceServers),
    now: Date.now,
    inCall: (id) => call().current?.callId === id,
    dispatch: (action) => store.getState().dispatchCall(action),
    onError: (e) => errors.push(e),
    onScreenShare: () => {},
    onVideoPausedFor: () => {},
  });
  cleanups.push(() => host.teardown());
  const caller = new CallEngine({
    callId,
    selfUserId: callerId,
    signaling: loopback.portFor(callerId, 'caller-desk'),
    fetchIceServers: noIceServers,
  });
  loopback.attach(callerId, caller, 'caller-desk');
  cleanups.push(() => caller.cleanup());

  store.getState().dispatchCall({ type: 'session-started', selfId: calleeId });
  store.getState().dispatchCall({
    type: 'incoming-received',
    event: {
      callId,
      conversationId: CONVERSATION,
      type: 'video',
      initiatedBy: callerId,
      participants: [participantDto(callerId, 'Caller', 'joined'), participantDto(calleeId, 'Me', 'ringing')],
    },
  });
  const engine = host.create(callId, undefined, { audio: true, video: true });
  /** What the ring flow does when the user answers on this device (see RingFlow.answer, JoinFlow.join). */
  const answer = () => {
    const local = { audioEnabled: true, videoEnabled: true, screenSharing: false };
    store.getState().dispatchCall({ type: 'incoming-answered', title: 'Caller', local });
    engine.releaseOutgoing();
    host.showWhatHappenedWhileRinging();
  };
  return { engine, caller, callerId, calleeId, call, errors, answer };
}

test('a connection that came up while the device rang shows as connected right after the answer', async () => {
  const { engine, caller, callerId, calleeId, call, errors, answer } = ringingCallee();
  const connected = nextPeerState(engine, callerId, 'connected');
  await caller.initializeLocalStream(true, true);
  caller.connectToPeer(calleeId, { ringing: true });
  await connected;
  expect(call().current).toBeNull();

  answer();
  const current = call().current;
  expect(current && memberOf(current, callerId)?.connection).toBe('connected');
  expect(errors).toEqual([]);
});
