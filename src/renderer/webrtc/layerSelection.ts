import type { SfuLayer } from '../../shared/protocol/index.ts';
import type { StatsEntry } from './connectionStats.ts';
import type { RemoteTileView } from './types.ts';

/**
 * Which simulcast layer to ask the SFU for, per remote video stream, and how much the downlink can carry.
 * Pure functions over plain data: the SFU transport feeds them the tiles the UI reports and its subscriber
 * connection's stats, and sends the result as `call:sfu-view` when it changes.
 */

export type VideoSource = 'camera' | 'screen';

export interface LayerChoice {
  userId: string;
  source: VideoSource;
  layer: SfuLayer;
}

/**
 * What a stream costs at each layer, in kbps: the publisher's simulcast caps (see sfuTransport.ts) for the
 * camera. The screen is published as one encoding (scaled-down text is unreadable), so its lower "layers"
 * are nominal: the selection demotes it only after every camera is already at its lowest layer.
 */
export const NOMINAL_LAYER_KBPS: Record<VideoSource, Record<SfuLayer, number>> = {
  camera: { off: 0, low: 120, medium: 400, high: 1200 },
  screen: { off: 0, low: 300, medium: 700, high: 1500 },
};

/** Device pixels of tile height from which a layer is worth its bits (the layers are ~720p, 360p, 180p). */
export const HIGH_LAYER_MIN_HEIGHT_PX = 360;
export const MEDIUM_LAYER_MIN_HEIGHT_PX = 180;
/** The active speaker's tile counts as large from here: people look at it, so it gets the sharp layer sooner. */
export const SPEAKER_HIGH_MIN_HEIGHT_PX = 270;

const LAYER_ORDER: readonly SfuLayer[] = ['off', 'low', 'medium', 'high'];
const rankOf = (layer: SfuLayer): number => LAYER_ORDER.indexOf(layer);

export interface LayerSelectionInput {
  tiles: readonly RemoteTileView[];
  activeSpeakerId: string | null;
  devicePixelRatio: number;
  /** What the downlink can carry; null when nothing says it is short (no cap). */
  budgetKbps: number | null;
}

/** One choice per (userId, source) among the tiles; a stream with several tiles gets its largest one's. */
export function selectLayers(input: LayerSelectionInput): LayerChoice[] {
  const dpr =
    Number.isFinite(input.devicePixelRatio) && input.devicePixelRatio > 0 ? input.devicePixelRatio : 1;
  const byStream = new Map<string, { choice: LayerChoice; heightPx: number }>();
  for (const tile of input.tiles) {
    const heightPx = tile.visible && tile.width > 0 && tile.height > 0 ? tile.height * dpr : 0;
    const layer = wantedLayer(tile, heightPx, tile.userId === input.activeSpeakerId);
    const key = `${tile.userId}\u0000${tile.source}`;
    const known = byStream.get(key);
    if (!known || rankOf(layer) > rankOf(known.choice.layer)) {
      byStream.set(key, { choice: { userId: tile.userId, source: tile.source, layer }, heightPx });
    }
  }
  const streams = [...byStream.values()];
  fitBudget(streams, input.budgetKbps, input.activeSpeakerId);
  return streams.map((s) => s.choice);
}

function wantedLayer(tile: RemoteTileView, heightPx: number, isSpeaker: boolean): SfuLayer {
  if (heightPx === 0) return 'off';
  if (tile.source === 'screen') return 'high';
  if (isSpeaker) {
    // The one people look at while they speak deserves a sharper picture than its tile strictly needs.
    return heightPx >= SPEAKER_HIGH_MIN_HEIGHT_PX ? 'high' : 'medium';
  }
  return heightPx >= HIGH_LAYER_MIN_HEIGHT_PX
    ? 'high'
    : heightPx >= MEDIUM_LAYER_MIN_HEIGHT_PX
      ? 'medium'
      : 'low';
}

export function totalKbps(choices: readonly LayerChoice[]): number {
  return choices.reduce((sum, c) => sum + NOMINAL_LAYER_KBPS[c.source][c.layer], 0);
}

/**
 * Demotes one layer at a time until the sum fits: the largest consumer first (cameras before the screen,
 * which people read), the active speaker last among equals; a visible tile never goes below 'low'.
 */
