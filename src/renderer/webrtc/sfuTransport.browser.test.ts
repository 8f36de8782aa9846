/**
 * The SFU transport and the engine's switch to it against real WebRTC in Chromium. The room (Janus and the
 * backend) is played by plain RTCPeerConnections in the same page (testSupport/fakeSfuRoom.ts); the real
 * room is covered by the backend's Janus suites and the e2e tests.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { CallEngine } from './index.ts';
import type { PeerState } from './index.ts';
import { summarizeReceivedMedia } from './connectionStats.ts';
import type { OutgoingMedia, TransportObserver } from './mediaTransport.ts';
import { SfuTransport } from './sfuTransport.ts';
import { FakeSfuRoom } from './testSupport/fakeSfuRoom.ts';
import { firstVideoCodec, LoopbackSignaling, opusFmtp } from './testSupport/loopbackSignaling.ts';
import type { SignalingPort } from './types.ts';

const MEDIA_TIMEOUT = { timeout: 30_000, interval: 200 };
const NO_ICE_SERVERS = { get: async () => [], fresh: async () => [] };

const cleanups: (() => void)[] = [];
afterEach(() => {
  cleanups.splice(0).forEach((cleanup) => cleanup());
});

function capture(): Promise<MediaStream> {
  return navigator.mediaDevices
    .getUserMedia({ audio: true, video: { width: 640, height: 360 } })
    .then((s) => {
      cleanups.push(() => s.getTracks().forEach((t) => t.stop()));
      return s;
    });
}

/** A painted canvas as a screen share (getDisplayMedia needs a user gesture). */
function fakeScreen(): MediaStreamTrack {
  const canvas = document.createElement('canvas');
  canvas.width = 1280;
  canvas.height = 720;
  const context = canvas.getContext('2d')!;
  const paint = setInterval(() => {
    context.fillStyle = `hsl(${Date.now() % 360} 60% 50%)`;
    context.fillRect(0, 0, canvas.width, canvas.height);
  }, 50);
  const track = canvas.captureStream(15).getVideoTracks()[0]!;
  track.contentHint = 'detail';
  cleanups.push(() => {
    clearInterval(paint);
    track.stop();
  });
  return track;
}

function outgoing(stream: MediaStream, screen: MediaStreamTrack | null = null): OutgoingMedia {
  const camera = stream.getVideoTracks()[0] ?? null;
  return {
    stream,
    audio: stream.getAudioTracks()[0] ?? null,
    video: screen ?? camera,
    videoIsScreen: screen !== null,
    camera,
    screen,
    receiveVideo: true,
    starting: { audio: false, video: false },
  };
}

/** What a transport tells its engine, kept for assertions. */
function recordingObserver() {
  const streams = new Map<string, MediaStream[]>();
  const states = new Map<string, PeerState[]>();
  const errors: string[] = [];
  const observer: TransportObserver = {
    remoteStream: (userId, stream) => streams.set(userId, [...(streams.get(userId) ?? []), stream]),
    peerState: (userId, state) => states.set(userId, [...(states.get(userId) ?? []), state]),
    error: (kind, userId, message) => errors.push(`${kind} ${userId} ${message}`),
    turnAuthFailed: () => undefined,
  };
  return { observer, streams, states, errors, latest: (userId: string) => streams.get(userId)?.at(-1) };
}

function createTransport(room: FakeSfuRoom, epoch = 7) {
  const record = recordingObserver();
  const callId = crypto.randomUUID();
  const transport = new SfuTransport({
    callId,
    epoch,
    selfUserId: crypto.randomUUID(),
    signaling: room as unknown as SignalingPort,
    iceServers: NO_ICE_SERVERS,
    iceTransportPolicy: 'all',
    observer: record.observer,
  });
  cleanups.push(() => transport.close());
  return { transport, callId, epoch, ...record };
}

function newRoom(): FakeSfuRoom {
  const room = new FakeSfuRoom();
  cleanups.push(() => room.close());
  return room;
}

