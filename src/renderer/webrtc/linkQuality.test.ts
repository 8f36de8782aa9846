import { describe, expect, test } from 'vitest';
import { classifyQuality } from '../../shared/protocol/index.ts';
import type { StatsEntry } from './connectionStats.ts';
import { measureConnection } from './connectionStats.ts';
import { gradePeerLink, readLinkCounters } from './linkQuality.ts';

const toPeerQualitySample = (...args: Parameters<typeof gradePeerLink>) => gradePeerLink(...args).sample;

/**
 * Two reports 3 s apart, shaped like Chromium 156's getStats() of a 1:1 call (the fields it fills, plus some
 * noise). Each stream's counters are given at t and at t + 3 s.
 */
interface Interval {
  atMs: [number, number];
  inboundVideo: Record<string, [number, number]>;
  inboundAudio: Record<string, [number, number]>;
  outboundVideo: Record<string, [number, number]>;
  remoteInboundVideo: Record<string, [number, number]>;
  pair: { rttS: number; availableOutgoingBitrate: number };
}

function reports(interval: Interval): [StatsEntry[], StatsEntry[]] {
  const at = (i: 0 | 1, fields: Record<string, [number, number]>) =>
    Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v[i]]));
  const report = (i: 0 | 1): StatsEntry[] => {
    const timestamp = interval.atMs[i];
    return [
      { id: 'T01', type: 'transport', timestamp, selectedCandidatePairId: 'CP1', dtlsState: 'connected' },
      {
        id: 'CP1',
        type: 'candidate-pair',
        timestamp,
        state: 'succeeded',
        nominated: true,
        currentRoundTripTime: interval.pair.rttS,
        availableOutgoingBitrate: interval.pair.availableOutgoingBitrate,
      },
      { id: 'CIT01_96', type: 'codec', timestamp, mimeType: 'video/VP8', payloadType: 96 },
      {
        id: 'IT01V1234',
        type: 'inbound-rtp',
        timestamp,
        kind: 'video',
        mid: '1',
        ssrc: 1234,
        codecId: 'CIT01_96',
        jitter: 0.012,
        frameWidth: 320,
        frameHeight: 240,
        ...at(i, interval.inboundVideo),
      },
      {
        id: 'IT01A5678',
        type: 'inbound-rtp',
        timestamp,
        kind: 'audio',
        mid: '0',
        ssrc: 5678,
        jitter: 0.004,
        ...at(i, interval.inboundAudio),
      },
      {
        id: 'OT01V42',
        type: 'outbound-rtp',
        timestamp,
        kind: 'video',
        mid: '1',
        ssrc: 42,
        ...at(i, interval.outboundVideo),
      },
      {
        id: 'RIT01V42',
        type: 'remote-inbound-rtp',
        timestamp,
        kind: 'video',
        ssrc: 42,
        localId: 'OT01V42',
        jitter: 0.02,
        roundTripTime: interval.pair.rttS,
        fractionLost: 0.01,
        ...at(i, interval.remoteInboundVideo),
      },
    ];
  };
  return [report(0), report(1)];
}

/** The sample of one interval; `edit` changes the later report first (fields an Interval does not cover). */
function sample(
  interval: Interval,
  sendingVideo = true,
  edit: (after: StatsEntry[]) => void = () => {},
  chosenLayer = false,
) {
  const [before, after] = reports(interval);
  edit(after);
  return toPeerQualitySample('peer', {
    previous: readLinkCounters(before),
    current: readLinkCounters(after),
    entries: after,
    path: measureConnection(after),
    sendingVideo,
    chosenLayer,
  });
}

/** Bob's picture arrives at 720 lines (the fixture's is 240): full size, so only its frame rate can hold it back. */
const arrivingAt720p = (after: StatsEntry[]) => {
  for (const e of after) if (e.type === 'inbound-rtp' && e.kind === 'video') e.frameHeight = 720;
};

