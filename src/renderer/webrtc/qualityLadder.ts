/**
 * The send-side video ladder (spec "Media Codecs": HD 1280x720 default, SD 640x480 for low bandwidth, LD
 * 320x240 for very low bandwidth; "Poor Quality: reduce video resolution, switch to audio-only"). In a mesh
 * each peer connection has its own encoder, so each peer gets the rung its own link allows.
 *
 * It follows two signals, read every quality sample (3 s):
 * - our congestion controller's bandwidth estimate toward the peer (availableOutgoingBitrate), which moves
 *   straight to the rung that fits, down at once so a capped link settles within one sample (the first
 *   comes a second after the answer, qualityMonitor.ts), up at once when the estimate has room for the
 *   higher rung and what we send backs it (a probe's burst can read several times the link);
 * - the peer's reception: loss that retransmission could not repair (two poor samples step down one rung,
 *   whatever fair samples come between them; only a good sample clears the count), and loss before repair,
 *   which tells random loss from a full link. Chromium's loss-based estimate falls under random loss even
 *   where the path has room (bare connections kept 360-540 lines at 5-10 % loss, docs/benchmarks.md), so
 *   while NACKs repair the loss the estimate alone costs at most SD, never LD as a bandwidth cap does.
 * While a rung's encoder is capped below the link, the estimate cannot grow past ~1.5x what is sent, so it
 * never shows room for the next rung: after a few clean samples the ladder tries one rung up (Chromium
 * probes the new allocation). The try is judged over up to TRY_SAMPLES samples, because a probe (or a
 * loss-based estimate recovering after the loss ended) can take more than one sample to show the room: it
 * fails at once when the estimate falls below where it was before the try (the try congests the link) or
 * the peer starts losing what NACKs cannot repair, and at the end when the estimate still shows no room.
 * A failed try makes the next one wait twice as long.
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
/** Four clean samples (12 s) and a try that shows room at its first sample: back up within 15 s. */
export const MAX_CLEAN_SAMPLES_BEFORE_TRY = 4;
/** The longest a try may take to show room for its rung. */
export const TRY_SAMPLES = 3;
/** The share of the estimate (or of the rung's cap) we must have sent for its room to count (sentKbps). */
const ROOM_BACKED_SHARE = 0.6;
/** A try whose estimate falls below this share of the estimate before it congested the link. */
const TRY_FELL_RATIO = 0.85;
const LOSS_POOR_PCT = 5;
const LOSS_GOOD_PCT = 2;
/** The rung random loss can cost at most while NACKs repair it (see above). */
const LOSS_DRIVEN_FLOOR: VideoProfileName = 'sd';

export interface LadderInput {
  /**
   * Our bandwidth estimate toward the peer, once put to the test (linkQuality.ts: we send most of it or the
   * encoder is held back by it); null while no video is sent or the figure is a leftover nothing probed.
   */
  estimateKbps: number | null;
  /**
   * Whether we want more than the estimate gives (linkQuality.ts: the encoder is held back by bandwidth, or
   * we send nearly all of it). An estimate that only echoes an app-limited sender (a still picture needs
   * little) is no reason to step down: the encoder already gets all it asks for. Absent: pressed.
   */
  estimatePressed?: boolean;
  /** Loss after repair as the peer receives us (what NACKs could not bring back), percent; null: unknown. */
  peerLossPct: number | null;
  /**
   * Loss before repair as the peer receives us (what their receiver reports count lost), percent;
   * null: unknown. Optional: without it every fall of the estimate is taken for a full link.
   */
  sendLossPct?: number | null;
  /**
   * All we sent toward the peer over the sample, kbit/s; null: unknown. An estimate with room above the
   * current rung counts only once we sent most of it or of the rung's own cap: Chromium's probes are short
   * bursts, and a bottleneck whose queue takes a burst at line rate (a token bucket, a home router) makes
   * them read several times the link (887 and 1782 kbit/s on a 300 kbit/s cap) while we send 280.
   */
  sentKbps?: number | null;
  /** The lowest rung allowed: a shared screen is never paused, only capped. */
  floor: 'ld' | 'audio';
  /**
   * The first sample about a second after media started: the estimate may still be Chromium's start-up
   * probe (bursts at 3x and 6x the start bitrate), which a bursty bottleneck lets through, reading
   * 1.8 Mbit/s on a 300 kbit/s cap. Such a sample only moves down; otherwise it changes nothing.
   */
  startingUp?: boolean;
}

