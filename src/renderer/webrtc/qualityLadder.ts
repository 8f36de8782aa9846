/**
 * The send-side video ladder (spec "Media Codecs": HD 1280x720 default, SD 640x480 for low bandwidth, LD
 * 320x240 for very low bandwidth; "Poor Quality: reduce video resolution, switch to audio-only"). In a mesh
 * each peer connection has its own encoder, so each peer gets the rung its own link allows.
 *
 * It follows two signals, read every quality sample (3 s):
 * - our congestion controller's bandwidth estimate toward the peer (availableOutgoingBitrate), which moves
 *   straight to the rung that fits, down at once so a capped link settles within one sample, up at once
 *   when the estimate has room for the higher rung;
 * - the peer's reception (loss that retransmission could not repair, from their receiver reports): two poor
 *   samples step down one rung, whatever fair samples come between them (only a good sample clears the count).
 * While a rung's encoder is capped below the link, the estimate cannot grow past ~1.5x what is sent, so it
 * never shows room for the next rung: after a few clean samples the ladder tries one rung up (Chromium
 * probes the new allocation), and a try that falls back right away makes the next one wait twice as long.
 */
export type VideoProfileName = 'hd' | 'sd' | 'ld' | 'audio';

interface Rung {
  /** Camera frames are scaled to this height; null: video paused (audio-only). */
  height: number | null;
  maxBitrateBps: number;
  /** The estimate this rung needs to be kept, and the (higher) one to move up to it: hysteresis. */
  stayKbps: number;
  enterKbps: number;
}

export const VIDEO_PROFILES: Record<VideoProfileName, Rung> = {
  hd: { height: 720, maxBitrateBps: 2_000_000, stayKbps: 1000, enterKbps: 1250 },
  sd: { height: 480, maxBitrateBps: 800_000, stayKbps: 400, enterKbps: 500 },
  // 200 kbit/s of video plus ~40 of Opus and headers fit a 300 kbit/s uplink.
  ld: { height: 240, maxBitrateBps: 200_000, stayKbps: 120, enterKbps: 150 },
  audio: { height: null, maxBitrateBps: 0, stayKbps: 0, enterKbps: 0 },
};

/** Best first. */
const LADDER: readonly VideoProfileName[] = ['hd', 'sd', 'ld', 'audio'];

export const POOR_LOSS_SAMPLES_TO_STEP_DOWN = 2;
/** Pausing video is the last resort: the estimate must say so twice in a row. */
export const LOW_SAMPLES_TO_PAUSE_VIDEO = 2;
export const CLEAN_SAMPLES_BEFORE_TRY = 2;
export const MAX_CLEAN_SAMPLES_BEFORE_TRY = 4;
const LOSS_POOR_PCT = 5;
const LOSS_GOOD_PCT = 2;

export interface LadderInput {
  /**
   * Our bandwidth estimate toward the peer, once put to the test (linkQuality.ts: we send most of it or the
   * encoder is held back by it); null while no video is sent or the figure is a leftover nothing probed.
   */
  estimateKbps: number | null;
  /** Loss after repair as the peer receives us (what NACKs could not bring back), percent; null: unknown. */
  peerLossPct: number | null;
  /** The lowest rung allowed: a shared screen is never paused, only capped. */
  floor: 'ld' | 'audio';
}

export interface LadderState {
  profile: VideoProfileName;
  poorLossStreak: number;
  lowEstimateStreak: number;
  cleanStreak: number;
  cleanSamplesBeforeTry: number;
  /** Samples since the ladder last tried a rung up; null when the current rung was not a try. */
  sinceTry: number | null;
}

/**
 * Starts at SD: on an unknown link the first sample (3 s) moves to HD when the estimate allows it, while a
 * start at 2 Mbit/s on a capped link would queue seconds of video before the encoder caught up.
 */
export const INITIAL_LADDER_STATE: LadderState = {
  profile: 'sd',
  poorLossStreak: 0,
  lowEstimateStreak: 0,
  cleanStreak: 0,
  cleanSamplesBeforeTry: CLEAN_SAMPLES_BEFORE_TRY,
  sinceTry: null,
};

const rank = (profile: VideoProfileName) => LADDER.indexOf(profile);
const lower = (a: VideoProfileName, b: VideoProfileName) => (rank(a) >= rank(b) ? a : b);

