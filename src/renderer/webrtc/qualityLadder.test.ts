import { describe, expect, test } from 'vitest';
import {
  encodingForProfile,
  INITIAL_LADDER_STATE,
  MAX_CLEAN_SAMPLES_BEFORE_TRY,
  nextLadderState,
} from './qualityLadder.ts';
import type { LadderInput, LadderState, VideoProfileName } from './qualityLadder.ts';

type Sample = Partial<LadderInput>;
const sample = (estimateKbps: number | null, peerLossPct: number | null = 0): Sample => ({
  estimateKbps,
  peerLossPct,
});
/** Random loss on the way to the peer that NACKs repair: lost before repair, hardly any after. */
const lossy = (estimateKbps: number, sendLossPct = 8): Sample => ({
  estimateKbps,
  peerLossPct: 1,
  sendLossPct,
});

/** The rung after each 3 s sample, starting from the initial state. */
function rungsAfter(samples: readonly Sample[]): VideoProfileName[] {
  let state = INITIAL_LADDER_STATE;
  return samples.map((s) => {
    state = nextLadderState(state, { estimateKbps: null, peerLossPct: null, floor: 'audio', ...s });
    return state.profile;
  });
}

/**
 * What Chromium's estimate does while a rung's encoder is capped below the link: it cannot grow past ~1.5x
 * the bitrate sent, so it never shows room for the next rung by itself.
 */
const appLimited: Record<VideoProfileName, number> = { hd: 3000, sd: 1200, ld: 340, audio: 70 };

describe('the send ladder follows the bandwidth estimate', () => {
  test('starts at SD and moves to HD on the first sample of a link that carries it', () => {
    expect(INITIAL_LADDER_STATE.profile).toBe('sd');
    expect(rungsAfter([sample(1800)])).toEqual(['hd']);
  });

  test('under a 300 kbit/s cap it settles on LD at the first sample, without passing through SD', () => {
    expect(rungsAfter([sample(260)])).toEqual(['ld']);
    expect(rungsAfter([sample(1800), sample(280)])).toEqual(['hd', 'ld']);
    expect(rungsAfter([{ ...sample(260), startingUp: true }])).toEqual(['ld']);
  });

  test('the sample right after media starts never moves up: its estimate may be the start-up probe’s', () => {
    // What a 300 kbit/s cap read one second after the answer, then three seconds later.
    expect(rungsAfter([{ ...sample(1782), startingUp: true }, sample(338)])).toEqual(['sd', 'ld']);
    // The next sample climbs as usual.
    expect(rungsAfter([{ ...sample(1800), startingUp: true }, sample(1800)])).toEqual(['sd', 'hd']);
    // Nor does it count as a clean sample toward a try up: that still takes two samples of the 3 s cadence.
    expect(rungsAfter([{ ...sample(700), startingUp: true }, sample(700), sample(700)])).toEqual([
      'sd',
      'sd',
      'hd',
    ]);
  });

  test('room above the rung counts only once we sent most of the estimate or of the rung’s cap', () => {
    // A probe through a 300 kbit/s bottleneck that took its burst at line rate, while we send 280.
    expect(rungsAfter([{ ...sample(887), sentKbps: 280 }])).toEqual(['sd']);
    expect(rungsAfter([{ ...sample(1744), sentKbps: 280 }])).toEqual(['sd']);
    // A real 2 Mbit/s link: the SD encoder sends near its 800 kbit/s cap, and the estimate is believed.
    expect(rungsAfter([{ ...sample(1800), sentKbps: 700 }])).toEqual(['hd']);
    // From LD (cap 200 kbit/s) what an LD sender sends backs the room for SD.
    expect(rungsAfter([sample(260), { ...sample(700), sentKbps: 250 }])).toEqual(['ld', 'sd']);
    // Down moves need no backing.
    expect(rungsAfter([{ ...sample(260), sentKbps: 40 }])).toEqual(['ld']);
  });

  test('keeps a rung while the estimate stays above its floor, and needs more to climb to it (hysteresis)', () => {
    // 1100 kbit/s keeps HD (stay 1000) but does not reach it from SD (enter 1250).
    expect(rungsAfter([sample(1800), sample(1100), sample(1100)])).toEqual(['hd', 'hd', 'hd']);
    expect(rungsAfter([sample(1100)])).toEqual(['sd']);
    expect(rungsAfter([sample(1300)])).toEqual(['hd']);
  });

  test('an estimate below the rung that only echoes what a still picture needs does not step down', () => {
    // 360 lines of a still picture at SD need ~150 kbit/s; Chromium's estimate then stays at ~220.
    const echo = { estimateKbps: 220, peerLossPct: 0, estimatePressed: false };
    expect(rungsAfter([echo])).toEqual(['sd']);
    expect(rungsAfter(Array(8).fill(echo))).not.toContain('ld');
    // The same estimate while the encoder wants more than it gives: the link is full, LD at once.
    expect(rungsAfter([{ ...echo, estimatePressed: true }])).toEqual(['ld']);
  });

  test('pauses video only when even LD does not fit twice in a row, and tries LD again later', () => {
    const rungs = rungsAfter([
      sample(1800),
      sample(90),
      sample(90),
      sample(appLimited.audio),
      sample(appLimited.audio),
      sample(200),
    ]);
    expect(rungs).toEqual(['hd', 'ld', 'audio', 'audio', 'ld', 'ld']);
  });

  test('a shared screen is capped at LD, never paused, and resumes at once if video was paused', () => {
    let state = INITIAL_LADDER_STATE;
    for (const estimateKbps of [90, 90, 90]) {
      state = nextLadderState(state, { estimateKbps, peerLossPct: 0, floor: 'ld' });
    }
    expect(state.profile).toBe('ld');
    state = nextLadderState(
      { ...state, profile: 'audio' },
      { estimateKbps: null, peerLossPct: 0, floor: 'ld' },
    );
    expect(state.profile).toBe('ld');
  });
});

