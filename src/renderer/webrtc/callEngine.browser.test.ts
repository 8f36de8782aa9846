/**
 * The engine against real WebRTC: two CallEngines in one Chromium page (fake camera, microphone and screen),
 * wired through an in-memory signaling server. Nothing about RTCPeerConnection is mocked.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { CallEngine, CallEngineError } from './index.ts';
import type { CallEngineErrorEvent, CallEngineOptions, PeerState } from './index.ts';
import { classifyQuality, type PeerQualitySample } from '../../shared/protocol/index.ts';
import { firstVideoCodec, iceUfrags, LoopbackSignaling, opusFmtp } from './testSupport/loopbackSignaling.ts';
import { nextPeerState } from './testSupport/peerStates.ts';

const MEDIA_TIMEOUT = { timeout: 30_000, interval: 200 };

const engines: CallEngine[] = [];
afterEach(() => {
  engines.splice(0).forEach((engine) => engine.cleanup());
});

/** Two user ids in a known order: `polite` is the larger one (isPolitePeer), `impolite` the smaller. */
function userIds(): { impolite: string; polite: string } {
  const [impolite, polite] = [crypto.randomUUID(), crypto.randomUUID()].sort();
  return { impolite: impolite!, polite: polite! };
}

function createEngine(
  signaling: LoopbackSignaling,
  callId: string,
  userId: string,
  extra: Partial<CallEngineOptions> = {},
): CallEngine {
  const engine = new CallEngine({
    callId,
    selfUserId: userId,
    signaling: signaling.portFor(userId),
    fetchIceServers: async () => ({ iceServers: [], expiresAt: null }),
    ...extra,
  });
  signaling.attach(userId, engine);
  engines.push(engine);
  return engine;
}

async function startPair(options: { video?: boolean } = {}) {
  const video = options.video ?? true;
  const signaling = new LoopbackSignaling();
  const callId = crypto.randomUUID();
  const { impolite, polite } = userIds();
  const caller = createEngine(signaling, callId, impolite);
  const callee = createEngine(signaling, callId, polite);
  await Promise.all([caller.initializeLocalStream(true, video), callee.initializeLocalStream(true, video)]);
  return { signaling, callId, caller, callee, callerId: impolite, calleeId: polite };
}

async function expectReceivingMedia(engine: CallEngine, fromUserId: string, video = true): Promise<void> {
  await vi.waitFor(async () => {
    const stats = await engine.getPeerStats(fromUserId);
    expect(stats.audioPacketsReceived).toBeGreaterThan(0);
    if (video) expect(stats.framesDecoded).toBeGreaterThan(0);
  }, MEDIA_TIMEOUT);
}

/** Waits until more frames than `than` have been decoded from the peer. */
async function expectFramesAbove(engine: CallEngine, fromUserId: string, than: number): Promise<void> {
  await vi.waitFor(async () => {
    expect((await engine.getPeerStats(fromUserId)).framesDecoded).toBeGreaterThan(than);
  }, MEDIA_TIMEOUT);
}

/** Resolves once the peer's decoded frame count holds still for a second (the sender stopped sending). */
async function expectFramesToStop(engine: CallEngine, fromUserId: string): Promise<number> {
  let previous = -1;
  let frozenAt = -1;
  await vi.waitFor(
    async () => {
      const frames = (await engine.getPeerStats(fromUserId)).framesDecoded;
      if (frames !== previous) {
        previous = frames;
        frozenAt = performance.now();
      }
      expect(performance.now() - frozenAt).toBeGreaterThanOrEqual(1_000);
    },
    { timeout: 15_000, interval: 250 },
  );
  return previous;
}

function aspect(width: number | null, height: number | null): number {
  return (width ?? 0) / (height ?? 1);
}