/** A rung up being tried: where it came from and how many samples have judged it. */
interface LadderTry {
  from: VideoProfileName;
  /** The last tested estimate before the try; null when none was. */
  fromKbps: number | null;
  samples: number;
}

export interface LadderState {
  profile: VideoProfileName;
  poorLossStreak: number;
  lowEstimateStreak: number;
  cleanStreak: number;
  cleanSamplesBeforeTry: number;
  /** The last tested estimate, the baseline of the next try. */
  lastEstimateKbps: number | null;
  /** Null when the current rung is not being tried. */
  trying: LadderTry | null;
}

/**
 * Starts at SD: on an unknown link the second sample (~3 s) moves to HD when the estimate allows it, while a
 * start at 2 Mbit/s on a capped link would queue seconds of video before the encoder caught up.
 */
export const INITIAL_LADDER_STATE: LadderState = {
  profile: 'sd',
  poorLossStreak: 0,
  lowEstimateStreak: 0,
  cleanStreak: 0,
  cleanSamplesBeforeTry: CLEAN_SAMPLES_BEFORE_TRY,
  lastEstimateKbps: null,
  trying: null,
};

const rank = (profile: VideoProfileName) => LADDER.indexOf(profile);
const lower = (a: VideoProfileName, b: VideoProfileName) => (rank(a) >= rank(b) ? a : b);
const higher = (a: VideoProfileName, b: VideoProfileName) => (rank(a) <= rank(b) ? a : b);

/** The best rung the estimate carries, judged from the current one (stay thresholds at or below it). */
function fittingRung(estimateKbps: number, current: VideoProfileName): VideoProfileName {
  for (const profile of LADDER) {
    const rung = VIDEO_PROFILES[profile];
    const needed = rank(profile) >= rank(current) ? rung.stayKbps : rung.enterKbps;
    if (estimateKbps >= needed) return profile;
  }
  return 'audio';
}

/**
 * The rung the estimate allows. A fall caused by random loss (the peer loses packets before repair, NACKs
 * repair them, and LD still fits) costs at most LOSS_DRIVEN_FLOOR; `heldUp` says the loss is why the rung
 * is higher than the estimate alone would allow (no time to try a rung up).
 */
function estimatedRung(
  state: LadderState,
  input: LadderInput,
  lossPoor: boolean,
): { fitting: VideoProfileName; heldUp: boolean } {
  const { profile } = state;
  // While video is paused only Opus is sent: the estimate then says nothing about room for video.
  if (input.estimateKbps === null || profile === 'audio') return { fitting: profile, heldUp: false };
  const estimated = fittingRung(input.estimateKbps, profile);
  const rungCapKbps = VIDEO_PROFILES[profile].maxBitrateBps / 1000;
  const roomBacked =
    input.sentKbps == null || input.sentKbps >= ROOM_BACKED_SHARE * Math.min(input.estimateKbps, rungCapKbps);
  const unpressed = input.estimatePressed === false ? higher(estimated, profile) : estimated;
  const fitting = roomBacked ? unpressed : lower(unpressed, profile);
  const lossDriven =
    !lossPoor &&
    (input.sendLossPct ?? 0) >= LOSS_GOOD_PCT &&
    input.estimateKbps >= VIDEO_PROFILES.ld.enterKbps;
  if (!lossDriven) return { fitting, heldUp: false };
  const kept = higher(fitting, lower(profile, LOSS_DRIVEN_FLOOR));
  return { fitting: kept, heldUp: kept !== fitting };
}

export function nextLadderState(state: LadderState, input: LadderInput): LadderState {
  const next = ladderStep(state, input);
  // Neither may it count toward a try: tries wait for two clean samples of the 3 s cadence.
  return input.startingUp === true && rank(next.profile) <= rank(state.profile) ? state : next;
}

