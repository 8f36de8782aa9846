/**
 * Roles as the spec has them, with the instant answer, against real WebRTC in one Chromium page: the caller
 * offers with the ring, every ringing device of the callee answers and connects, nothing is sent either way
 * until the callee answers, and answering only starts the senders.
 */
import { afterEach, expect, test, vi } from 'vitest';
import { CallEngine } from './index.ts';
import { LoopbackSignaling } from './testSupport/loopbackSignaling.ts';
import { nextPeerState } from './testSupport/peerStates.ts';

const MEDIA_TIMEOUT = { timeout: 30_000, interval: 200 };
/** Long enough for a connected pair to have sent audio and video many times over, had it sent any. */
const RINGING_OBSERVATION_MS = 1_500;

const engines: CallEngine[] = [];
afterEach(() => {
  engines.splice(0).forEach((engine) => engine.cleanup());
});

function setup() {
  const signaling = new LoopbackSignaling();
  const callId = crypto.randomUUID();
  // The caller is the impolite side: with perfect negotiation alone it would ignore a colliding offer.
  const [callerId, calleeId] = [crypto.randomUUID(), crypto.randomUUID()].sort() as [string, string];
  const device = (userId: string, deviceId: string) => {
    const engine = new CallEngine({
      callId,
      selfUserId: userId,
      signaling: signaling.portFor(userId, deviceId),
      fetchIceServers: async () => ({ iceServers: [], expiresAt: null }),
    });
    signaling.attach(userId, engine, deviceId);
    engines.push(engine);
    return engine;
  };
  return { signaling, callId, callerId, calleeId, device };
}

async function expectReceivingMedia(engine: CallEngine, fromUserId: string): Promise<void> {
  await vi.waitFor(async () => {
    const stats = await engine.getPeerStats(fromUserId);
    expect(stats.audioPacketsReceived).toBeGreaterThan(0);
    expect(stats.framesDecoded).toBeGreaterThan(0);
  }, MEDIA_TIMEOUT);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a ringing callee connects to the offer that came with the ring, no media flows either way until the answer, and answering needs no new offer', async () => {
  const { signaling, callerId, calleeId, device } = setup();
  const caller = device(callerId, 'caller-desk');
  const callee = device(calleeId, 'callee-desk');
  const connected = Promise.all([
    nextPeerState(caller, calleeId, 'connected'),
    nextPeerState(callee, callerId, 'connected'),
  ]);
  // The caller sees its own camera while ringing; the callee's device only rings.
  await caller.initializeLocalStream(true, true);
  callee.holdOutgoing({ audio: true, video: true });
  caller.connectToPeer(calleeId, { ringing: true });
  await connected;

  await sleep(RINGING_OBSERVATION_MS);
  expect(await caller.getBytesSent(calleeId)).toEqual({ audio: 0, video: 0 });
  expect(await callee.getBytesSent(callerId)).toEqual({ audio: 0, video: 0 });
  expect((await callee.getPeerStats(callerId)).audioPacketsReceived).toBe(0);
  const negotiationsWhileRinging = signaling.sent.filter((s) => s.kind !== 'candidate').length;
  expect(signaling.sent.filter((s) => s.kind === 'offer').map((s) => s.from)).toEqual([callerId]);

  // The callee answers: its senders start on the connection that is already up, and so do the caller's.
  callee.releaseOutgoing();
  await callee.initializeLocalStream(true, true);
  caller.peerAnswered(calleeId, 'callee-desk');
  await expectReceivingMedia(caller, calleeId);
  await expectReceivingMedia(callee, callerId);
  expect(signaling.sent.filter((s) => s.kind !== 'candidate')).toHaveLength(negotiationsWhileRinging);
  expect(signaling.deliveryErrors).toEqual([]);
});

test('two ringing devices each get a connection of their own; the one that answers carries the call, the other is dropped', async () => {
  const { signaling, callerId, calleeId, device } = setup();
  const caller = device(callerId, 'caller-desk');
  const devices = {
    'callee-phone': device(calleeId, 'callee-phone'),
    'callee-desk': device(calleeId, 'callee-desk'),
  };
  await caller.initializeLocalStream(true, true);
  for (const engine of Object.values(devices)) engine.holdOutgoing({ audio: true, video: true });
  caller.connectToPeer(calleeId, { ringing: true });

  // One offer to every ringing device, then one of its own to the device whose answer came second.
  const offers = () => signaling.sent.filter((s) => s.kind === 'offer' && s.from === callerId);
  await vi.waitFor(() => expect(offers()).toHaveLength(2), MEDIA_TIMEOUT);
  expect(offers()[0]?.toDevice).toBeUndefined();
  const second = offers()[1]?.toDevice as keyof typeof devices;
  expect(Object.keys(devices)).toContain(second);
  await sleep(RINGING_OBSERVATION_MS);
  for (const engine of Object.values(devices))
    expect(await engine.getBytesSent(callerId)).toEqual({ audio: 0, video: 0 });
  expect(await caller.getBytesSent(calleeId)).toEqual({ audio: 0, video: 0 });

  // Answered on the device that got the second offer: the other hears "answered elsewhere" and drops its
  // connection, and the caller's own connection to that device takes over.
  const other = second === 'callee-phone' ? 'callee-desk' : 'callee-phone';
  signaling.detach(calleeId, other);
  devices[other].cleanup();
  const answering = devices[second];
  answering.releaseOutgoing();
  await answering.initializeLocalStream(true, true);
  caller.peerAnswered(calleeId, second);
  await expectReceivingMedia(caller, calleeId);
  await expectReceivingMedia(answering, callerId);
  expect(signaling.deliveryErrors).toEqual([]);
});

test('a callee that ignores the offer made while it rang and offers once it answered (a plain spec client) is answered', async () => {
  const { signaling, callerId, calleeId, device } = setup();
  const caller = device(callerId, 'caller-desk');
  const callee = device(calleeId, 'callee-desk');
  signaling.route = (s) => (s.kind === 'offer' && s.from === callerId ? 'drop' : 'deliver');
  await Promise.all([caller.initializeLocalStream(true, true), callee.initializeLocalStream(true, true)]);
  caller.connectToPeer(calleeId, { ringing: true });
  await vi.waitFor(() => expect(signaling.sent.some((s) => s.kind === 'offer')).toBe(true));

  caller.peerAnswered(calleeId, 'callee-desk');
  callee.connectToPeer(callerId);
  await expectReceivingMedia(caller, calleeId);
  await expectReceivingMedia(callee, callerId);
  expect(signaling.deliveryErrors).toEqual([]);
});