/** The best rung the estimate carries, judged from the current one (stay thresholds at or below it). */
function fittingRung(estimateKbps: number, current: VideoProfileName): VideoProfileName {
  for (const profile of LADDER) {
    const rung = VIDEO_PROFILES[profile];
    const needed = rank(profile) >= rank(current) ? rung.stayKbps : rung.enterKbps;
    if (estimateKbps >= needed) return profile;
  }
  return 'audio';
}

export function nextLadderState(state: LadderState, input: LadderInput): LadderState {
  const { profile } = state;
  const lossPoor = input.peerLossPct !== null && input.peerLossPct > LOSS_POOR_PCT;
  const lossGood = input.peerLossPct === null || input.peerLossPct < LOSS_GOOD_PCT;
  const poorLossStreak = lossPoor ? state.poorLossStreak + 1 : lossGood ? 0 : state.poorLossStreak;
  const sinceTry = state.sinceTry === null ? null : state.sinceTry + 1;
  // While video is paused only Opus is sent: the estimate then says nothing about room for video.
  const fitting =
    input.estimateKbps === null || profile === 'audio' ? profile : fittingRung(input.estimateKbps, profile);
  const lowEstimateStreak = fitting === 'audio' && profile !== 'audio' ? state.lowEstimateStreak + 1 : 0;
  const base = { ...state, poorLossStreak, lowEstimateStreak, sinceTry };
  // Sharing a screen while video was paused: the screen goes out at the floor at once.
  if (rank(profile) > rank(input.floor)) return { ...base, profile: input.floor, cleanStreak: 0 };

  const stepDown = (to: VideoProfileName): LadderState => {
    const target = lower(to, input.floor) === to ? input.floor : to;
    if (target === profile) return { ...base, cleanStreak: 0 };
    // A try that could not hold: wait twice as long before the next one.
    const failedTry = sinceTry !== null && sinceTry <= 1;
    return {
      ...base,
      profile: target,
      cleanStreak: 0,
      poorLossStreak: 0,
      sinceTry: null,
      cleanSamplesBeforeTry: failedTry
        ? Math.min(MAX_CLEAN_SAMPLES_BEFORE_TRY, state.cleanSamplesBeforeTry * 2)
        : state.cleanSamplesBeforeTry,
    };
  };

  if (rank(fitting) > rank(profile)) {
    const pause = fitting === 'audio' && lowEstimateStreak >= LOW_SAMPLES_TO_PAUSE_VIDEO;
    return stepDown(fitting === 'audio' && !pause ? lower(profile, 'ld') : fitting);
  }
  if (poorLossStreak >= POOR_LOSS_SAMPLES_TO_STEP_DOWN && rank(profile) < rank('ld')) {
    return stepDown(LADDER[rank(profile) + 1]!);
  }
  if (!lossGood) return { ...base, cleanStreak: 0 };
  // A try that held for two samples is a rung like any other: the next try waits the normal time again.
  const settled =
    sinceTry !== null && sinceTry >= 2
      ? { sinceTry: null, cleanSamplesBeforeTry: CLEAN_SAMPLES_BEFORE_TRY }
      : {};
  if (rank(fitting) < rank(profile)) {
    return { ...base, ...settled, profile: fitting, cleanStreak: 0 };
  }
  if (profile === 'hd') return { ...base, ...settled, cleanStreak: 0 };
  const cleanStreak = state.cleanStreak + 1;
  if (cleanStreak >= state.cleanSamplesBeforeTry) {
    return { ...base, profile: LADDER[rank(profile) - 1]!, cleanStreak: 0, sinceTry: 0 };
  }
  return { ...base, ...settled, cleanStreak };
}

/**
 * The encoding parameters of a rung for the current source. Camera frames are scaled down to the rung's
 * height (never up). Screen content keeps its full resolution, because scaled-down text is unreadable;
 * only its bitrate is capped, and the 'detail' content hint makes the encoder drop frames instead.
 * The audio-only rung stops the video encoding (the track stays, so resuming needs no renegotiation).
 */
export function encodingForProfile(
  profile: VideoProfileName,
  source: { height: number | null; isScreen: boolean },
): { active: boolean; maxBitrate: number; scaleResolutionDownBy: number } {
  const { height, maxBitrateBps } = VIDEO_PROFILES[profile === 'audio' ? 'ld' : profile];
  const scale =
    source.isScreen || source.height === null || height === null ? 1 : Math.max(1, source.height / height);
  return { active: profile !== 'audio', maxBitrate: maxBitrateBps, scaleResolutionDownBy: scale };
}