describe('a 1:1 video call between two engines', () => {
  // These checks only observe the call, so they share one: video encoding is the expensive part of the suite.
  let call: Awaited<ReturnType<typeof startPair>>;
  const remoteStreams: MediaStream[] = [];
  beforeAll(async () => {
    call = await startPair();
    engines.splice(0); // owned by this block, cleaned up in afterAll
    const { caller, callee, callerId, calleeId } = call;
    callee.on('remote-stream', (userId, stream) => {
      if (userId === callerId) remoteStreams.push(stream);
    });
    const connected = Promise.all([
      nextPeerState(caller, calleeId, 'connected'),
      nextPeerState(callee, callerId, 'connected'),
    ]);
    caller.connectToPeer(calleeId);
    await connected;
  });
  afterAll(() => {
    call.caller.cleanup();
    call.callee.cleanup();
  });

  test('connects, and each side decodes the other one’s video and receives its audio', async () => {
    const { signaling, caller, callee, callerId, calleeId } = call;
    await expectReceivingMedia(caller, calleeId);
    await expectReceivingMedia(callee, callerId);

    const remote = remoteStreams.at(-1);
    expect(remote?.getAudioTracks()).toHaveLength(1);
    expect(remote?.getVideoTracks()).toHaveLength(1);
    expect(signaling.deliveryErrors).toEqual([]);
  });

  test('negotiates VP9 first and Opus with in-band FEC and without DTX', async () => {
    const { signaling, caller, callee, callerId, calleeId } = call;
    const offer = signaling.sent.find((s) => s.kind === 'offer');
    const answer = signaling.sent.find((s) => s.kind === 'answer');
    const descriptions = [
      offer?.kind === 'offer' ? offer.event.offer.sdp : '',
      answer?.kind === 'answer' ? answer.event.answer.sdp : '',
    ];
    for (const sdp of descriptions) {
      expect(firstVideoCodec(sdp)).toBe('VP9');
      expect(opusFmtp(sdp)).toMatch(/(^|;)useinbandfec=1(;|$)/);
      expect(opusFmtp(sdp)).toMatch(/(^|;)usedtx=0(;|$)/);
    }
    // And VP9 is what actually flows, in both directions.
    await vi.waitFor(async () => {
      expect((await callee.getPeerStats(callerId)).videoCodec).toBe('video/VP9');
      expect((await caller.getPeerStats(calleeId)).videoCodec).toBe('video/VP9');
    }, MEDIA_TIMEOUT);
  });

  test('reports per-peer quality every sample interval and audio levels for everyone', async () => {
    const { caller, callerId, calleeId } = call;
    const sample = await new Promise<PeerQualitySample>((resolve) => {
      const off = caller.on('quality', (userId, s) => {
        if (userId !== calleeId) return;
        off();
        resolve(s);
      });
    });
    expect(sample.peerUserId).toBe(calleeId);
    // Real measurements from getStats, graded by the spec's thresholds. The grade itself depends on how busy
    // the machine is, so the test checks that it is the one those numbers earn, not a fixed value.
    expect(sample.rttMs).not.toBeNull();
    expect(sample.rttMs!).toBeGreaterThanOrEqual(0);
    expect(sample.quality).toBe(classifyQuality(sample));

    const audioLevels = await new Promise<Record<string, number>>((resolve) => {
      const off = caller.on('audio-level', (levels) => {
        off();
        resolve(levels);
      });
    });
    expect(Object.keys(audioLevels).sort()).toEqual([callerId, calleeId].sort());
    for (const level of Object.values(audioLevels)) {
      expect(level).toBeGreaterThanOrEqual(0);
      expect(level).toBeLessThanOrEqual(1);
    }
  });
});

test('glare: both sides offer at the same moment and the call still connects both ways', async () => {
  const { signaling, caller, callee, callerId, calleeId } = await startPair();
  // Hold every offer until both engines have sent one, so the two offers really cross.
  signaling.route = (s) => (s.kind === 'offer' ? 'hold' : 'deliver');
  caller.connectToPeer(calleeId);
  callee.connectToPeer(callerId);
  await vi.waitFor(() => {
    expect(new Set(signaling.sent.filter((s) => s.kind === 'offer').map((s) => s.from))).toEqual(
      new Set([callerId, calleeId]),
    );
  });
  signaling.route = () => 'deliver';
  signaling.releaseHeld();

  await expectReceivingMedia(caller, calleeId);
  await expectReceivingMedia(callee, callerId);
  // Only the impolite side's offer was answered: the polite side rolled its own back.
  expect(signaling.sent.filter((s) => s.kind === 'answer').map((s) => s.from)).toEqual([calleeId]);
  expect(signaling.deliveryErrors).toEqual([]);
});

test('connecting while both devices still start: the tracks join the first negotiation, no second round', async () => {
  const signaling = new LoopbackSignaling();
  const callId = crypto.randomUUID();
  const { impolite, polite } = userIds();
  const caller = createEngine(signaling, callId, impolite);
  const callee = createEngine(signaling, callId, polite);
  // The one who answers connects at once, while both cameras and microphones are still opening.
  const media = Promise.all([
    caller.initializeLocalStream(true, true),
    callee.initializeLocalStream(true, true),
  ]);
  callee.connectToPeer(impolite);
  await media;

  await expectReceivingMedia(caller, polite);
  await expectReceivingMedia(callee, impolite);
  expect(signaling.sent.filter((s) => s.kind === 'offer')).toHaveLength(1);
  expect(signaling.deliveryErrors).toEqual([]);
});

