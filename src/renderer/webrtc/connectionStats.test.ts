import { describe, expect, test } from 'vitest';
import { localAudioLevel, measureConnection, summarizeReceivedMedia } from './connectionStats.ts';
import type { StatsEntry } from './connectionStats.ts';

/** Shaped like Chromium's getStats() entries (only the fields the readers look at, plus some noise). */
function report(overrides: { pair?: Partial<StatsEntry>; inbound?: StatsEntry[] } = {}): StatsEntry[] {
  return [
    { id: 'T01', type: 'transport', selectedCandidatePairId: 'CPsel', dtlsState: 'connected' },
    { id: 'CPold', type: 'candidate-pair', state: 'failed', currentRoundTripTime: 2.5 },
    {
      id: 'CPsel',
      type: 'candidate-pair',
      state: 'succeeded',
      nominated: true,
      currentRoundTripTime: 0.042,
      availableOutgoingBitrate: 1_234_567,
      ...overrides.pair,
    },
    ...(overrides.inbound ?? [
      { id: 'IA', type: 'inbound-rtp', kind: 'audio', packetsReceived: 1000, packetsLost: 10 },
      { id: 'IV', type: 'inbound-rtp', kind: 'video', packetsReceived: 3000, packetsLost: 30 },
    ]),
    { id: 'OV', type: 'outbound-rtp', kind: 'video', packetsSent: 5000 },
  ];
}

describe('measureConnection', () => {
  test('reads RTT and available bitrate from the selected candidate pair', () => {
    expect(measureConnection(report())).toEqual({ rttMs: 42, availableOutgoingBitrateKbps: 1235 });
  });

  test('falls back to RTCP round-trip time when the pair has none yet', () => {
    const entries = [
      ...report({ pair: { currentRoundTripTime: undefined } }),
      { id: 'RA', type: 'remote-inbound-rtp', kind: 'audio', roundTripTime: 0.12 },
      { id: 'RV', type: 'remote-inbound-rtp', kind: 'video', roundTripTime: 0.15 },
    ];
    expect(measureConnection(entries).rttMs).toBe(150);
  });

  test('reports unknown metrics as null rather than zero', () => {
    const m = measureConnection([{ id: 'T01', type: 'transport' }]);
    expect(m).toEqual({ rttMs: null, availableOutgoingBitrateKbps: null });
  });
});

describe('summarizeReceivedMedia', () => {
  test('names the candidate types of the selected pair (relay when media goes through TURN)', () => {
    const entries: StatsEntry[] = [
      ...report({ pair: { localCandidateId: 'L1', remoteCandidateId: 'R1' } }),
      { id: 'L1', type: 'local-candidate', candidateType: 'relay', address: '203.0.113.254' },
      { id: 'R1', type: 'remote-candidate', candidateType: 'relay', address: '203.0.113.254' },
    ];
    expect(summarizeReceivedMedia(entries).candidatePair).toEqual({ local: 'relay', remote: 'relay' });
  });

  test('sums decoded frames and audio packets and describes the most recently active video', () => {
    const entries: StatsEntry[] = [
      { id: 'C1', type: 'codec', mimeType: 'video/VP8' },
      { id: 'C2', type: 'codec', mimeType: 'video/VP9' },
      { id: 'IA', type: 'inbound-rtp', kind: 'audio', packetsReceived: 500 },
      {
        id: 'IV1',
        type: 'inbound-rtp',
        kind: 'video',
        framesDecoded: 100,
        frameWidth: 1280,
        frameHeight: 720,
        codecId: 'C1',
        lastPacketReceivedTimestamp: 1000,
      },
      {
        id: 'IV2',
        type: 'inbound-rtp',
        kind: 'video',
        framesDecoded: 20,
        frameWidth: 1920,
        frameHeight: 1080,
        codecId: 'C2',
        lastPacketReceivedTimestamp: 2000,
      },
    ];
    expect(summarizeReceivedMedia(entries)).toEqual({
      framesDecoded: 120,
      audioPacketsReceived: 500,
      bytesReceived: 0,
      frameWidth: 1920,
      frameHeight: 1080,
      videoCodec: 'video/VP9',
      candidatePair: null,
    });
  });

  test('is all zeros and nulls with nothing received', () => {
    expect(summarizeReceivedMedia([])).toEqual({
      framesDecoded: 0,
      audioPacketsReceived: 0,
      bytesReceived: 0,
      frameWidth: null,
      frameHeight: null,
      videoCodec: null,
      candidatePair: null,
    });
  });
});

test('localAudioLevel reads the microphone’s media-source level', () => {
  expect(
    localAudioLevel([
      { id: 'SV', type: 'media-source', kind: 'video', width: 1280 },
      { id: 'SA', type: 'media-source', kind: 'audio', audioLevel: 0.25 },
    ]),
  ).toBe(0.25);
  expect(localAudioLevel([])).toBeNull();
});
