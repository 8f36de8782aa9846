/**
 * The SFU transport's subscriber: one recvonly connection carrying everyone else. Janus offers
 * (`call:sfu-offer`), we answer, and each later offer adds or removes streams; offers are applied and
 * answered one at a time, in order.
 *
 * It cannot restart ICE itself: Janus is its offerer and the protocol has no "restart my subscription"
 * request, so its recovery renews the paths through the publisher (see SfuTransport).
 */
import type { SfuOfferEvent, SfuStreamDto } from '../../shared/protocol/index.ts';
import { sdpIceUfrag } from '../../shared/sdp.ts';
import { CandidateTrickle } from './candidateTrickle.ts';
import { IceRecovery } from './iceRecovery.ts';
import { withOpusFecAndNoDtx } from './sdpMunging.ts';
import {
  applyIceServers,
  createSfuConnection,
  errorText,
  type SfuConnectionState,
  type SfuPartContext,
} from './sfuConnection.ts';

export interface SfuSubscriberHooks {
  /** The offer's streams, told before it is applied: whose each m-line is. */
  streamsAnnounced(streams: readonly SfuStreamDto[]): void;
  /** The offer is applied and answered: the remote streams and the view follow it. */
  offerApplied(): void;
}

export class SfuSubscriber {
  private readonly context: SfuPartContext;
  private readonly hooks: SfuSubscriberHooks;
  private readonly candidates: CandidateTrickle;
  private recovery: IceRecovery;
  private pc: RTCPeerConnection | null = null;
  private connectionState: SfuConnectionState = 'connecting';
  /**
   * ICE ufrag of the room's last offer: another one comes from a new Janus subscriber handle (Janus signs every
   * handle with the same certificate, so the DTLS fingerprint cannot tell; the backend never ICE-restarts a
   * subscriber handle, it replaces it).
   */
  private ufrag: string | null = null;
  private operations: Promise<void> = Promise.resolve();

  constructor(context: SfuPartContext, hooks: SfuSubscriberHooks) {
    this.context = context;
    this.hooks = hooks;
    const { callId, epoch, signaling } = context.options;
    this.candidates = new CandidateTrickle((candidate) =>
      signaling.sfuIceCandidate({ callId, epoch, connection: 'subscriber', candidate }),
    );
    this.recovery = this.createRecovery();
  }

  get state(): SfuConnectionState {
    return this.connectionState;
  }

  /** The connection of the current subscription, null before the room's first offer. */
  get connection(): RTCPeerConnection | null {
    return this.pc;
  }

  handleOffer(e: SfuOfferEvent): Promise<void> {
    const run = this.operations.then(() => this.applyOffer(e));
    this.operations = run.catch(() => undefined);
    return run;
  }

  restartIce(): void {
    this.recovery.onNetworkChange();
  }

  updateIceServers(servers: RTCIceServer[]): void {
    if (this.pc && !this.context.isClosed()) applyIceServers(this.pc, servers);
  }

  close(): void {
    this.recovery.dispose();
    this.pc?.close();
  }

  private setState(state: SfuConnectionState): void {
    this.connectionState = state;
    this.context.stateChanged();
  }

  private async applyOffer(e: SfuOfferEvent): Promise<void> {
    const { context } = this;
    if (context.isClosed()) return;
    const ufrag = sdpIceUfrag(e.offer.sdp);
    if (this.pc && ufrag !== this.ufrag) this.replace();
    this.ufrag = ufrag;
    const pc = this.pc ?? (await this.create());
    if (!pc || context.isClosed()) return;
    try {
      this.hooks.streamsAnnounced(e.streams);
      this.candidates.hold();
      await pc.setRemoteDescription({ type: 'offer', sdp: withOpusFecAndNoDtx(e.offer.sdp) });
      await pc.setLocalDescription();
      const answer = pc.localDescription;
      if (context.isClosed() || !answer) return;
      const { callId, epoch, signaling } = context.options;
      signaling.sfuAnswer({
        callId,
        epoch,
        answer: { type: 'answer', sdp: withOpusFecAndNoDtx(answer.sdp) },
      });
      this.candidates.release();
    } catch (err) {
      if (context.isClosed()) return;
      console.warn('[webrtc] sfu: subscription offer not applied', errorText(err));
      context.reportToEveryone('connection-lost', "Could not receive the others' audio and video.");
      return;
    }
    this.hooks.offerApplied();
  }

  private createRecovery(): IceRecovery {
    return new IceRecovery({
      restart: () => this.context.renewPaths(),
      state: (state) => {
        if (state !== 'closed') this.setState(state);
      },
      error: (kind, message) => this.context.reportToEveryone(kind, message),
    });
  }

  /**
   * The backend answers a dead subscription (Janus hung it up after an ICE or DTLS failure) with a new Janus
   * handle, whose offer carries another DTLS certificate: that can only be answered by a new connection.
   */
  private replace(): void {
    this.pc?.close();
    this.pc = null;
    this.recovery.dispose();
    this.recovery = this.createRecovery();
    this.connectionState = 'connecting';
  }

  private async create(): Promise<RTCPeerConnection | null> {
    const { context } = this;
    const servers = await context.options.iceServers.get();
    if (context.isClosed() || this.pc) return this.pc;
    const pc = createSfuConnection(context, servers, 'subscriber', () => this.setState('failed'));
    if (!pc) return null;
    this.pc = pc;
    pc.addEventListener('icecandidate', (e) => {
      if (!context.isClosed()) this.candidates.add(e.candidate ? e.candidate.toJSON() : null);
    });
    pc.addEventListener('iceconnectionstatechange', () => {
      if (!context.isClosed()) this.recovery.onIceConnectionState(pc.iceConnectionState);
    });
    return pc;
  }
}