test('candidates that arrive before the offer are queued and the call connects with them', async () => {
  const { signaling, caller, callee, callerId, calleeId } = await startPair();
  // The caller's offer waits until all its candidates have been delivered; the callee's candidates never
  // reach the caller, so the connection can only form from the candidates the callee queued.
  signaling.route = (s) => {
    if (s.kind === 'offer') return 'hold';
    if (s.kind === 'candidate' && s.from === calleeId) return 'drop';
    return 'deliver';
  };
  caller.connectToPeer(calleeId);
  await vi.waitFor(() => {
    expect(
      signaling.sent.some((s) => s.kind === 'candidate' && s.from === callerId && s.event.candidate === null),
    ).toBe(true);
  }, MEDIA_TIMEOUT);
  signaling.releaseHeld();

  await expectReceivingMedia(callee, callerId);
  await expectReceivingMedia(caller, calleeId);
  expect(signaling.deliveryErrors).toEqual([]);
});

test('camera off stops the camera and the peer’s frames; camera on resumes them', async () => {
  const { caller, callee, callerId, calleeId } = await startPair();
  caller.connectToPeer(calleeId);
  await expectReceivingMedia(callee, callerId);
  const camera = caller.localStream!.getVideoTracks()[0]!;

  await caller.toggleVideo(false);
  expect(camera.readyState).toBe('ended');
  expect(caller.localStream!.getVideoTracks()).toEqual([]);
  const frozen = await expectFramesToStop(callee, callerId);

  await caller.toggleVideo(true);
  expect(caller.localStream!.getVideoTracks()[0]?.readyState).toBe('live');
  await expectFramesAbove(callee, callerId, frozen);
});

test('screen share replaces the camera for the peer and stopping it restores the camera', async () => {
  const { caller, callee, callerId, calleeId } = await startPair();
  const shareEvents: boolean[] = [];
  caller.on('screen-share', (active) => shareEvents.push(active));
  caller.connectToPeer(calleeId);
  await expectReceivingMedia(callee, callerId);
  const cameraSettings = caller.localStream!.getVideoTracks()[0]!.getSettings();

  await caller.startScreenShare();
  const screen = caller.screenStream!.getVideoTracks()[0]!;
  expect(screen.contentHint).toBe('detail');
  await vi.waitFor(async () => {
    // Read each time: the capture reports its real size only once its first frame is out.
    const { width, height } = screen.getSettings();
    const stats = await callee.getPeerStats(callerId);
    expect([stats.frameWidth, stats.frameHeight]).toEqual([width, height]);
  }, MEDIA_TIMEOUT);
  // The fake screen and the fake camera differ in shape, so the peer's picture tells which one it gets.
  const { width, height } = screen.getSettings();
  expect(aspect(width!, height!)).not.toBeCloseTo(aspect(cameraSettings.width!, cameraSettings.height!), 1);

  await caller.stopScreenShare();
  expect(screen.readyState).toBe('ended');
  expect(caller.screenStream).toBeNull();
  await vi.waitFor(async () => {
    const stats = await callee.getPeerStats(callerId);
    expect(aspect(stats.frameWidth, stats.frameHeight)).toBeCloseTo(
      aspect(cameraSettings.width!, cameraSettings.height!),
      1,
    );
  }, MEDIA_TIMEOUT);
  expect(shareEvents).toEqual([true, false]);
});

test('an audio-only call connects without cameras and a screen share adds video by renegotiating', async () => {
  const { caller, callee, callerId, calleeId } = await startPair({ video: false });
  expect(caller.localStream!.getVideoTracks()).toEqual([]);
  caller.connectToPeer(calleeId);
  await expectReceivingMedia(callee, callerId, false);
  expect((await callee.getPeerStats(callerId)).framesDecoded).toBe(0);

  await caller.startScreenShare();
  await expectFramesAbove(callee, callerId, 0);
});

