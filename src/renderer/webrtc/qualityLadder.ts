import type { ConnectionQuality } from '../../shared/protocol.ts';

/**
 * The send-side video ladder (spec "Media Codecs": HD 1280x720 default, SD 640x480 for low bandwidth, LD
 * 320x240 for very low bandwidth, 500 kbps-2 Mbps adaptive). In a mesh each peer connection has its own
 * encoder, so each peer gets the rung its own measured quality allows.
 */
export type VideoProfileName = 'hd' | 'sd' | 'ld';

export const VIDEO_PROFILES: Record<VideoProfileName, { height: number; maxBitrateBps: number }> = {
  hd: { height: 720, maxBitrateBps: 2_000_000 },
  sd: { height: 480, maxBitrateBps: 800_000 },
  ld: { height: 240, maxBitrateBps: 300_000 },
};

const LADDER: readonly VideoProfileName[] = ['hd', 'sd', 'ld'];

/**
 * Hysteresis: stepping down reacts within two samples (6 s) so a congested link recovers quickly; stepping
 * up needs five good samples in a row (15 s) so a link at the edge does not oscillate between rungs, which
 * viewers notice far more than a slightly lower resolution.
 */
export const POOR_SAMPLES_TO_STEP_DOWN = 2;
export const GOOD_SAMPLES_TO_STEP_UP = 5;

export interface LadderState {
  profile: VideoProfileName;
  poorStreak: number;
  goodStreak: number;
}

export const INITIAL_LADDER_STATE: LadderState = { profile: 'hd', poorStreak: 0, goodStreak: 0 };

export function nextLadderState(state: LadderState, quality: ConnectionQuality): LadderState {
  const index = LADDER.indexOf(state.profile);
  if (quality === 'poor') {
    const poorStreak = state.poorStreak + 1;
    if (poorStreak >= POOR_SAMPLES_TO_STEP_DOWN && index < LADDER.length - 1) {
      return { profile: LADDER[index + 1]!, poorStreak: 0, goodStreak: 0 };
    }
    return { profile: state.profile, poorStreak, goodStreak: 0 };
  }
  if (quality === 'good') {
    const goodStreak = state.goodStreak + 1;
    if (goodStreak >= GOOD_SAMPLES_TO_STEP_UP && index > 0) {
      return { profile: LADDER[index - 1]!, poorStreak: 0, goodStreak: 0 };
    }
    return { profile: state.profile, poorStreak: 0, goodStreak };
  }
  // 'fair' is where the ladder should rest: it breaks both streaks.
  return { profile: state.profile, poorStreak: 0, goodStreak: 0 };
}

/**
 * The encoding parameters of a rung for the current source. Camera frames are scaled down to the rung's
 * height (never up). Screen content keeps its full resolution, because scaled-down text is unreadable;
 * only its bitrate is capped, and the 'detail' content hint makes the encoder drop frames instead.
 */
export function encodingForProfile(
  profile: VideoProfileName,
  source: { height: number | null; isScreen: boolean },
): { maxBitrate: number; scaleResolutionDownBy: number } {
  const { height, maxBitrateBps } = VIDEO_PROFILES[profile];
  const scale = source.isScreen || source.height === null ? 1 : Math.max(1, source.height / height);
  return { maxBitrate: maxBitrateBps, scaleResolutionDownBy: scale };
}