describe('SfuTransport publisher', () => {
  test('publishes audio and the camera as three simulcast layers (h, m, l), VP8 first, Opus with FEC', async () => {
    const room = newRoom();
    const { transport } = createTransport(room);
    await transport.setOutgoing(outgoing(await capture()));

    await vi.waitFor(() => expect(room.published).toHaveLength(1), MEDIA_TIMEOUT);
    const [{ sdp, sources, epoch }] = room.published as [(typeof room.published)[0]];
    expect(epoch).toBe(7);
    expect(sdp).toMatch(/^a=simulcast:send h;m;l\r?$/m);
    expect(sdp.match(/^a=rid:[hml] send\r?$/gm)?.map((l) => l.trim())).toEqual([
      'a=rid:h send',
      'a=rid:m send',
      'a=rid:l send',
    ]);
    expect(sdp.match(/^a=sendonly\r?$/gm)).toHaveLength(2);
    expect(firstVideoCodec(sdp)).toBe('VP8');
    expect(opusFmtp(sdp)).toMatch(/useinbandfec=1/);
    expect(sources).toEqual([
      { mid: '0', source: 'audio' },
      { mid: '1', source: 'camera' },
    ]);

    // Candidates waited for the room's answer, then went out tagged as the publisher's.
    await vi.waitFor(
      () => expect(room.candidates.some((c) => c.connection === 'publisher')).toBe(true),
      MEDIA_TIMEOUT,
    );
    expect(room.room(7).earlyPublisherCandidates).toEqual([]);
    await vi.waitFor(() => expect(room.room(7).ingest.connectionState).toBe('connected'), MEDIA_TIMEOUT);
  });

  test('a screen share is a third m-line published next to the camera, and stopping it unpublishes it', async () => {
    const room = newRoom();
    const { transport } = createTransport(room);
    const camera = await capture();
    await transport.setOutgoing(outgoing(camera));
    await vi.waitFor(() => expect(room.published).toHaveLength(1), MEDIA_TIMEOUT);

    await transport.setOutgoing(outgoing(camera, fakeScreen()));
    await vi.waitFor(() => expect(room.published).toHaveLength(2), MEDIA_TIMEOUT);
    const sharing = room.published[1]!;
    expect(sharing.sources).toEqual([
      { mid: '0', source: 'audio' },
      { mid: '1', source: 'camera' },
      { mid: '2', source: 'screen' },
    ]);
    // One full-resolution encoding for the screen: only the camera is simulcast.
    expect(sharing.sdp.match(/^a=simulcast:/gm)).toHaveLength(1);

    await transport.setOutgoing(outgoing(camera));
    await vi.waitFor(() => expect(room.published).toHaveLength(3), MEDIA_TIMEOUT);
    expect(room.published[2]!.sources.map((s) => s.source)).toEqual(['audio', 'camera']);

    // Camera off swaps the track on its m-line: no new publish.
    await transport.setOutgoing({ ...outgoing(camera), camera: null, video: null });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(room.published).toHaveLength(3);
  });
});

