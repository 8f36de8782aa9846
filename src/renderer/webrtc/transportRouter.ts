import type { SfuOfferEvent } from '../../shared/protocol/index.ts';
import type { IceServerProvider } from './iceServerProvider.ts';
import type { MediaTransport, OutgoingMedia, TransportObserver } from './mediaTransport.ts';
import { MeshTransport } from './meshTransport.ts';
import { SfuTransport } from './sfuTransport.ts';
import type { CallEngineErrorKind, MediaRoute, RemoteTileView, SignalingPort } from './types.ts';

/**
 * How long the mesh may keep carrying a participant after the call moved to the SFU. The SFU usually takes
 * over within a second or two; a participant it has not delivered by then is left to it anyway, so a peer
 * that never publishes cannot keep a mesh connection (and its encoder) alive for the rest of the call.
 */
export const MESH_HANDOVER_TIMEOUT_MS = 8_000;

export interface TransportRouterOptions {
  callId: string;
  selfUserId: string;
  signaling: SignalingPort;
  iceServers: IceServerProvider;
  iceTransportPolicy: RTCIceTransportPolicy;
  /** What the transport speaking for a participant reports; a transport that does not is never heard. */
  observer: TransportObserver;
  /** The participant moved to another connection (and its packet counters): quality starts over. */
  connectionChanged(userId: string): void;
}

/**
 * Who carries each participant of a call. A call starts on the mesh. When the server moves it to the SFU
 * (moveToSfu), an SfuTransport publishes and subscribes while the mesh keeps carrying everyone
 * (make-before-break): each participant is handed over once the SFU delivers them, then the mesh closes. A new
 * SFU room (failover) replaces the SFU transport, and so does the same room once the server ended our session
 * there (our socket dropped). Every event of a transport that no longer speaks for a
 * participant is dropped here, so the engine sees one continuous participant, never a 'closed' in the middle
 * of a switch.
 */
export class TransportRouter {
  private readonly options: TransportRouterOptions;
  private mesh: MeshTransport | null;
  private sfu: SfuTransport | null = null;
  /** Participants the SFU delivers now, whose mesh session has been dropped. */
  private readonly handedOver = new Set<string>();
  private readonly sfuStreams = new Map<string, MediaStream>();
  private meshRetirement: ReturnType<typeof setTimeout> | null = null;
  private remoteView: readonly RemoteTileView[] | null = null;
  private activeSpeakerId: string | null = null;
  private closed = false;

  constructor(options: TransportRouterOptions) {
    this.options = options;
    const mesh: MeshTransport = new MeshTransport({
      callId: options.callId,
      selfUserId: options.selfUserId,
      signaling: options.signaling,
      iceServers: options.iceServers,
      iceTransportPolicy: options.iceTransportPolicy,
      observer: this.meshObserver(() => mesh),
    });
    this.mesh = mesh;
  }

  get route(): MediaRoute {
    return this.sfu ? { topology: 'sfu', epoch: this.sfu.epoch } : { topology: 'mesh', epoch: null };
  }

  /** The simulcast layer asked per remote stream (empty on the mesh). */
  get requestedLayers(): ReadonlyMap<string, string> {
    return this.sfu?.requestedLayers ?? new Map();
  }

  transports(): MediaTransport[] {
    return [this.mesh, this.sfu].filter((t): t is MeshTransport | SfuTransport => t !== null);
  }

  /** Who carries a participant now: the mesh until the SFU took them over, the SFU for anyone else. */
  transportFor(userId: string): MediaTransport | null {
    const mesh = this.mesh;
    if (mesh && !this.handedOver.has(userId) && (!this.sfu || mesh.peerIds().includes(userId))) return mesh;
    return this.sfu ?? mesh;
  }

  viaOf(userId: string): 'mesh' | 'sfu' | null {
    const transport = this.transportFor(userId);
    return transport === null ? null : transport === this.sfu ? 'sfu' : 'mesh';
  }

