/**
 * The two-direction grading on real peer connections in Chromium: Bob's video to Alice is capped at
 * 120 kbit/s (his sender's maxBitrate, as a congested uplink would leave it) while Alice sends at full rate.
 * Alice's "you receive them" must show what arrives, not her own outgoing estimate.
 */
import { afterEach, expect, test } from 'vitest';
import { measureConnection } from './connectionStats.ts';
import type { StatsEntry } from './connectionStats.ts';
import { gradePeerLink, readLinkCounters } from './linkQuality.ts';

const toPeerQualitySample = (...args: Parameters<typeof gradePeerLink>) => gradePeerLink(...args).sample;

const connections: RTCPeerConnection[] = [];
const streams: MediaStream[] = [];
afterEach(() => {
  connections.splice(0).forEach((pc) => pc.close());
  streams.splice(0).forEach((s) => s.getTracks().forEach((t) => t.stop()));
});

async function connectedPair(): Promise<[RTCPeerConnection, RTCPeerConnection]> {
  const alice = new RTCPeerConnection();
  const bob = new RTCPeerConnection();
  connections.push(alice, bob);
  alice.onicecandidate = (e) => void bob.addIceCandidate(e.candidate);
  bob.onicecandidate = (e) => void alice.addIceCandidate(e.candidate);
  for (const pc of [alice, bob]) {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: true,
      video: { width: 640, height: 480 },
    });
    streams.push(stream);
    stream.getTracks().forEach((track) => pc.addTrack(track, stream));
  }
  await alice.setLocalDescription();
  await bob.setRemoteDescription(alice.localDescription!);
  await bob.setLocalDescription();
  await alice.setRemoteDescription(bob.localDescription!);
  await new Promise<void>((resolve) => {
    const check = () => alice.connectionState === 'connected' && resolve();
    alice.addEventListener('connectionstatechange', check);
    check();
  });
  return [alice, bob];
}

const entriesOf = async (pc: RTCPeerConnection) => [...(await pc.getStats()).values()] as StatsEntry[];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function outboundVideoBytes(entries: StatsEntry[]): number {
  return entries
    .filter((e) => e.type === 'outbound-rtp' && e.kind === 'video')
    .reduce((sum, e) => sum + (e.bytesSent as number) + (e.headerBytesSent as number), 0);
}

test('each side grades what it receives from the other, and the badge takes the worse direction', async () => {
  const [alice, bob] = await connectedPair();
  const bobVideo = bob.getSenders().find((s) => s.track?.kind === 'video')!;
  const parameters = bobVideo.getParameters();
  parameters.encodings[0]!.maxBitrate = 120_000;
  await bobVideo.setParameters(parameters);
  await sleep(3000); // the encoder settles on the cap

  const [aliceBefore, bobBefore] = await Promise.all([entriesOf(alice), entriesOf(bob)]);
  await sleep(3000);
  const [aliceAfter, bobAfter] = await Promise.all([entriesOf(alice), entriesOf(bob)]);
  const sampleAt = (before: StatsEntry[], after: StatsEntry[]) =>
    toPeerQualitySample('peer', {
      previous: readLinkCounters(before),
      current: readLinkCounters(after),
      entries: after,
      path: measureConnection(after),
      sendingVideo: true,
    });
  const atAlice = sampleAt(aliceBefore, aliceAfter);
  const atBob = sampleAt(bobBefore, bobAfter);

  // Alice receives Bob at about the cap (plus his audio), and that is "poor" by the spec's < 200 kbps.
  expect(atAlice.receive!.bitrateKbps!).toBeLessThan(200);
  expect(atAlice.receive!.quality).toBe('poor');
  expect(atAlice.quality).toBe('poor');
  // What she received is what Bob's video sender put on the wire (plus ~40 kbps of his audio).
  const bobSentKbps = ((outboundVideoBytes(bobAfter) - outboundVideoBytes(bobBefore)) * 8) / 3000;
  expect(atAlice.receive!.bitrateKbps!).toBeGreaterThanOrEqual(bobSentKbps * 0.8);
  expect(atAlice.receive!.bitrateKbps!).toBeLessThan(bobSentKbps + 80);
  // Bob receives Alice uncapped: several times more.
  expect(atBob.receive!.bitrateKbps!).toBeGreaterThan(atAlice.receive!.bitrateKbps! * 2);
  // A clean loopback loses nothing either way.
  expect(atAlice.receive!.packetLossPct).toBe(0);
  expect(atAlice.send!.packetLossPct).toBe(0);
  expect(atAlice.receive!.jitterMs).not.toBeNull();
  expect(atAlice.send!.jitterMs).not.toBeNull();
}, 30_000);