/** A clean 3 s of a 1:1 video call: ~1.6 Mbit/s each way, 30 ms RTT, no loss. */
const clean: Interval = {
  atMs: [10_000, 13_000],
  inboundVideo: {
    packetsReceived: [9000, 10_200],
    packetsLost: [0, 0],
    retransmittedPacketsReceived: [0, 0],
    bytesReceived: [9_000_000, 9_570_000],
    headerBytesReceived: [300_000, 330_000],
    framesDecoded: [300, 390],
    nackCount: [0, 0],
    pliCount: [1, 1],
    freezeCount: [0, 0],
  },
  inboundAudio: {
    packetsReceived: [500, 650],
    packetsLost: [0, 0],
    bytesReceived: [40_000, 52_000],
    headerBytesReceived: [6000, 7800],
  },
  outboundVideo: {
    packetsSent: [9000, 10_200],
    bytesSent: [9_000_000, 9_600_000],
    retransmittedPacketsSent: [0, 0],
    nackCount: [0, 0],
    pliCount: [1, 1],
  },
  remoteInboundVideo: { packetsLost: [0, 0] },
  pair: { rttS: 0.03, availableOutgoingBitrate: 2_400_000 },
};

/** The same call, but only 60 KB of Bob's video arrived in the 3 s: 160 kbit/s. */
const receiving160Kbps: Interval = {
  ...clean,
  inboundVideo: { ...clean.inboundVideo, bytesReceived: [9_000_000, 9_060_000], headerBytesReceived: [0, 0] },
  inboundAudio: { ...clean.inboundAudio, bytesReceived: [40_000, 40_000], headerBytesReceived: [0, 0] },
};