describe('the send ladder follows the peer’s reception', () => {
  test('two poor samples step down one rung, and a fair one between them does not reset the count', () => {
    // Issue #12: poor, fair, poor stepped down in one run of three because 'fair' cleared the streak.
    expect(rungsAfter([sample(1800), sample(1800, 8), sample(1800, 3), sample(1800, 8)])).toEqual([
      'hd',
      'hd',
      'hd',
      'sd',
    ]);
  });

  test('a good sample clears the count, and loss alone never pauses video', () => {
    expect(rungsAfter([sample(1800), sample(1800, 8), sample(1800, 1), sample(1800, 8)]).at(-1)).toBe('hd');
    expect(rungsAfter(Array(12).fill(sample(1800, 9))).at(-1)).toBe('ld');
  });

  test('random loss that NACKs repair costs at most SD, though Chromium’s estimate falls to LD’s range', () => {
    // bench:network: at 5-10 % loss the estimate fell to 170-280 kbit/s and the ladder went to LD, where a
    // bare connection, which only lowers its bitrate, kept 360-540 lines.
    expect(rungsAfter([sample(1800), lossy(280), lossy(190), lossy(250, 5)])).toEqual([
      'hd',
      'sd',
      'sd',
      'sd',
    ]);
    // The same estimate without loss before repair is a full link: LD at once.
    expect(rungsAfter([sample(1800), sample(280)])).toEqual(['hd', 'ld']);
  });

  test('under loss an estimate that cannot carry even LD, or loss NACKs cannot repair, still steps down', () => {
    expect(rungsAfter([sample(1800), lossy(130)]).at(-1)).toBe('ld');
    const unrepaired = { estimateKbps: 280, peerLossPct: 8, sendLossPct: 12 };
    expect(rungsAfter([sample(1800), unrepaired]).at(-1)).toBe('ld');
  });

  test('does not climb while the peer still loses packets, even if the estimate has room', () => {
    expect(
      rungsAfter([sample(1800), sample(1800, 8), sample(1800, 8), sample(1800, 3), sample(1800, 3)]),
    ).toEqual(['hd', 'hd', 'sd', 'sd', 'sd']);
    expect(rungsAfter([sample(1800), sample(1800, 8), sample(1800, 8), sample(1800, 0)]).at(-1)).toBe('hd');
  });
});

/** Settled on LD after failed tries: the longest wait before the next one. */
const settledOnLd: LadderState = {
  ...INITIAL_LADDER_STATE,
  profile: 'ld',
  cleanSamplesBeforeTry: MAX_CLEAN_SAMPLES_BEFORE_TRY,
};