function ladderStep(state: LadderState, input: LadderInput): LadderState {
  const { profile } = state;
  const lossPoor = input.peerLossPct !== null && input.peerLossPct > LOSS_POOR_PCT;
  const lossGood = input.peerLossPct === null || input.peerLossPct < LOSS_GOOD_PCT;
  const poorLossStreak = lossPoor ? state.poorLossStreak + 1 : lossGood ? 0 : state.poorLossStreak;
  const { fitting, heldUp } = estimatedRung(state, input, lossPoor);
  const lowEstimateStreak = fitting === 'audio' && profile !== 'audio' ? state.lowEstimateStreak + 1 : 0;
  const lastEstimateKbps = input.estimateKbps ?? state.lastEstimateKbps;
  const base = { ...state, poorLossStreak, lowEstimateStreak, lastEstimateKbps };
  // Sharing a screen while video was paused: the screen goes out at the floor at once.
  if (rank(profile) > rank(input.floor))
    return { ...base, profile: input.floor, cleanStreak: 0, trying: null };

  const moveDown = (to: VideoProfileName, failedTry: boolean): LadderState => {
    const target = lower(to, input.floor) === to ? input.floor : to;
    if (target === profile && !failedTry) return { ...base, cleanStreak: 0 };
    return {
      ...base,
      profile: target,
      cleanStreak: 0,
      poorLossStreak: 0,
      trying: null,
      cleanSamplesBeforeTry: failedTry
        ? Math.min(MAX_CLEAN_SAMPLES_BEFORE_TRY, state.cleanSamplesBeforeTry * 2)
        : state.cleanSamplesBeforeTry,
    };
  };

  let trying = state.trying;
  let cleanSamplesBeforeTry = state.cleanSamplesBeforeTry;
  let tryHeld = false;
  if (trying !== null) {
    const samples = trying.samples + 1;
    const fell =
      input.estimateKbps !== null &&
      trying.fromKbps !== null &&
      input.estimateKbps < trying.fromKbps * TRY_FELL_RATIO;
    // Null: nothing tested the estimate (a still picture needs little): no evidence either way.
    const roomShown = input.estimateKbps === null ? null : rank(fitting) <= rank(profile);
    if (fell || lossPoor || (roomShown === false && samples >= TRY_SAMPLES)) {
      return moveDown(lower(trying.from, fitting), true);
    }
    if (roomShown !== true && samples < TRY_SAMPLES) {
      return { ...base, cleanStreak: 0, trying: { ...trying, samples } };
    }
    // The try held: it is a rung like any other, and the next try waits the normal time again.
    trying = null;
    cleanSamplesBeforeTry = CLEAN_SAMPLES_BEFORE_TRY;
    tryHeld = true;
  }
  const held = { ...base, trying, cleanSamplesBeforeTry };

  if (rank(fitting) > rank(profile)) {
    const pause = fitting === 'audio' && lowEstimateStreak >= LOW_SAMPLES_TO_PAUSE_VIDEO;
    return moveDown(fitting === 'audio' && !pause ? lower(profile, 'ld') : fitting, false);
  }
  if (poorLossStreak >= POOR_LOSS_SAMPLES_TO_STEP_DOWN && rank(profile) < rank('ld')) {
    return moveDown(LADDER[rank(profile) + 1]!, false);
  }
  if (!lossGood || heldUp) return { ...held, cleanStreak: 0 };
  if (rank(fitting) < rank(profile)) return { ...held, profile: fitting, cleanStreak: 0 };
  if (profile === 'hd') return { ...held, cleanStreak: 0 };
  // The sample that ends a try does not count toward the next one.
  const cleanStreak = tryHeld ? 0 : state.cleanStreak + 1;
  if (cleanStreak >= cleanSamplesBeforeTry) {
    return {
      ...held,
      profile: LADDER[rank(profile) - 1]!,
      cleanStreak: 0,
      trying: { from: profile, fromKbps: lastEstimateKbps, samples: 0 },
    };
  }
  return { ...held, cleanStreak };
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