function fitBudget(
  streams: { choice: LayerChoice; heightPx: number }[],
  budgetKbps: number | null,
  activeSpeakerId: string | null,
): void {
  if (budgetKbps === null) return;
  const choices = () => streams.map((s) => s.choice);
  while (totalKbps(choices()) > budgetKbps) {
    const demotable = streams.filter((s) => rankOf(s.choice.layer) > rankOf('low'));
    if (demotable.length === 0) return;
    demotable.sort((a, b) => demotionOrder(a, b, activeSpeakerId));
    const victim = demotable[0]!;
    victim.choice = { ...victim.choice, layer: LAYER_ORDER[rankOf(victim.choice.layer) - 1]! };
  }
}

function demotionOrder(
  a: { choice: LayerChoice; heightPx: number },
  b: { choice: LayerChoice; heightPx: number },
  activeSpeakerId: string | null,
): number {
  const screenLast = Number(a.choice.source === 'screen') - Number(b.choice.source === 'screen');
  if (screenLast !== 0) return screenLast;
  const cost = (s: { choice: LayerChoice }) => NOMINAL_LAYER_KBPS[s.choice.source][s.choice.layer];
  if (cost(a) !== cost(b)) return cost(b) - cost(a);
  const speakerLast =
    Number(a.choice.userId === activeSpeakerId) - Number(b.choice.userId === activeSpeakerId);
  if (speakerLast !== 0) return speakerLast;
  // Smaller tiles lose less when demoted; the user id only makes the order deterministic.
  if (a.heightPx !== b.heightPx) return a.heightPx - b.heightPx;
  return a.choice.userId < b.choice.userId ? -1 : a.choice.userId > b.choice.userId ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------------------
// Downlink budget
// ---------------------------------------------------------------------------------------------------------

/** One measurement of the subscriber connection over one sampling interval. */
export interface DownlinkSample {
  /** The receive-side bandwidth estimate when the browser reports one (most do not). */
  availableIncomingKbps: number | null;
  receivedKbps: number;
  /** Loss over the interval in percent; null when nothing was expected. */
  lossPct: number | null;
}

export interface DownlinkBudgetState {
  budgetKbps: number | null;
  lossyStreak: number;
  cleanStreak: number;
}

export const INITIAL_DOWNLINK_BUDGET: DownlinkBudgetState = {
  budgetKbps: null,
  lossyStreak: 0,
  cleanStreak: 0,
};

/** Loss above this is congestion (Opus FEC and NACK hide less); below CLEAN_LOSS_PCT the link has room. */
export const CONGESTED_LOSS_PCT = 5;
export const CLEAN_LOSS_PCT = 1;
/**
 * Hysteresis: two lossy samples in a row (6 s) cut the budget to 80 % of what arrives, five clean ones
 * (15 s) raise it by half, and once it is generous enough the cap is lifted. Cutting fast and probing
 * slowly keeps the layers from flapping on a link at its edge.
 */
export const LOSSY_SAMPLES_TO_CUT = 2;
export const CLEAN_SAMPLES_TO_RAISE = 5;
export const CUT_FACTOR = 0.8;
export const RAISE_FACTOR = 1.5;
export const UNCAPPED_FROM_KBPS = 8_000;
/** A reported estimate moves the budget only when it differs by more than this share. */
const ESTIMATE_DEADBAND = 0.2;
/** Below this nothing but the lowest layers fits anyway; a lower cap only starves audio of its share. */
const MIN_BUDGET_KBPS = 150;

export function nextDownlinkBudget(state: DownlinkBudgetState, sample: DownlinkSample): DownlinkBudgetState {
  const estimate = sample.availableIncomingKbps;
  if (estimate !== null && Number.isFinite(estimate) && estimate > 0) {
    const current = state.budgetKbps;
    const moved = current === null || Math.abs(estimate - current) > current * ESTIMATE_DEADBAND;
    return { budgetKbps: moved ? Math.round(estimate) : current, lossyStreak: 0, cleanStreak: 0 };
  }
  const loss = sample.lossPct;
  if (loss !== null && loss > CONGESTED_LOSS_PCT) {
    const lossyStreak = state.lossyStreak + 1;
    if (lossyStreak < LOSSY_SAMPLES_TO_CUT) return { ...state, lossyStreak, cleanStreak: 0 };
    const cut = Math.max(MIN_BUDGET_KBPS, Math.round(sample.receivedKbps * CUT_FACTOR));
    const budgetKbps = state.budgetKbps === null ? cut : Math.min(state.budgetKbps, cut);
    return { budgetKbps, lossyStreak: 0, cleanStreak: 0 };
  }
  if (loss !== null && loss < CLEAN_LOSS_PCT) {
    if (state.budgetKbps === null) return { ...state, lossyStreak: 0, cleanStreak: 0 };
    const cleanStreak = state.cleanStreak + 1;
    if (cleanStreak < CLEAN_SAMPLES_TO_RAISE) return { ...state, lossyStreak: 0, cleanStreak };
    const raised = Math.round(state.budgetKbps * RAISE_FACTOR);
    return { budgetKbps: raised >= UNCAPPED_FROM_KBPS ? null : raised, lossyStreak: 0, cleanStreak: 0 };
  }
  // Nothing received says nothing; some loss is neither congestion nor room to grow: both streaks restart.
  if (loss === null) return state;
  return { ...state, lossyStreak: 0, cleanStreak: 0 };
}

/** The budget the samples (oldest first) lead to; null = unknown, no cap. */
export function downlinkBudgetKbps(samples: readonly DownlinkSample[]): number | null {
  return samples.reduce(nextDownlinkBudget, INITIAL_DOWNLINK_BUDGET).budgetKbps;
}

/** Cumulative receive counters of the subscriber connection, kept between samples. */
export interface DownlinkCounters {
  atMs: number;
  bytesReceived: number;
  packetsReceived: number;
  packetsLost: number;
}

const num = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

/**
 * Reads the counters (and the estimate, if any) from a subscriber report; `sampleFrom` turns two reads into
 * a DownlinkSample.
 */
export function readDownlink(
  entries: Iterable<StatsEntry>,
  atMs: number,
): { counters: DownlinkCounters; availableIncomingKbps: number | null } {
  const counters: DownlinkCounters = { atMs, bytesReceived: 0, packetsReceived: 0, packetsLost: 0 };
  let availableIncomingBps: number | null = null;
  const list = [...entries];
  const selectedPairIds = new Set(
    list
      .filter((e) => e.type === 'transport' && typeof e.selectedCandidatePairId === 'string')
      .map((e) => e.selectedCandidatePairId as string),
  );
  for (const entry of list) {
    if (entry.type === 'inbound-rtp') {
      counters.bytesReceived += num(entry.bytesReceived) ?? 0;
      counters.packetsReceived += num(entry.packetsReceived) ?? 0;
      counters.packetsLost += num(entry.packetsLost) ?? 0;
    } else if (
      entry.type === 'candidate-pair' &&
      (selectedPairIds.has(entry.id) || (selectedPairIds.size === 0 && entry.nominated === true))
    ) {
      availableIncomingBps = num(entry.availableIncomingBitrate) ?? availableIncomingBps;
    }
  }
  return {
    counters,
    availableIncomingKbps: availableIncomingBps === null ? null : Math.round(availableIncomingBps / 1000),
  };
}

/** Null when there is no previous read or the counters went backwards (a new connection). */
export function sampleFrom(
  previous: DownlinkCounters | null,
  current: DownlinkCounters,
  availableIncomingKbps: number | null,
): DownlinkSample | null {
  if (!previous) return null;
  const seconds = (current.atMs - previous.atMs) / 1000;
  const bytes = current.bytesReceived - previous.bytesReceived;
  const received = current.packetsReceived - previous.packetsReceived;
  if (seconds <= 0 || bytes < 0 || received < 0) return null;
  const lost = Math.max(0, current.packetsLost - previous.packetsLost);
  return {
    availableIncomingKbps,
    receivedKbps: Math.round((bytes * 8) / 1000 / seconds),
    lossPct: received + lost === 0 ? null : Math.round((lost / (received + lost)) * 10_000) / 100,
  };
}