describe('climbing back when the link gets better', () => {
  test('tries one rung up after two clean samples, and a try that falls back waits twice as long', () => {
    // A 300 kbit/s cap that stays: LD, try SD (which the probe shows does not fit), back to LD.
    const capped = rungsAfter([
      sample(260),
      sample(appLimited.ld),
      sample(appLimited.ld),
      sample(280),
      ...Array(MAX_CLEAN_SAMPLES_BEFORE_TRY).fill(sample(appLimited.ld)),
      sample(280),
    ]);
    expect(capped).toEqual(['ld', 'ld', 'sd', 'ld', 'ld', 'ld', 'ld', 'sd', 'ld']);
  });

  test('after the cap is lifted it is back at HD within five samples (15 s), even at the longest wait', () => {
    // Settled on LD with the longest wait between tries, then the cap goes away at sample 0.
    let state: LadderState = { ...settledOnLd };
    const rungs: VideoProfileName[] = [];
    for (const estimateKbps of [
      appLimited.ld,
      appLimited.ld,
      appLimited.ld,
      appLimited.ld, // the try: SD is sent, Chromium probes the new allocation
      900, // the probe found room: SD holds and the estimate keeps growing
    ]) {
      state = nextLadderState(state, { estimateKbps, peerLossPct: 0, floor: 'audio' });
      rungs.push(state.profile);
    }
    expect(rungs.slice(0, 4)).toEqual(['ld', 'ld', 'ld', 'sd']);
    state = nextLadderState(state, { estimateKbps: 1400, peerLossPct: 0, floor: 'audio' });
    expect(state.profile).toBe('hd');
  });

  test('a try is judged over more than one sample: an estimate still growing back keeps it (issue #12)', () => {
    // Loss pushed the estimate (and the ladder) down; the loss ended. Chromium's loss-based estimate
    // recovers over several seconds, so at the try's first sample it is higher than before but not yet
    // enough for SD. Judged after that one sample, the try failed and the next one came 12 s later.
    let state: LadderState = { ...INITIAL_LADDER_STATE, profile: 'ld', lastEstimateKbps: 196 };
    const rungs: VideoProfileName[] = [];
    for (const estimateKbps of [null, null, 274, 330, 450, 450]) {
      state = nextLadderState(state, { estimateKbps, peerLossPct: 0, floor: 'audio' });
      rungs.push(state.profile);
    }
    expect(rungs).toEqual(['ld', 'sd', 'sd', 'sd', 'sd', 'sd']);
    expect(state.cleanSamplesBeforeTry).toBe(2);
    expect(state.trying).toBeNull();
  });

  test('a try that never shows room falls back after three samples and waits twice as long', () => {
    let state: LadderState = { ...INITIAL_LADDER_STATE, profile: 'ld', lastEstimateKbps: 340 };
    const rungs: VideoProfileName[] = [];
    for (const estimateKbps of [340, 340, 320, 330, 320]) {
      state = nextLadderState(state, { estimateKbps, peerLossPct: 0, floor: 'audio' });
      rungs.push(state.profile);
    }
    expect(rungs).toEqual(['ld', 'sd', 'sd', 'sd', 'ld']);
    expect(state.cleanSamplesBeforeTry).toBe(4);
  });

  test('a try whose encoder gets all it asks for holds, though the estimate shows no room', () => {
    let state: LadderState = { ...INITIAL_LADDER_STATE, profile: 'ld', lastEstimateKbps: 150 };
    const rungs: VideoProfileName[] = [];
    for (const estimateKbps of [150, 150, 185, 200, 220]) {
      state = nextLadderState(state, {
        estimateKbps,
        peerLossPct: 0,
        estimatePressed: false,
        floor: 'audio',
      });
      rungs.push(state.profile);
    }
    expect(rungs).toEqual(['ld', 'sd', 'sd', 'sd', 'hd']);
  });

  test('a try during which the peer starts losing what NACKs cannot repair fails at once', () => {
    let state: LadderState = { ...INITIAL_LADDER_STATE, profile: 'ld', lastEstimateKbps: 340 };
    for (const estimateKbps of [340, 340]) {
      state = nextLadderState(state, { estimateKbps, peerLossPct: 0, floor: 'audio' });
    }
    expect(state.profile).toBe('sd');
    state = nextLadderState(state, { estimateKbps: 340, peerLossPct: 9, floor: 'audio' });
    expect(state.profile).toBe('ld');
  });

  test('a try that held resets the wait to two samples', () => {
    let state: LadderState = { ...settledOnLd };
    for (const estimateKbps of [340, 340, 340, 340, 900, 900]) {
      state = nextLadderState(state, { estimateKbps, peerLossPct: 0, floor: 'audio' });
    }
    expect(state.profile).toBe('sd');
    expect(state.cleanSamplesBeforeTry).toBe(2);
  });
});

describe('encodingForProfile', () => {
  test('scales a 720p camera to each rung’s height with the ladder’s bitrates', () => {
    const camera = { height: 720, isScreen: false };
    expect(encodingForProfile('hd', camera)).toEqual({
      active: true,
      maxBitrate: 2_000_000,
      scaleResolutionDownBy: 1,
    });
    expect(encodingForProfile('sd', camera)).toEqual({
      active: true,
      maxBitrate: 800_000,
      scaleResolutionDownBy: 1.5,
    });
    expect(encodingForProfile('ld', camera)).toEqual({
      active: true,
      maxBitrate: 200_000,
      scaleResolutionDownBy: 3,
    });
  });

  test('the audio-only rung stops the video encoding', () => {
    expect(encodingForProfile('audio', { height: 720, isScreen: false }).active).toBe(false);
  });

  test('never scales up a camera smaller than the rung', () => {
    expect(encodingForProfile('sd', { height: 360, isScreen: false }).scaleResolutionDownBy).toBe(1);
  });

  test('keeps a screen share at full resolution and only caps its bitrate', () => {
    expect(encodingForProfile('ld', { height: 1080, isScreen: true })).toEqual({
      active: true,
      maxBitrate: 200_000,
      scaleResolutionDownBy: 1,
    });
  });
});