describe('SfuTransport subscriber', () => {
  test('a subscription offer with two participants yields one stream each, and they connect', async () => {
    const room = newRoom();
    const { transport, callId, epoch, streams, states, latest, errors } = createTransport(room);
    const [alice, bob] = [crypto.randomUUID(), crypto.randomUUID()];
    transport.connect(alice);
    transport.connect(bob);
    expect(states.get(alice)).toEqual(['connecting']);

    const offer = await room.offerStreams(callId, epoch, [
      { userId: alice, stream: await capture() },
      { userId: bob, stream: await capture() },
    ]);
    expect(offer.streams.map((s) => `${s.kind}/${s.source}`)).toEqual([
      'audio/audio',
      'video/camera',
      'audio/audio',
      'video/camera',
    ]);
    await transport.handleSfuOffer(offer);

    expect(room.answers).toHaveLength(1);
    expect(streams.get(alice)).toHaveLength(1);
    expect(streams.get(bob)).toHaveLength(1);
    for (const userId of [alice, bob]) {
      expect(latest(userId)!.getAudioTracks()).toHaveLength(1);
      expect(latest(userId)!.getVideoTracks()).toHaveLength(1);
    }
    expect(latest(alice)!.getTracks()[0]).not.toBe(latest(bob)!.getTracks()[0]);

    await vi.waitFor(() => {
      expect(states.get(alice)?.at(-1)).toBe('connected');
      expect(states.get(bob)?.at(-1)).toBe('connected');
    }, MEDIA_TIMEOUT);
    // Each participant's stats describe their own streams only.
    await vi.waitFor(async () => {
      const report = await transport.getStats(alice);
      const inbound = [...report!.values()].filter((e) => e.type === 'inbound-rtp');
      expect(inbound).toHaveLength(2);
      const summary = summarizeReceivedMedia(report!.values());
      expect(summary.framesDecoded).toBeGreaterThan(0);
      expect(summary.audioPacketsReceived).toBeGreaterThan(0);
      expect(summary.videoCodec).toBe('video/VP8');
    }, MEDIA_TIMEOUT);
    // Audio levels come from the receivers' synchronization sources, which fill once the audio plays out.
    for (const userId of [alice, bob]) {
      const audio = new Audio();
      audio.muted = true;
      audio.srcObject = latest(userId)!;
      void audio.play().catch(() => undefined);
      cleanups.push(() => (audio.srcObject = null));
    }
    await vi.waitFor(async () => {
      const levels = await transport.readAudioLevels();
      expect([...levels.remote.keys()].sort()).toEqual([alice, bob].sort());
    }, MEDIA_TIMEOUT);
    expect(room.candidates.some((c) => c.connection === 'subscriber')).toBe(true);
    expect(errors).toEqual([]);
  });

  test('later offers switch a sharer to their screen and drop who left; layers follow the tiles', async () => {
    const room = newRoom();
    const { transport, callId, epoch, latest, states } = createTransport(room);
    const [alice, bob] = [crypto.randomUUID(), crypto.randomUUID()];
    transport.connect(alice);
    transport.connect(bob);
    await transport.handleSfuOffer(
      await room.offerStreams(callId, epoch, [
        { userId: alice, stream: await capture() },
        { userId: bob, stream: await capture() },
      ]),
    );
    await vi.waitFor(() => expect(states.get(bob)?.at(-1)).toBe('connected'), MEDIA_TIMEOUT);

    // Tiles: Alice big and speaking, Bob off the page. Nothing is asked before the UI reports tiles.
    expect(room.views).toEqual([]);
    transport.setRemoteView(
      [
        { userId: alice, source: 'camera', visible: true, width: 960, height: 540 },
        { userId: bob, source: 'camera', visible: false, width: 0, height: 0 },
      ],
      alice,
    );
    expect(room.views.at(-1)).toEqual({
      callId,
      epoch,
      streams: [
        { userId: alice, source: 'camera', layer: 'high' },
        { userId: bob, source: 'camera', layer: 'off' },
      ],
    });
    // The same view again sends nothing.
    transport.setRemoteView(
      [
        { userId: alice, source: 'camera', visible: true, width: 961, height: 541 },
        { userId: bob, source: 'camera', visible: false, width: 0, height: 0 },
      ],
      alice,
    );
    expect(room.views).toHaveLength(1);

    // Bob shares his screen: his tile now shows the screen, and the camera behind it is switched off.
    const bobCamera = latest(bob)!.getVideoTracks()[0];
    const screen = new MediaStream([fakeScreen()]);
    await transport.handleSfuOffer(
      await room.offerStreams(callId, epoch, [{ userId: bob, stream: screen, videoSource: 'screen' }]),
    );
    const bobNow = latest(bob)!;
    expect(bobNow.getVideoTracks()).toHaveLength(1);
    expect(bobNow.getVideoTracks()[0]).not.toBe(bobCamera);
    expect(bobNow.getAudioTracks()).toHaveLength(1);
    transport.setRemoteView(
      [
        { userId: alice, source: 'camera', visible: true, width: 320, height: 180 },
        { userId: bob, source: 'camera', visible: true, width: 960, height: 540 },
      ],
      null,
    );
    expect(room.views.at(-1)!.streams).toEqual([
      { userId: alice, source: 'camera', layer: 'medium' },
      { userId: bob, source: 'camera', layer: 'off' },
      { userId: bob, source: 'screen', layer: 'high' },
    ]);

    // Bob leaves: his m-lines go inactive, his stream empties; Alice is untouched.
    const aliceStream = latest(alice);
    await transport.handleSfuOffer(await room.offerStreams(callId, epoch, [], [bob]));
    expect(latest(bob)!.getTracks()).toEqual([]);
    expect(latest(alice)).toBe(aliceStream);
    transport.disconnect(bob);
    expect(states.get(bob)?.at(-1)).toBe('closed');
    expect(transport.peerIds()).toEqual([alice]);
  });
});

