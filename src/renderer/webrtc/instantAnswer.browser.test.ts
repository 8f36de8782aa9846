/**
 * Roles as the spec has them, with the instant answer, against real WebRTC in one Chromium page: the caller
 * offers with the ring, every ringing device of the callee answers and connects, nothing is sent either way
 * until the callee answers, and answering only starts the senders.
 */
import { afterEach, expect, test, vi } from 'vitest';
import { CallEngine } from './index.ts';
import type { CallEngineOptions } from './index.ts';
import { LoopbackSignaling } from './testSupport/loopbackSignaling.ts';
import { nextPeerState } from './testSupport/peerStates.ts';
import { PlainPeer } from './testSupport/plainPeer.ts';

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
  const device = (
    userId: string,
    deviceId: string,
    fetchIceServers: CallEngineOptions['fetchIceServers'] = async () => ({ iceServers: [], expiresAt: null }),
  ) => {
    const engine = new CallEngine({
      callId,
      selfUserId: userId,
      signaling: signaling.portFor(userId, deviceId),
      fetchIceServers,
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

/**
 * The caller rings a callee on one device with its offer; both are connected and have watched for
 * RINGING_OBSERVATION_MS. The caller sees its own camera while ringing; the callee's device only rings.
 */
async function ringingAndConnected() {
  const setupResult = setup();
  const { callerId, calleeId, device } = setupResult;
  const caller = device(callerId, 'caller-desk');
  const callee = device(calleeId, 'callee-desk');
  const connected = Promise.all([
    nextPeerState(caller, calleeId, 'connected'),
    nextPeerState(callee, callerId, 'connected'),
  ]);
  await caller.initializeLocalStream(true, true);
  callee.holdOutgoing({ audio: true, video: true });
  caller.connectToPeer(calleeId, { ringing: true });
  await connected;
  await sleep(RINGING_OBSERVATION_MS);
  return { ...setupResult, caller, callee };
}

test('a ringing callee connects to the offer that came with the ring, no media flows either way until the answer, and answering needs no new offer', async () => {
  const { signaling, callerId, calleeId, caller, callee } = await ringingAndConnected();
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

test("the answering device tells the caller over their connection: the caller sends at once, before the server's word", async () => {
  const { signaling, callerId, calleeId, caller, callee } = await ringingAndConnected();
  expect(await caller.getBytesSent(calleeId)).toEqual({ audio: 0, video: 0 });

  // No caller.peerAnswered: the server's call:participant-joined has not come.
  callee.releaseOutgoing();
  await callee.initializeLocalStream(true, true);
  await expectReceivingMedia(callee, callerId);
  await expectReceivingMedia(caller, calleeId);
  expect(signaling.deliveryErrors).toEqual([]);
});

test("a plain callee, which leaves the ring offer's answer channel unused, gets nothing from the caller until the server says it answered", async () => {
  const { signaling, callId, callerId, calleeId, device } = setup();
  const caller = device(callerId, 'caller-desk');
  const callee = await PlainPeer.open(signaling, { callId, selfId: calleeId, engine: caller });
  const connected = nextPeerState(caller, calleeId, 'connected');
  await caller.initializeLocalStream(true, true);
  caller.connectToPeer(calleeId, { ringing: true });
  await connected;
  await sleep(RINGING_OBSERVATION_MS);
  expect(await caller.getBytesSent(calleeId)).toEqual({ audio: 0, video: 0 });

  caller.peerAnswered(calleeId);
  await vi.waitFor(async () => expect(await callee.framesDecoded()).toBeGreaterThan(0), MEDIA_TIMEOUT);
  await expectReceivingMedia(caller, calleeId);
  expect(callee.errors).toEqual([]);
  callee.close();
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

test('two ringing devices both connect to the ring offer: the one whose answer the caller took gets media, though the other one reached the caller last', async () => {
  const { signaling, callerId, calleeId, device } = setup();
  const caller = device(callerId, 'caller-desk');
  const first = device(calleeId, 'callee-phone');
  const late = device(calleeId, 'callee-desk');
  // The late device hears of the ring only once the first one has connected (replayed below).
  signaling.detach(calleeId, 'callee-desk');
  // The callee's answers wait, so that both devices reach the caller's one transport before it takes either.
  signaling.route = (s) => (s.kind === 'answer' ? 'hold' : 'deliver');
  await caller.initializeLocalStream(true, true);
  for (const engine of [first, late]) engine.holdOutgoing({ audio: true, video: true });

  // What each device sends the caller first once connected is its DTLS hello, repeated at growing intervals
  // until the handshake goes on. Waiting a while after the first device connected spaces its repeats out,
  // so that the late device's hello, right after it connects, is the last one the caller heard before it
  // took the first device's answer. (With both devices as DTLS clients, that failed in 5 of 5 runs.)
  const firstConnected = nextPeerState(first, callerId, 'connected');
  caller.connectToPeer(calleeId, { ringing: true });
  await firstConnected;
  await sleep(3_000);
  const lateConnected = nextPeerState(late, callerId, 'connected');
  for (const s of signaling.sent.filter((x) => x.from === callerId)) {
    if (s.kind === 'offer') await late.handleOffer(s.event);
    else if (s.kind === 'candidate') await late.handleIceCandidate(s.event);
  }
  signaling.attach(calleeId, late, 'callee-desk');
  await lateConnected;
  await sleep(100);

  // The first device's answer arrives first: the caller's connection is bound to it, the late one gets an
  // offer of its own. Then the first device is the one that picks up.
  signaling.route = () => 'deliver';
  signaling.releaseHeld();
  await vi.waitFor(
    () => expect(signaling.sent.filter((x) => x.kind === 'offer')).toHaveLength(2),
    MEDIA_TIMEOUT,
  );
  signaling.detach(calleeId, 'callee-desk');
  late.cleanup();
  first.releaseOutgoing();
  await first.initializeLocalStream(true, true);
  caller.peerAnswered(calleeId, 'callee-phone');
  await expectReceivingMedia(caller, calleeId);
  await expectReceivingMedia(first, callerId);
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

/**
 * A caller whose offer could not leave before the callee answered (its ICE servers were still on the way, as
 * under load when the callee picks up at once): the callee rang without an offer.
 */
function callerAnsweredBeforeItsOffer(answer: { awaitsOffer?: boolean } = {}) {
  const setupResult = setup();
  const { callerId, calleeId, device } = setupResult;
  let serversArrive = () => {};
  const servers = new Promise<void>((resolve) => (serversArrive = resolve));
  const caller = device(callerId, 'caller-desk', async () => {
    await servers;
    return { iceServers: [], expiresAt: null };
  });
  const ringAndAnswer = async () => {
    await caller.initializeLocalStream(true, true);
    caller.connectToPeer(calleeId, { ringing: true });
    caller.peerAnswered(calleeId, undefined, answer);
    serversArrive();
  };
  return { ...setupResult, caller, ringAndAnswer };
}

const THEIR_OFFER_DELAY_MS = 500;
/** Beyond the time the caller's offer waits for one of the callee's. */
const PEER_OFFER_WAIT_OBSERVATION_MS = 3_000;

const offersFrom = (signaling: LoopbackSignaling, userId: string) =>
  signaling.sent.filter((s) => s.kind === 'offer' && s.from === userId);

test('a plain callee that answered before the ring offer left and then offers itself gets an answer and never an offer of ours', async () => {
  const { signaling, callId, callerId, calleeId, caller, ringAndAnswer } = callerAnsweredBeforeItsOffer();
  const callee = await PlainPeer.open(signaling, { callId, selfId: calleeId, engine: caller });
  await ringAndAnswer();
  // It offers once its answer's response is in, a while after the caller heard of the answer: long enough for
  // the caller's connection to have made its offer meanwhile.
  await sleep(THEIR_OFFER_DELAY_MS);
  await callee.offer();

  await expectReceivingMedia(caller, calleeId);
  await vi.waitFor(async () => expect(await callee.framesDecoded()).toBeGreaterThan(0), MEDIA_TIMEOUT);
  await sleep(PEER_OFFER_WAIT_OBSERVATION_MS);
  expect(offersFrom(signaling, callerId)).toEqual([]);
  expect(callee.errors).toEqual([]);
  callee.close();
});

test('a plain callee that answered before the ring offer left and waits for the caller to offer gets the offer', async () => {
  const { signaling, callId, callerId, calleeId, caller, ringAndAnswer } = callerAnsweredBeforeItsOffer();
  const callee = await PlainPeer.open(signaling, { callId, selfId: calleeId, engine: caller });
  await ringAndAnswer();

  await vi.waitFor(() => expect(callee.offersReceived).toHaveLength(1), MEDIA_TIMEOUT);
  await expectReceivingMedia(caller, calleeId);
  await vi.waitFor(async () => expect(await callee.framesDecoded()).toBeGreaterThan(0), MEDIA_TIMEOUT);
  expect(offersFrom(signaling, callerId)).toHaveLength(1);
  expect(callee.errors).toEqual([]);
  callee.close();
});

test('a callee that answered before the ring offer left and said it awaits our offer gets it without the wait for one of theirs', async () => {
  // The clock stands still but for what is due now (the loopback's deliveries), so an offer held for the
  // callee's own would never leave. vi.waitFor would move a fake clock on: this polls on the real one.
  const realTimeout = setTimeout;
  const until = async (done: () => Promise<boolean>) => {
    while (!(await done())) {
      vi.advanceTimersByTime(0);
      await new Promise((resolve) => realTimeout(resolve, 20));
    }
  };
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  try {
    const { signaling, callId, callerId, calleeId, caller, ringAndAnswer } = callerAnsweredBeforeItsOffer({
      awaitsOffer: true,
    });
    const callee = await PlainPeer.open(signaling, { callId, selfId: calleeId, engine: caller });
    await ringAndAnswer();

    await until(async () => (await callee.framesDecoded()) > 0);
    expect(offersFrom(signaling, callerId)).toHaveLength(1);
    expect(callee.errors).toEqual([]);
    callee.close();
  } finally {
    vi.useRealTimers();
  }
});
