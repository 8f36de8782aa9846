import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { StatsEntry } from './connectionStats.ts';
import { FIRST_SAMPLE_AFTER_MS, QualityMonitor } from './qualityMonitor.ts';
import type { VideoProfileName } from './qualityLadder.ts';
import type { TransportRouter } from './transportRouter.ts';
import type { PeerState } from './types.ts';

/**
 * When the send ladder takes its steps: the monitor's schedule, with getStats() answered by a link whose
 * sender and estimate the test sets (linkQuality.test.ts covers how one report pair is graded).
 */
class FakeLink {
  /** What our encoder sends toward the peer now; 0 while the device rings and holds its media. */
  sendingKbps = 0;
  estimateKbps = 300;
  private bytesSent = 0;
  private lastAt = Date.now();
  readonly profiles: VideoProfileName[] = [];

  report(): Map<string, StatsEntry> {
    const now = Date.now();
    this.bytesSent += Math.round((this.sendingKbps * 1000 * (now - this.lastAt)) / 1000 / 8);
    this.lastAt = now;
    const timestamp = now;
    const entries: StatsEntry[] = [
      { id: 'T01', type: 'transport', timestamp, selectedCandidatePairId: 'CP1' },
      {
        id: 'CP1',
        type: 'candidate-pair',
        timestamp,
        state: 'succeeded',
        nominated: true,
        currentRoundTripTime: 0.03,
        availableOutgoingBitrate: this.estimateKbps * 1000,
      },
      {
        id: 'OT01V42',
        type: 'outbound-rtp',
        timestamp,
        kind: 'video',
        ssrc: 42,
        packetsSent: Math.floor(this.bytesSent / 1000),
        bytesSent: this.bytesSent,
        // A sender that wants more than the link carries: Chromium says bandwidth holds it back.
        qualityLimitationReason: this.sendingKbps > 0 ? 'bandwidth' : 'none',
      },
    ];
    return new Map(entries.map((e) => [e.id as string, e]));
  }
}

const link = () => monitorSetup.link;
let monitorSetup: {
  link: FakeLink;
  monitor: QualityMonitor;
  states: Map<string, PeerState>;
  /** When each quality sample reached the UI, ms into the test. */
  sampledAt: number[];
};

beforeEach(() => {
  vi.useFakeTimers();
  const fake = new FakeLink();
  const transport = {
    getStats: async () => fake.report(),
    setSendProfile: (_userId: string, profile: VideoProfileName) => fake.profiles.push(profile),
  };
  const router = {
    transportFor: () => transport,
    viaOf: () => 'mesh',
    readAudioLevels: async () => ({ local: null, remote: new Map() }),
  } as unknown as TransportRouter;
  const states = new Map<string, PeerState>();
  const startedAt = Date.now();
  const sampledAt: number[] = [];
  const monitor = new QualityMonitor({
    selfUserId: 'me',
    router,
    peerStates: states,
    sending: () => ({ video: true, screen: false, audioEnabled: true }),
    closed: () => false,
    quality: () => sampledAt.push(Date.now() - startedAt),
    audioLevels: () => {},
  });
  monitorSetup = { link: fake, monitor, states, sampledAt };
});

afterEach(() => {
  monitorSetup.monitor.stop();
  vi.useRealTimers();
});

describe('the first samples of a link', () => {
  test('a capped link steps down to LD about a second after the answer, not at the next 3 s tick', async () => {
    const { monitor, states } = monitorSetup;
    states.set('bob', 'connected');
    // Ringing, connected, nothing sent; the answer comes just after a tick.
    await vi.advanceTimersByTimeAsync(3100);
    link().sendingKbps = 280;
    monitor.sampleSoon('bob');
    await vi.advanceTimersByTimeAsync(FIRST_SAMPLE_AFTER_MS + 50);
    expect(link().profiles).toEqual(['ld']);
  });

  test('a long ring that sends nothing does not start a try up as the answer starts the media', async () => {
    const { monitor, states } = monitorSetup;
    states.set('bob', 'connected');
    monitor.sampleSoon('bob');
    link().estimateKbps = 2000;
    // 30 s of ringing: a dozen samples, none of which carried media.
    await vi.advanceTimersByTimeAsync(30_000);
    expect(link().profiles).toEqual([]);
  });

  test('the sample right after the answer ignores a start-up probe that reads far above the link', async () => {
    const { monitor, states } = monitorSetup;
    states.set('bob', 'connected');
    await vi.advanceTimersByTimeAsync(3100);
    link().sendingKbps = 280;
    link().estimateKbps = 1782;
    monitor.sampleSoon('bob');
    await vi.advanceTimersByTimeAsync(FIRST_SAMPLE_AFTER_MS + 50);
    expect(link().profiles).toEqual([]);
    // The next tick reads what the link really carries.
    link().estimateKbps = 300;
    await vi.advanceTimersByTimeAsync(2000);
    expect(link().profiles).toEqual(['ld']);
  });

  test('a tick right after the early sample does not grade an interval too short to mean anything', async () => {
    const { monitor, states, sampledAt } = monitorSetup;
    states.set('bob', 'connected');
    await vi.advanceTimersByTimeAsync(1800);
    link().sendingKbps = 280;
    monitor.sampleSoon('bob');
    // The baseline at 1.8 s, the early sample at 2.8 s; the 3 s tick 0.2 s later waits for the next one.
    await vi.advanceTimersByTimeAsync(FIRST_SAMPLE_AFTER_MS + 300);
    expect(sampledAt).toEqual([1800, 2800]);
    await vi.advanceTimersByTimeAsync(3000);
    expect(sampledAt).toEqual([1800, 2800, 6000]);
  });
});
