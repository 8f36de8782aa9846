import { describe, expect, it } from 'vitest';
import type { PeerQualitySample } from '../../../src/shared/protocol/index.ts';
import { accumulateReport, summariseCallQuality } from './quality.ts';

const PEER_A = '00000000-0000-4000-8000-00000000000a';
const PEER_B = '00000000-0000-4000-8000-00000000000b';

const sample = (overrides: Partial<PeerQualitySample>): PeerQualitySample => ({
  peerUserId: PEER_A,
  rttMs: 50,
  packetLossPct: 0,
  availableBitrateKbps: 1500,
  quality: 'good',
  ...overrides,
});

describe('accumulateReport', () => {
  it('keeps the latest samples and running averages and worsts', () => {
    const first = accumulateReport(
      null,
      [sample({ rttMs: 40 }), sample({ peerUserId: PEER_B, rttMs: 120, quality: 'fair' })],
      new Date(0),
    );
    const second = accumulateReport(
      first,
      [sample({ rttMs: 400, packetLossPct: 8, availableBitrateKbps: 150, quality: 'poor' })],
      new Date(3000),
    );

    expect(second.latest).toHaveLength(1);
    expect(second.reports).toBe(2);
    expect(second.rttMs).toEqual({ sum: 560, count: 3, worst: 400 });
    expect(second.packetLossPct.worst).toBe(8);
    expect(second.availableBitrateKbps.worst).toBe(150);
    expect(second.worstQuality).toBe('poor');
  });

  it('ignores metrics that could not be measured', () => {
    const stats = accumulateReport(null, [sample({ rttMs: null, availableBitrateKbps: null })], new Date(0));
    expect(stats.rttMs).toEqual({ sum: 0, count: 0, worst: null });
    expect(stats.packetLossPct.count).toBe(1);
  });
});

describe('summariseCallQuality', () => {
  it('summarises each reporting participant and the call worst', () => {
    const good = accumulateReport(null, [sample({ rttMs: 20 }), sample({ rttMs: 40 })], new Date(0));
    const fair = accumulateReport(null, [sample({ rttMs: 200, quality: 'fair' })], new Date(0));
    const summary = summariseCallQuality([
      { userId: PEER_A, mediaStats: good },
      { userId: PEER_B, mediaStats: fair },
      { userId: 'never-reported', mediaStats: null },
    ]);
    expect(summary.worstQuality).toBe('fair');
    expect(summary.participants).toHaveLength(2);
    expect(summary.participants[0]).toMatchObject({
      userId: PEER_A,
      rttMs: { avg: 30, worst: 40 },
      worstQuality: 'good',
    });
  });

  it('has no worst quality when nobody reported', () => {
    expect(summariseCallQuality([{ userId: PEER_A, mediaStats: { garbage: true } }])).toEqual({
      worstQuality: null,
      participants: [],
    });
  });
});
