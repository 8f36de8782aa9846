import type { SfuOfferEvent } from '../../shared/protocol/index.ts';
import type { StatsEntry } from './connectionStats.ts';
import type { LayerChoice } from './layerSelection.ts';
import type { InboundSignal, MediaTransport, OutgoingMedia } from './mediaTransport.ts';
import {
  statsEntries,
  type SfuErrorKind,
  type SfuPartContext,
  type SfuTransportOptions,
} from './sfuConnection.ts';
import { SfuDownlink } from './sfuDownlink.ts';
import { SfuPublisher } from './sfuPublisher.ts';
import { SfuRemoteStreams } from './sfuRemoteStreams.ts';
import { SfuSubscriber } from './sfuSubscriber.ts';
import type { PeerState, RemoteTileView } from './types.ts';

const PATH_STATS = new Set(['transport', 'candidate-pair', 'local-candidate', 'remote-candidate']);

/**
 * Media through the call's Janus VideoRoom (the backend relays all JSEP; this client never talks to Janus),
 * as one MediaTransport over four parts:
 *
 * - SfuPublisher: our sendonly connection (audio, simulcast camera, screen), published with `call:sfu-publish`.
 * - SfuSubscriber: the recvonly connection the room offers us (`call:sfu-offer`) with everyone else's media.
 * - SfuRemoteStreams: who we receive, and one MediaStream per remote participant.
 * - SfuDownlink: the simulcast layer asked for per remote video (`call:sfu-view`).
 *
 * Each participant's state is derived from the two connections' states (derivedState) and reported whenever
 * either changes, unchanged ones included: the engine keeps the one copy and drops repeats.
 *
 * Recovery: the publisher restarts ICE itself (a publish offer with iceRestart). The subscriber cannot:
 * Janus is its offerer and the protocol has no "restart my subscription" request, so a subscriber failure
 * also republishes with an ICE restart, which renews our path to the room, and relies on the backend to
 * refresh the subscription (Janus `configure` with `restart: true`) when it sees that restart. If it does
 * not, the subscriber's recovery gives up after MAX_ICE_RESTARTS and the participants are shown as failed.
 */
export class SfuTransport implements MediaTransport {
  readonly epoch: number;
  private readonly options: SfuTransportOptions;
  private readonly publisher: SfuPublisher;
  private readonly subscriber: SfuSubscriber;
  private readonly remote: SfuRemoteStreams;
  private readonly downlink: SfuDownlink;
  private closed = false;

  constructor(options: SfuTransportOptions) {
    this.options = options;
    this.epoch = options.epoch;
    const context: SfuPartContext = {
      options,
      isClosed: () => this.closed,
      stateChanged: () => this.updateStates(),
      reportToEveryone: (kind, message) => this.reportToEveryone(kind, message),
      renewPaths: () => void this.renewPaths(),
    };
    this.remote = new SfuRemoteStreams(options.selfUserId, options.observer);
    this.subscriber = new SfuSubscriber(context, {
      streamsAnnounced: (streams) => this.remote.announce(streams),
      offerApplied: () => {
        this.remote.recompose(this.subscriber.connection);
        this.updateStates();
        this.downlink.refresh();
      },
    });
    this.publisher = new SfuPublisher(context);
    this.downlink = new SfuDownlink(context, {
      streams: () => this.remote.streams,
      subscriber: () => this.subscriber.connection,
    });
  }

  // -------------------------------------------------------------------------------------------------------
  // MediaTransport
  // -------------------------------------------------------------------------------------------------------

  connect(userId: string): void {
    if (this.closed || !this.remote.expect(userId)) return;
    this.remote.recompose(this.subscriber.connection);
    // Expecting them changes nobody else's state.
    this.options.observer.peerState(userId, this.derivedState(userId));
  }

  /** Peer-to-peer signaling has no meaning here: everything goes through the room. */
  handleSignal(_fromUserId: string, _signal: InboundSignal): Promise<void> {
    return Promise.resolve();
  }

  /**
   * A participant who reloaded publishes anew and the room's next offer brings their new streams, which are
   * announced even if Janus reuses the same m-lines (and tracks) for them. After a failure (the UI's retry)
   * both connections start over.
   */
  reset(userId: string): void {
    this.connect(userId);
    this.remote.renew(userId);
    if (this.publisher.state === 'failed' || this.subscriber.state === 'failed') this.restartIce();
  }

  disconnect(userId: string): void {
    if (!this.remote.remove(userId)) return;
    this.options.observer.peerState(userId, 'closed');
  }

  peerIds(): string[] {
    return [...this.remote.users];
  }

  setOutgoing(media: OutgoingMedia): Promise<void> {
    return this.publisher.setOutgoing(media);
  }

  /** Simulcast adapts instead: each viewer picks its layer, and the browser drops layers its uplink cannot carry. */
  setSendProfile(): void {}

  updateIceServers(servers: RTCIceServer[]): void {
    this.publisher.updateIceServers(servers);
    this.subscriber.updateIceServers(servers);
  }