  /**
   * The mesh, if it should take a signal from this participant: always on a mesh call; on the SFU only for
   * a session still carrying them (a renegotiation or ICE restart of it), never to start a new one.
   */
  meshFor(fromUserId: string): MeshTransport | null {
    const mesh = this.mesh;
    if (!mesh || !this.sfu) return mesh;
    return mesh.peerIds().includes(fromUserId) && !this.handedOver.has(fromUserId) ? mesh : null;
  }

  /** The SFU transport of room `epoch`, if the call is there now. */
  sfuOf(epoch: number): SfuTransport | null {
    return this.sfu?.epoch === epoch ? this.sfu : null;
  }

  /** On the SFU this only says whom to expect: the room's subscription brings their media. */
  connect(userId: string, options: { ringing?: boolean } = {}): void {
    if (this.sfu) this.sfu.connect(userId);
    else this.mesh?.connect(userId, options);
  }

  peerAnswered(userId: string, deviceId?: string, options: { awaitsOffer?: boolean } = {}): void {
    if (this.sfu) this.sfu.connect(userId);
    else this.mesh?.peerAnswered(userId, deviceId, options);
  }

  /** We picked up a call that rang here: the mesh tells the caller (see MeshTransport.sayAnswered). */
  sayAnswered(): void {
    this.mesh?.sayAnswered();
  }

  /**
   * To the SFU, or to a new SFU room after a failure (a new epoch): a fresh SfuTransport publishes `outgoing`
   * and expects `expected` plus whoever the transports carry; the previous SFU transport, if any, closes.
   * The mesh stays until the SFU delivers each participant (see MESH_HANDOVER_TIMEOUT_MS). The room we are
   * in changes nothing, unless the server ended our session in it (`sessionEnded`): then it is joined anew
   * the same way, since Janus took our connections' other ends away.
   */
  moveToSfu(
    epoch: number,
    expected: Iterable<string>,
    outgoing: OutgoingMedia,
    options: { sessionEnded?: boolean } = {},
  ): void {
    if (this.closed || (this.sfu?.epoch === epoch && options.sessionEnded !== true)) return;
    const previous = this.sfu;
    const everyone = new Set([...expected, ...(previous?.peerIds() ?? []), ...(this.mesh?.peerIds() ?? [])]);
    this.sfuStreams.clear();
    const sfu: SfuTransport = new SfuTransport({
      callId: this.options.callId,
      epoch,
      selfUserId: this.options.selfUserId,
      signaling: this.options.signaling,
      iceServers: this.options.iceServers,
      iceTransportPolicy: this.options.iceTransportPolicy,
      observer: this.sfuObserver(() => sfu),
    });
    this.sfu = sfu;
    // Its events are dropped from here on: the new room speaks for everyone it had.
    previous?.close();
    for (const userId of everyone) sfu.connect(userId);
    if (this.remoteView) sfu.setRemoteView(this.remoteView, this.activeSpeakerId);
    void sfu.setOutgoing(outgoing);
    if (this.mesh) {
      if (this.mesh.peerIds().length === 0) this.retireMesh();
      else this.meshRetirement ??= setTimeout(() => this.retireMesh(), MESH_HANDOVER_TIMEOUT_MS);
    }
  }

  async handleSfuOffer(event: SfuOfferEvent): Promise<void> {
    await this.sfuOf(event.epoch)?.handleSfuOffer(event);
  }

  setRemoteView(tiles: readonly RemoteTileView[]): void {
    this.remoteView = tiles;
    if (!this.closed) this.transports().forEach((t) => t.setRemoteView(tiles, this.activeSpeakerId));
  }

  setActiveSpeaker(userId: string | null): void {
    if (userId === this.activeSpeakerId) return;
    this.activeSpeakerId = userId;
    if (this.remoteView) this.setRemoteView(this.remoteView);
  }

  /** The participant came back on a new connection. */
  reset(userId: string): void {
    if (!this.sfu) {
      this.mesh?.reset(userId);
      return;
    }
    // Their old mesh connection died with their page; the room brings them back when they publish again.
    if (this.mesh?.peerIds().includes(userId) && !this.handedOver.has(userId)) this.handOver(userId);
    this.sfu.reset(userId);
  }