describe('the engine on the SFU', () => {
  test('moves a connected 1:1 call to the SFU without a gap: the mesh stays until the room delivers; offers of an earlier stay are not answered', async () => {
    const callId = crypto.randomUUID();
    const [me, bob] = [crypto.randomUUID(), crypto.randomUUID()];
    const loopback = new LoopbackSignaling();
    const room = newRoom();
    const engine = (userId: string) => {
      const created = new CallEngine({
        callId,
        selfUserId: userId,
        signaling: { ...loopback.portFor(userId), ...sfuPortOf(room) },
        fetchIceServers: async () => ({ iceServers: [], expiresAt: null }),
      });
      loopback.attach(userId, created);
      cleanups.push(() => created.cleanup());
      return created;
    };
    const mine = engine(me);
    const bobs = engine(bob);
    await Promise.all([mine.initializeLocalStream(true, true), bobs.initializeLocalStream(true, true)]);
    const states: PeerState[] = [];
    const streams: MediaStream[] = [];
    mine.on('peer-state', (userId, state) => userId === bob && states.push(state));
    mine.on('remote-stream', (userId, stream) => userId === bob && streams.push(stream));
    mine.connectToPeer(bob);
    await vi.waitFor(
      async () => expect((await mine.getPeerStats(bob)).framesDecoded).toBeGreaterThan(0),
      MEDIA_TIMEOUT,
    );
    const meshStream = streams.at(-1);

    // An offer of the room before its topology event comes from an earlier stay of ours in it (we left and
    // rejoined on this page): it is never answered, or its answer would land on this stay's subscription.
    const formerStay = newRoom();
    await mine.handleSfuOffer(
      await formerStay.offerStreams(callId, 11, [{ userId: bob, stream: await capture() }]),
    );

    mine.useTopology({ callId, topology: 'sfu', epoch: 11 });
    expect(mine.route).toEqual({ topology: 'sfu', epoch: 11 });
    await vi.waitFor(() => expect(room.published.map((p) => p.epoch)).toEqual([11]), MEDIA_TIMEOUT);
    expect(room.answers).toEqual([]);
    // Until the room delivers Bob, he stays on the mesh and nothing changes for the UI.
    expect((await mine.mediaSnapshot()).peers[bob]).toMatchObject({ via: 'mesh', state: 'connected' });

    await mine.handleSfuOffer(
      await room.offerStreams(callId, 11, [{ userId: bob, stream: await capture() }]),
    );
    await vi.waitFor(async () => {
      const snapshot = await mine.mediaSnapshot();
      expect(snapshot.route).toEqual({ topology: 'sfu', epoch: 11 });
      expect(snapshot.peers[bob]).toMatchObject({ via: 'sfu', state: 'connected' });
      expect(snapshot.peers[bob]!.framesDecoded).toBeGreaterThan(0);
    }, MEDIA_TIMEOUT);
    expect(streams.at(-1)).not.toBe(meshStream);
    expect(states).not.toContain('closed');

    // An offer of another room (an older epoch) changes nothing.
    await mine.handleSfuOffer(
      await room.offerStreams(callId, 10, [{ userId: bob, stream: await capture() }]),
    );
    expect(room.answers.map((a) => a.epoch)).toEqual([11]);

    // Failover: a new room replaces the old one; the UI never sees Bob leave.
    mine.useTopology({ callId, topology: 'sfu', epoch: 12 });
    await vi.waitFor(() => expect(room.published.map((p) => p.epoch)).toEqual([11, 12]), MEDIA_TIMEOUT);
    await mine.handleSfuOffer(
      await room.offerStreams(callId, 12, [{ userId: bob, stream: await capture() }]),
    );
    await vi.waitFor(async () => {
      const peer = (await mine.mediaSnapshot()).peers[bob]!;
      expect(peer).toMatchObject({ via: 'sfu', state: 'connected' });
    }, MEDIA_TIMEOUT);
    expect(states).not.toContain('closed');

    mine.removePeer(bob);
    expect(states.filter((s) => s === 'closed')).toHaveLength(1);
  });

  test('after a socket drop ended our session in the room, its announcement with sessionEnded brings us back in it, once', async () => {
    const callId = crypto.randomUUID();
    const [me, bob] = [crypto.randomUUID(), crypto.randomUUID()];
    const room = newRoom();
    const mine = new CallEngine({
      callId,
      selfUserId: me,
      signaling: { ...new LoopbackSignaling().portFor(me), ...sfuPortOf(room) },
      fetchIceServers: async () => ({ iceServers: [], expiresAt: null }),
    });
    cleanups.push(() => mine.cleanup());
    await mine.initializeLocalStream(true, true);
    const states: PeerState[] = [];
    mine.on('peer-state', (userId, state) => userId === bob && states.push(state));
    const bobsMedia = await capture();
    const receivingBob = () =>
      vi.waitFor(async () => {
        const peer = (await mine.mediaSnapshot()).peers[bob];
        expect(peer).toMatchObject({ via: 'sfu', state: 'connected' });
        expect(peer!.framesDecoded).toBeGreaterThan(0);
      }, MEDIA_TIMEOUT);

    mine.useTopology({ callId, topology: 'sfu', epoch: 21 });
    mine.connectToPeer(bob);
    await vi.waitFor(() => expect(room.published).toHaveLength(1), MEDIA_TIMEOUT);
    await mine.handleSfuOffer(await room.offerStreams(callId, 21, [{ userId: bob, stream: bobsMedia }]));
    await receivingBob();

    // Announced again with the session intact (a second socket of this device kept it): nothing changes.
    mine.useTopology({ callId, topology: 'sfu', epoch: 21 });
    // Our socket dropped and the server ended our session; the reconnected socket is told so.
    room.endSession(21);
    mine.useTopology({ callId, topology: 'sfu', epoch: 21, sessionEnded: true });
    // Then the same room is announced again without the flag (the answer of a rejoin): no second restart.
    mine.useTopology({ callId, topology: 'sfu', epoch: 21 });
    await vi.waitFor(() => expect(room.published).toHaveLength(2), MEDIA_TIMEOUT);
    await mine.handleSfuOffer(await room.offerStreams(callId, 21, [{ userId: bob, stream: bobsMedia }]));
    // Bob's video plays again through the room's new connections (their counters start from zero).
    await receivingBob();
    expect(room.published.map((p) => p.epoch)).toEqual([21, 21]);
    expect(room.answers.map((a) => a.epoch)).toEqual([21, 21]);
    expect(mine.route).toEqual({ topology: 'sfu', epoch: 21 });
    // Bob never left the UI.
    expect(states).not.toContain('closed');
  });
});

function sfuPortOf(
  room: FakeSfuRoom,
): Pick<SignalingPort, 'sfuPublish' | 'sfuAnswer' | 'sfuIceCandidate' | 'sfuView'> {
  return {
    sfuPublish: room.sfuPublish,
    sfuAnswer: room.sfuAnswer,
    sfuIceCandidate: room.sfuIceCandidate,
    sfuView: room.sfuView,
  };
}