test('resetPeer: a participant who reloaded gets a fresh connection', async () => {
  const { signaling, callId, caller, callee, callerId, calleeId } = await startPair();
  caller.connectToPeer(calleeId);
  await expectReceivingMedia(caller, calleeId);

  // The callee reloads: its engine is gone, a new one starts with no session.
  callee.cleanup();
  const reloaded = createEngine(signaling, callId, calleeId);
  await reloaded.initializeLocalStream(true, true);
  const reconnected = nextPeerState(caller, calleeId, 'connected');
  caller.resetPeer(calleeId);

  await reconnected;
  await expectReceivingMedia(reloaded, callerId);
  await expectReceivingMedia(caller, calleeId);
  expect(signaling.deliveryErrors).toEqual([]);
});

test('resetPeer: the other side replaces its old session when the offer comes from a new connection', async () => {
  const { signaling, caller, callee, callerId, calleeId } = await startPair();
  caller.connectToPeer(calleeId);
  await expectReceivingMedia(callee, callerId);
  const streams: MediaStream[] = [];
  callee.on('remote-stream', (userId, stream) => {
    if (userId === callerId) streams.push(stream);
  });

  caller.resetPeer(calleeId);
  await vi.waitFor(() => expect(streams.length).toBeGreaterThan(0), MEDIA_TIMEOUT);
  // A fresh connection starts counting from zero; its frames prove the new one carries the media.
  await expectReceivingMedia(callee, callerId);
  await expectReceivingMedia(caller, calleeId);
  expect(signaling.deliveryErrors).toEqual([]);
});

test('a network change restarts ICE and the media keeps flowing', async () => {
  const { signaling, caller, callee, callerId, calleeId } = await startPair();
  caller.connectToPeer(calleeId);
  await expectReceivingMedia(callee, callerId);
  const firstOffer = signaling.sent.find((s) => s.kind === 'offer');
  const initialUfrag = firstOffer?.kind === 'offer' ? iceUfrags(firstOffer.event.offer.sdp)[0] : undefined;
  const offersBefore = signaling.sent.filter((s) => s.kind === 'offer').length;

  window.dispatchEvent(new Event('online'));
  await vi.waitFor(() => {
    const restartOffers = signaling.sent
      .slice(0)
      .filter((s) => s.kind === 'offer')
      .slice(offersBefore);
    expect(restartOffers.length).toBeGreaterThan(0);
    const ufrags = restartOffers.flatMap((s) => (s.kind === 'offer' ? iceUfrags(s.event.offer.sdp) : []));
    expect(ufrags.length).toBeGreaterThan(0);
    expect(ufrags).not.toContain(initialUfrag);
  }, MEDIA_TIMEOUT);

  const before = (await callee.getPeerStats(callerId)).framesDecoded;
  await expectFramesAbove(callee, callerId, before);
  expect(signaling.deliveryErrors).toEqual([]);
});

test('cleanup stops every local track, including a screen share, and closes the connections', async () => {
  const { caller, callerId, callee, calleeId } = await startPair();
  caller.connectToPeer(calleeId);
  await expectReceivingMedia(callee, callerId);
  await caller.startScreenShare();
  const tracks = [...caller.localStream!.getTracks(), ...caller.screenStream!.getTracks()];
  expect(tracks).toHaveLength(3);
  const states: PeerState[] = [];
  caller.on('peer-state', (_userId, state) => states.push(state));

  caller.cleanup();
  expect(tracks.map((t) => t.readyState)).toEqual(['ended', 'ended', 'ended']);
  expect(states).toEqual(['closed']);
  expect(await caller.getPeerStats(calleeId)).toMatchObject({ framesDecoded: 0, audioPacketsReceived: 0 });
  await expect(caller.toggleVideo(true)).rejects.toThrow(/cleaned up/);
});

test('a camera that cannot be opened is reported as media-unavailable, and audio only still works', async () => {
  const signaling = new LoopbackSignaling();
  const engine = createEngine(signaling, crypto.randomUUID(), crypto.randomUUID());
  const errors: CallEngineErrorEvent[] = [];
  engine.on('error', (e) => errors.push(e));

  const failure = engine.initializeLocalStream(true, true, { cameraId: 'no-such-camera' });
  await expect(failure).rejects.toBeInstanceOf(CallEngineError);
  await expect(failure).rejects.toMatchObject({ kind: 'media-unavailable' });
  expect(errors).toEqual([
    expect.objectContaining({ kind: 'media-unavailable', message: expect.stringMatching(/audio only/) }),
  ]);

  const stream = await engine.initializeLocalStream(true, false);
  expect(stream.getAudioTracks()).toHaveLength(1);
  expect(stream.getVideoTracks()).toHaveLength(0);
});