  /** The participant left: 'closed' is reported once, by whoever carried them. */
  disconnect(userId: string): void {
    const owner = this.transportFor(userId);
    for (const transport of this.transports()) if (transport !== owner) transport.disconnect(userId);
    owner?.disconnect(userId);
    this.handedOver.delete(userId);
    this.sfuStreams.delete(userId);
  }

  /** The audio level of each participant as the transport carrying them reads it, and our own. */
  async readAudioLevels(): Promise<{ local: number | null; remote: Map<string, number> }> {
    let local: number | null = null;
    const remote = new Map<string, number>();
    for (const transport of this.transports()) {
      const read = await transport.readAudioLevels();
      local ??= read.local;
      for (const [userId, level] of read.remote) {
        if (this.transportFor(userId) === transport) remote.set(userId, level);
      }
    }
    return { local, remote };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.meshRetirement !== null) clearTimeout(this.meshRetirement);
    // The SFU first: while the mesh is still there, its 'closed' for participants the mesh carries is dropped,
    // so each participant is reported closed once.
    this.sfu?.close();
    this.mesh?.close();
    this.sfu = null;
    this.mesh = null;
    this.handedOver.clear();
    this.sfuStreams.clear();
  }

  private meshObserver(self: () => MeshTransport): TransportObserver {
    const { observer } = this.options;
    const speaksFor = (userId: string) => this.mesh === self() && !this.handedOver.has(userId);
    return {
      remoteStream: (userId, stream) => {
        if (speaksFor(userId)) observer.remoteStream(userId, stream);
      },
      peerState: (userId, state) => {
        if (speaksFor(userId)) observer.peerState(userId, state);
      },
      error: (kind: CallEngineErrorKind, userId, message) => {
        if (speaksFor(userId)) observer.error(kind, userId, message);
      },
      turnAuthFailed: (userId, refused) => {
        if (this.mesh === self()) observer.turnAuthFailed(userId, refused);
      },
    };
  }

  private sfuObserver(self: () => SfuTransport): TransportObserver {
    const { observer } = this.options;
    const live = () => this.sfu === self();
    const speaksFor = (userId: string) => live() && this.transportFor(userId) === self();
    return {
      remoteStream: (userId, stream) => {
        if (!live()) return;
        this.sfuStreams.set(userId, stream);
        if (speaksFor(userId)) observer.remoteStream(userId, stream);
      },
      peerState: (userId, state) => {
        if (!live()) return;
        if (state === 'closed') this.sfuStreams.delete(userId);
        if (speaksFor(userId)) observer.peerState(userId, state);
        else if (state === 'connected' && !this.closed) this.handOver(userId);
      },
      error: (kind, userId, message) => {
        if (speaksFor(userId)) observer.error(kind, userId, message);
      },
      turnAuthFailed: (userId, refused) => {
        if (live()) observer.turnAuthFailed(userId, refused);
      },
    };
  }

  /** The SFU delivers this participant: the UI switches to its stream and the mesh session goes, unannounced. */
  private handOver(userId: string): void {
    const mesh = this.mesh;
    if (!mesh) return;
    this.handedOver.add(userId);
    mesh.disconnect(userId);
    this.showSfuSide(userId);
    if (mesh.peerIds().length === 0) this.retireMesh();
  }

  /** Closes the mesh; whoever it still carried is shown as the SFU has them. */
  private retireMesh(): void {
    const mesh = this.mesh;
    if (!mesh) return;
    if (this.meshRetirement !== null) clearTimeout(this.meshRetirement);
    this.meshRetirement = null;
    const remaining = mesh.peerIds().filter((userId) => !this.handedOver.has(userId));
    this.mesh = null;
    mesh.close();
    this.handedOver.clear();
    for (const userId of remaining) this.showSfuSide(userId);
  }

  private showSfuSide(userId: string): void {
    this.options.connectionChanged(userId);
    const stream = this.sfuStreams.get(userId);
    if (stream) this.options.observer.remoteStream(userId, stream);
    // Where the SFU has them now (what it said meanwhile was dropped: the mesh spoke for them).
    this.options.observer.peerState(userId, this.sfu?.stateOf(userId) ?? 'connecting');
  }
}
