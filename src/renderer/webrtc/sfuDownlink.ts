/**
 * Downlink control on the SFU: which simulcast layer (or none) we ask the room for per remote video stream,
 * from the tiles the UI lays out, the active speaker and the downlink budget measured on the subscriber.
 * Sends `call:sfu-view` whenever the choice changes.
 */
import { QUALITY_SAMPLE_INTERVAL_MS } from '../../shared/protocol/index.ts';
import type { SfuStreamDto } from '../../shared/protocol/index.ts';
import type { StatsEntry } from './connectionStats.ts';
import {
  INITIAL_DOWNLINK_BUDGET,
  nextDownlinkBudget,
  readDownlink,
  sampleFrom,
  selectLayers,
} from './layerSelection.ts';
import type { DownlinkBudgetState, DownlinkCounters, LayerChoice } from './layerSelection.ts';
import type { SfuPartContext } from './sfuConnection.ts';
import type { RemoteTileView } from './types.ts';

/** What a tile the UI has not reported yet counts as: a thumbnail, so it has a picture when it appears. */
const UNREPORTED_TILE = { visible: true, width: 160, height: 90 } as const;

type VideoStream = SfuStreamDto & { source: 'camera' | 'screen' };

export interface SfuDownlinkSources {
  /** The streams the room offers us now. */
  streams(): Iterable<SfuStreamDto>;
  /** The subscriber connection, whose stats measure the downlink. */
  subscriber(): RTCPeerConnection | null;
}

export class SfuDownlink {
  private readonly context: SfuPartContext;
  private readonly sources: SfuDownlinkSources;
  private readonly sampler: ReturnType<typeof setInterval>;
  private tiles: readonly RemoteTileView[] | null = null;
  private activeSpeakerId: string | null = null;
  private lastView = new Map<string, LayerChoice['layer']>();
  private budget: DownlinkBudgetState = INITIAL_DOWNLINK_BUDGET;
  /** The last counters read, and of which connection: a new subscriber starts its own count. */
  private counters: { of: RTCPeerConnection; counters: DownlinkCounters } | null = null;
  private sampling = false;

  constructor(context: SfuPartContext, sources: SfuDownlinkSources) {
    this.context = context;
    this.sources = sources;
    this.sampler = setInterval(() => void this.sample(), QUALITY_SAMPLE_INTERVAL_MS);
  }

  /** The layers last asked for, by `${userId}/${source}`. */
  get requestedLayers(): ReadonlyMap<string, LayerChoice['layer']> {
    return this.lastView;
  }

  setRemoteView(tiles: readonly RemoteTileView[], activeSpeakerId: string | null): void {
    this.tiles = tiles;
    this.activeSpeakerId = activeSpeakerId;
    this.refresh();
  }

  /** Computes the layers for the streams we receive and sends `call:sfu-view` when they changed. */
  refresh(): void {
    if (this.context.isClosed() || this.tiles === null) return;
    const { selfUserId, callId, epoch, signaling } = this.context.options;
    const videos = [...this.sources.streams()].filter(
      (s): s is VideoStream => s.kind === 'video' && s.source !== 'audio' && s.userId !== selfUserId,
    );
    const choices = selectLayers({
      tiles: effectiveTiles(this.tiles, videos),
      activeSpeakerId: this.activeSpeakerId,
      devicePixelRatio: globalThis.devicePixelRatio ?? 1,
      budgetKbps: this.budget.budgetKbps,
    });
    const next = new Map(choices.map((c) => [`${c.userId}/${c.source}`, c.layer]));
    if (sameView(next, this.lastView)) return;
    this.lastView = next;
    signaling.sfuView({
      callId,
      epoch,
      streams: choices.map(({ userId, source, layer }) => ({ userId, source, layer })),
    });
  }

  close(): void {
    clearInterval(this.sampler);
  }

  private async sample(): Promise<void> {
    const pc = this.sources.subscriber();
    if (!pc || this.context.isClosed() || this.sampling) return;
    this.sampling = true;
    try {
      const report = await pc.getStats();
      if (this.context.isClosed()) return;
      const read = readDownlink(report.values() as Iterable<StatsEntry>, Date.now());
      const previous = this.counters?.of === pc ? this.counters.counters : null;
      const sample = sampleFrom(previous, read.counters, read.availableIncomingKbps);
      this.counters = { of: pc, counters: read.counters };
      if (sample) this.budget = nextDownlinkBudget(this.budget, sample);
      this.refresh();
    } finally {
      this.sampling = false;
    }
  }
}

/** The tile each offered video stream is sized by (a hidden one for a stream not on screen). */
function effectiveTiles(tiles: readonly RemoteTileView[], videos: VideoStream[]): RemoteTileView[] {
  const shown = new Map<string, 'camera' | 'screen'>();
  for (const s of videos) if (s.source === 'screen' || !shown.has(s.userId)) shown.set(s.userId, s.source);

  const effective: RemoteTileView[] = [];
  for (const { userId, source } of videos) {
    const ofUser = tiles.filter((t) => t.userId === userId);
    const bothReported = new Set(ofUser.map((t) => t.source)).size > 1;
    const isShown = shown.get(userId) === source;
    if (bothReported) {
      // The UI shows this participant's camera and screen side by side: each tile sizes its own stream.
      const exact = ofUser.filter((t) => t.source === source);
      effective.push(...(exact.length > 0 ? exact : [hiddenTile(userId, source)]));
    } else if (ofUser.length > 0) {
      // One tile per participant: it shows their screen while they share, else their camera (as composed
      // in SfuRemoteStreams), whatever source the UI guessed; their other video is not on screen.
      effective.push(...(isShown ? ofUser.map((t) => ({ ...t, source })) : [hiddenTile(userId, source)]));
    } else {
      effective.push(isShown ? { userId, source, ...UNREPORTED_TILE } : hiddenTile(userId, source));
    }
  }
  return effective;
}

function hiddenTile(userId: string, source: 'camera' | 'screen'): RemoteTileView {
  return { userId, source, visible: false, width: 0, height: 0 };
}

function sameView(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, layer] of a) if (b.get(key) !== layer) return false;
  return true;
}