  restartIce(): void {
    if (this.closed) return;
    this.publisher.recovery.onNetworkChange();
    this.subscriber.restartIce();
  }

  setRemoteView(tiles: readonly RemoteTileView[], activeSpeakerId: string | null): void {
    this.downlink.setRemoteView(tiles, activeSpeakerId);
  }

  /**
   * The participant's inbound streams from the subscriber ("you receive them"), and our publisher's transport,
   * candidate pairs, outbound and remote-inbound stats (RTT, the uplink estimate and how the room receives us):
   * with those the engine's quality classification reads an SFU participant like a mesh peer.
   */
  async getStats(userId: string): Promise<ReadonlyMap<string, StatsEntry> | null> {
    const publisher = await this.publisher.connection();
    const subscriber = this.subscriber.connection;
    if (this.closed || (!publisher && !subscriber)) return null;
    const [subscriberReport, publisherReport] = await Promise.all([
      subscriber?.getStats() ?? null,
      publisher?.getStats() ?? null,
    ]);
    const result = new Map<string, StatsEntry>();
    const { mids, trackIds } = this.remote.receiversOf(subscriber, userId);
    const entries = statsEntries(subscriberReport);
    const byId = new Map(entries.map((e) => [e.id, e]));
    for (const entry of entries) {
      if (entry.type !== 'inbound-rtp') continue;
      const mine =
        (typeof entry.mid === 'string' && mids.has(entry.mid)) ||
        (typeof entry.trackIdentifier === 'string' && trackIds.has(entry.trackIdentifier));
      if (!mine) continue;
      result.set(entry.id, entry);
      const codec = typeof entry.codecId === 'string' ? byId.get(entry.codecId) : undefined;
      if (codec) result.set(codec.id, codec);
    }
    const path = hasSelectedPair(publisherReport) ? publisherReport : subscriberReport;
    for (const entry of statsEntries(path)) {
      if (PATH_STATS.has(entry.type)) result.set(entry.id, entry);
    }
    // How the room receives us: Janus's receiver reports and our retransmissions (see linkQuality.ts).
    for (const entry of statsEntries(publisherReport)) {
      if (entry.type === 'remote-inbound-rtp' || entry.type === 'outbound-rtp') result.set(entry.id, entry);
    }
    return result;
  }

  async readAudioLevels(): Promise<{ local: number | null; remote: Map<string, number> }> {
    const remote = this.remote.audioLevels(this.subscriber.connection);
    return { local: await this.publisher.audioLevel(), remote };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.downlink.close();
    this.publisher.close();
    this.subscriber.close();
    for (const userId of [...this.remote.users]) this.disconnect(userId);
  }

  // -------------------------------------------------------------------------------------------------------
  // SFU specific
  // -------------------------------------------------------------------------------------------------------

  /** The room's subscription offer (first or update): applied and answered one at a time, in order. */
  handleSfuOffer(e: SfuOfferEvent): Promise<void> {
    return this.subscriber.handleOffer(e);
  }

  /** The participant's state as the room's two connections make it now; null for someone not expected. */
  stateOf(userId: string): PeerState | null {
    return this.remote.users.has(userId) ? this.derivedState(userId) : null;
  }

  /** The layers last asked for, by `${userId}/${source}` (for tests and the debug overlay). */
  get requestedLayers(): ReadonlyMap<string, LayerChoice['layer']> {
    return this.downlink.requestedLayers;
  }

  // -------------------------------------------------------------------------------------------------------
  // State
  // -------------------------------------------------------------------------------------------------------

  private async renewPaths(): Promise<void> {
    const servers = await this.options.iceServers.fresh();
    if (this.closed) return;
    this.updateIceServers(servers);
    // Also what renews a failed subscriber path (see the class comment).
    this.publisher.requestPublish(true);
  }

  /**
   * A participant is connected once the subscriber carries their media; a broken path to the room (either
   * connection) breaks everyone, because the room is the only path there is.
   */
  private derivedState(userId: string): PeerState {
    const states = [this.publisher.state, this.subscriber.state];
    if (states.includes('failed')) return 'failed';
    if (states.includes('reconnecting')) return 'reconnecting';
    if (this.subscriber.state === 'connected' && this.remote.hasMedia(userId)) return 'connected';
    return 'connecting';
  }

  private updateStates(): void {
    if (this.closed) return;
    for (const userId of this.remote.users)
      this.options.observer.peerState(userId, this.derivedState(userId));
  }

  private reportToEveryone(kind: SfuErrorKind, message: string): void {
    if (this.closed) return;
    for (const userId of this.remote.users) this.options.observer.error(kind, userId, message);
  }
}

function hasSelectedPair(report: RTCStatsReport | null): report is RTCStatsReport {
  return statsEntries(report).some(
    (entry) => entry.type === 'transport' && typeof entry.selectedCandidatePairId === 'string',
  );
}