describe('grading both directions of a peer link', () => {
  test('a clean link is good both ways, with the numbers the hover shows', () => {
    const s = sample(clean);
    expect(s.quality).toBe('good');
    expect(s.receive).toEqual({
      quality: 'good',
      rttMs: 30,
      packetLossPct: 0,
      bitrateKbps: 1637, // payload and headers, video and audio: 613,800 bytes in 3 s
      jitterMs: 12,
      nackPerSecond: 0,
      pliPerSecond: 0,
      freezes: 0,
    });
    expect(s.send).toMatchObject({ quality: 'good', packetLossPct: 0, bitrateKbps: 2400, jitterMs: 20 });
  });

  test('"you receive them" uses the bitrate that arrived, not our own outgoing estimate', () => {
    // Issue #12: the other person's uplink is capped at 300 kbit/s while our uplink estimate is 4.4 Mbit/s.
    const s = sample({ ...receiving160Kbps, pair: { rttS: 0.03, availableOutgoingBitrate: 4_400_000 } });
    expect(s.receive).toMatchObject({ quality: 'poor', bitrateKbps: 160 });
    expect(s.send).toMatchObject({ quality: 'good', bitrateKbps: 4400 });
    // The badge shows the worse direction, and its top-level numbers are the worse of each metric.
    expect(s).toMatchObject({ quality: 'poor', availableBitrateKbps: 160, rttMs: 30 });
  });

  test('a still scene at full frame rate and size is not graded by its low bitrate', () => {
    // 720p at 30 fps with ~160 kbit/s: the encoder has little to send, the link is not what limits it.
    const s = sample(receiving160Kbps, true, arrivingAt720p);
    expect(s.receive).toMatchObject({ quality: 'good', bitrateKbps: 160 });
    expect(s).toMatchObject({ quality: 'good', availableBitrateKbps: 2400 });
  });

  test('frames that arrive but our own busy CPU does not decode are not the link holding the sender back', () => {
    // 720p arriving at 30 fps but decoded at 10 (this machine is loaded), ~160 kbit/s: a still scene on a fine link.
    const busyReceiver: Interval = {
      ...receiving160Kbps,
      inboundVideo: {
        ...receiving160Kbps.inboundVideo,
        framesReceived: [300, 390],
        framesDecoded: [300, 330],
      },
    };
    const s = sample(busyReceiver, true, arrivingAt720p);
    expect(s.receive).toMatchObject({ quality: 'good', bitrateKbps: 160 });
  });

  test('a receiver report with a jitter beyond a minute counts as no jitter, so the report is still accepted', () => {
    const s = sample(clean, true, (after) => {
      for (const e of after) if (e.type === 'remote-inbound-rtp') e.jitter = 4_000_000;
    });
    expect(s.send?.jitterMs).toBeNull();
    expect(s.receive?.jitterMs).toBe(12);
  });

  test('through the SFU a small layer we asked for (a thumbnail) is not graded by its low bitrate', () => {
    // 320x240 at ~160 kbit/s is poor on a mesh link (above), but on the SFU the layer follows the tile size.
    const s = sample(receiving160Kbps, true, () => {}, true);
    expect(s.receive).toMatchObject({ quality: 'good', bitrateKbps: 160 });
    expect(s.quality).toBe('good');
  });

  test('loss is counted before repair: a packet RTX brought back stays counted in packetsLost', () => {
    // 8 % of 1300 expected video packets dropped on the wire; NACKs had 70 of the 104 retransmitted, which
    // Chromium keeps out of the stream's statistics, so packetsLost still counts all 104.
    const s = sample({
      ...clean,
      inboundVideo: {
        ...clean.inboundVideo,
        packetsReceived: [9000, 10_196],
        packetsLost: [0, 104],
        retransmittedPacketsReceived: [0, 70],
        nackCount: [0, 60],
        pliCount: [1, 4],
        freezeCount: [0, 1],
      },
      inboundAudio: { ...clean.inboundAudio, packetsReceived: [500, 638], packetsLost: [0, 12] },
    });
    // (104 + 12) lost out of (1196 + 104) + (138 + 12) expected.
    expect(s.receive).toMatchObject({
      quality: 'poor',
      packetLossPct: 8,
      nackPerSecond: 20,
      pliPerSecond: 1,
      freezes: 1,
    });
    expect(s.packetLossPct).toBe(8);
    expect(s.quality).toBe('poor');
  });

  test('old packets resent over RTX as a bandwidth probe are not loss', () => {
    // Climbing to HD, Chromium padded with 400 RTX packets in 3 s on a link that lost nothing (no NACK).
    const probing: Interval = {
      ...clean,
      inboundVideo: { ...clean.inboundVideo, retransmittedPacketsReceived: [0, 400] },
    };
    expect(sample(probing).receive).toMatchObject({ quality: 'good', packetLossPct: 0 });
  });

  test('our estimate counts only once it was put to the test: sending most of it, or held back by it', () => {
    // A still picture: ~50 kbit/s sent, the estimate stays at a leftover 347 kbit/s that nothing probed.
    const stillPicture: Interval = {
      ...clean,
      outboundVideo: { ...clean.outboundVideo, bytesSent: [9_000_000, 9_018_750] },
      pair: { rttS: 0.005, availableOutgoingBitrate: 347_000 },
    };
    expect(sample(stillPicture).send).toMatchObject({ quality: 'good', bitrateKbps: 347 });
    // The same estimate while the encoder reports bandwidth as its limit: the link is what holds us back.
    const limited = sample(stillPicture, true, (after) => {
      for (const e of after) if (e.type === 'outbound-rtp') e.qualityLimitationReason = 'bandwidth';
    });
    expect(limited.send).toMatchObject({ quality: 'fair', bitrateKbps: 347 });
    expect(limited.availableBitrateKbps).toBe(347);
  });

  test('an estimate that only echoes an app-limited sender (~1.5x what it sends) is not pressed', () => {
    // A 360-line still picture: ~150 kbit/s sent, Chromium lets the estimate grow to ~225 and no further.
    // The ladder must not step down for it: the encoder already gets all it asks for.
    const pressed = (sentBytes: number, limitation = 'none') => {
      const [before, after] = reports({
        ...clean,
        outboundVideo: { ...clean.outboundVideo, bytesSent: [9_000_000, 9_000_000 + sentBytes] },
        pair: { rttS: 0.005, availableOutgoingBitrate: 225_000 },
      });
      for (const e of after) if (e.type === 'outbound-rtp') e.qualityLimitationReason = limitation;
      const link = gradePeerLink('peer', {
        previous: readLinkCounters(before),
        current: readLinkCounters(after),
        entries: after,
        path: measureConnection(after),
        sendingVideo: true,
      });
      return { estimate: link.testedEstimateKbps, pressed: link.estimatePressed };
    };
    expect(pressed(56_250)).toEqual({ estimate: 225, pressed: false }); // 150 kbit/s over 3 s
    expect(pressed(78_750)).toEqual({ estimate: 225, pressed: true }); // 210 kbit/s
    expect(pressed(56_250, 'bandwidth')).toEqual({ estimate: 225, pressed: true });
  });

  test('"they receive you" reads the peer’s receiver reports, and what we retransmitted is repaired', () => {
    const theyLose8Pct: Interval = {
      ...clean,
      outboundVideo: {
        ...clean.outboundVideo,
        packetsSent: [9000, 10_260],
        retransmittedPacketsSent: [0, 60],
        nackCount: [0, 45],
        pliCount: [1, 1],
      },
      remoteInboundVideo: { packetsLost: [10, 106] },
    };
    const s = sample(theyLose8Pct);
    // They report 96 of 1200 original packets lost before repair = 8 %.
    expect(s.send).toMatchObject({ quality: 'poor', packetLossPct: 8, nackPerSecond: 15 });
    expect(s.receive?.quality).toBe('good');
    expect(s.quality).toBe('poor');
    // The ladder follows what stayed lost: 96 less the 60 retransmitted, 3 % of 1200, which a lower rung
    // would not change.
    const [before, after] = reports(theyLose8Pct);
    const link = gradePeerLink('peer', {
      previous: readLinkCounters(before),
      current: readLinkCounters(after),
      entries: after,
      path: measureConnection(after),
      sendingVideo: true,
    });
    expect(link.residualSendLossPct).toBe(3);
  });

  test('3 % loss is fair, and every sample’s grade is what its own numbers earn', () => {
    const s = sample({
      ...clean,
      inboundVideo: { ...clean.inboundVideo, packetsLost: [0, 42] },
    });
    expect(s.receive?.quality).toBe('fair');
    expect(s.quality).toBe(classifyQuality(s));
  });

  test('without video either way only RTT and loss count (audio alone says nothing about bandwidth)', () => {
    const s = sample({ ...clean, inboundVideo: { ...clean.inboundVideo, framesDecoded: [300, 300] } }, false);
    expect(s.receive?.bitrateKbps).toBeNull();
    expect(s.send?.bitrateKbps).toBeNull();
    expect(s.availableBitrateKbps).toBeNull();
    expect(s.quality).toBe('good');
  });

  test('the first sample, or one after the connection was replaced, grades only the round trip', () => {
    const [, after] = reports({ ...clean, pair: { rttS: 0.35, availableOutgoingBitrate: 2_400_000 } });
    const input = { entries: after, path: measureConnection(after), sendingVideo: true };
    const first = toPeerQualitySample('peer', { ...input, previous: null, current: readLinkCounters(after) });
    expect(first.receive).toMatchObject({
      quality: 'poor',
      rttMs: 350,
      packetLossPct: null,
      bitrateKbps: null,
    });
    expect(first.packetLossPct).toBeNull();

    const [older] = reports({ ...clean, atMs: [1000, 4000] });
    const reset = readLinkCounters(older);
    reset.inbound.packetsReceived = 1_000_000;
    const replaced = toPeerQualitySample('peer', {
      ...input,
      previous: reset,
      current: readLinkCounters(after),
    });
    expect(replaced.receive?.packetLossPct).toBeNull();
  });
});
