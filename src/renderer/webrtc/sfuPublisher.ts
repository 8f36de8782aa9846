/**
 * The SFU transport's publisher: one sendonly connection carrying our audio, our camera as three simulcast
 * layers and, while sharing, the screen as a third m-line. We offer, `call:sfu-publish` returns the room's
 * answer. Any m-line change (screen share starts or stops, first camera) is a new publish offer; track swaps
 * ride on the existing m-lines.
 */
import type { SfuSource } from '../../shared/protocol/index.ts';
import { preferVideoCodecs } from './codecPreferences.ts';
import { localAudioLevel } from './connectionStats.ts';
import { CandidateTrickle } from './candidateTrickle.ts';
import { IceRecovery } from './iceRecovery.ts';
import type { OutgoingMedia } from './mediaTransport.ts';
import { NO_OUTGOING_MEDIA } from './mediaTransport.ts';
import { withOpusFecAndNoDtx } from './sdpMunging.ts';
import {
  applyIceServers,
  createSfuConnection,
  errorCode,
  errorText,
  type SfuConnectionState,
  type SfuPartContext,
} from './sfuConnection.ts';

/**
 * The camera's simulcast layers, highest first with janus.js's rids: Janus numbers substreams from the
 * lowest (0 = 'l'), and `call:sfu-view` maps low/medium/high onto 0/1/2. The caps are what layerSelection.ts
 * counts per layer, so keep the two in step.
 */
const CAMERA_SIMULCAST_ENCODINGS: readonly RTCRtpEncodingParameters[] = [
  { rid: 'h', maxBitrate: 1_200_000 },
  { rid: 'm', scaleResolutionDownBy: 2, maxBitrate: 400_000 },
  { rid: 'l', scaleResolutionDownBy: 4, maxBitrate: 120_000 },
];
/** The screen is one full-resolution encoding: scaled-down text is unreadable, so it is never simulcast. */
const SCREEN_ENCODING: RTCRtpEncodingParameters = { maxBitrate: 1_500_000 };
/** The room's video codec: Janus forwards without transcoding, so a room has one codec and we offer it first. */
const ROOM_VIDEO_CODEC = 'video/VP8';
/** A refused publish (the media server busy or failing over) is tried again a few times before it is told. */
const MAX_PUBLISH_ATTEMPTS = 3;
const PUBLISH_RETRY_MS = 2_000;

export class SfuPublisher {
  readonly recovery: IceRecovery;
  private readonly context: SfuPartContext;
  private readonly ready: Promise<RTCPeerConnection | null>;
  private readonly candidates: CandidateTrickle;
  private connectionState: SfuConnectionState = 'connecting';
  private outgoing: OutgoingMedia = NO_OUTGOING_MEDIA;
  private audioTransceiver: RTCRtpTransceiver | null = null;
  private cameraTransceiver: RTCRtpTransceiver | null = null;
  private screenTransceiver: RTCRtpTransceiver | null = null;
  private publishWanted = false;
  private iceRestartWanted = false;
  private publishing = false;
  private publishAttempts = 0;

  constructor(context: SfuPartContext) {
    this.context = context;
    const { callId, epoch, signaling, iceServers } = context.options;
    this.candidates = new CandidateTrickle((candidate) =>
      signaling.sfuIceCandidate({ callId, epoch, connection: 'publisher', candidate }),
    );
    this.recovery = new IceRecovery({
      restart: () => context.renewPaths(),
      state: (state) => {
        if (state !== 'closed') this.setState(state);
      },
      error: (kind, message) => context.reportToEveryone(kind, message),
    });
    this.ready = iceServers.get().then((servers) => this.createConnection(servers));
  }

  get state(): SfuConnectionState {
    return this.connectionState;
  }

  /** The connection once created (null if it could not be, or the transport closed first). */
  connection(): Promise<RTCPeerConnection | null> {
    return this.ready;
  }

  async setOutgoing(media: OutgoingMedia): Promise<void> {
    this.outgoing = media;
    const pc = await this.ready;
    if (!pc || this.context.isClosed()) return;
    const { replacements, renegotiate } = this.sync(pc);
    await Promise.all(replacements);
    // The first call publishes (again, if every attempt so far failed); later ones only when an m-line came
    // or went: track swaps need no offer.
    if (renegotiate || (!pc.remoteDescription && !this.publishing)) this.requestPublish(false);
  }

  updateIceServers(servers: RTCIceServer[]): void {
    void this.ready.then((pc) => pc && !this.context.isClosed() && applyIceServers(pc, servers));
  }

  requestPublish(iceRestart: boolean): void {
    if (this.context.isClosed()) return;
    this.publishWanted = true;
    this.iceRestartWanted ||= iceRestart;
    if (!this.publishing) void this.publishLoop();
  }

  /** Our microphone's level as sent, null while nothing is sent. */
  async audioLevel(): Promise<number | null> {
    const sender = this.audioTransceiver?.sender;
    return sender?.track && !this.context.isClosed()
      ? localAudioLevel((await sender.getStats()).values())
      : null;
  }

  close(): void {
    this.recovery.dispose();
    void this.ready.then((pc) => pc?.close());
  }

  private setState(state: SfuConnectionState): void {
    this.connectionState = state;
    this.context.stateChanged();
  }

  private createConnection(servers: RTCIceServer[]): RTCPeerConnection | null {
    const { context } = this;
    if (context.isClosed()) return null;
    const pc = createSfuConnection(context, servers, 'publisher', () => this.setState('failed'));
    if (!pc) return null;
    pc.addEventListener('icecandidate', (e) => {
      if (!context.isClosed()) this.candidates.add(e.candidate ? e.candidate.toJSON() : null);
    });
    pc.addEventListener('iceconnectionstatechange', () => {
      if (!context.isClosed()) this.recovery.onIceConnectionState(pc.iceConnectionState);
    });
    return pc;
  }

  /**
   * Brings the m-lines in line with what we send. Track swaps (camera off/on, another device) ride on the
   * existing m-lines; only an m-line that starts or stops sending needs a new publish offer.
   */
  private sync(pc: RTCPeerConnection): { replacements: Promise<void>[]; renegotiate: boolean } {
    const media = this.outgoing;
    const streams = media.stream ? [media.stream] : [];
    const replacements: Promise<void>[] = [];
    let renegotiate = false;
    const replace = (transceiver: RTCRtpTransceiver, track: MediaStreamTrack | null) => {
      if (transceiver.sender.track !== track) replacements.push(transceiver.sender.replaceTrack(track));
    };

    if (!this.audioTransceiver) {
      // Always published, even before the microphone opens: mute is a disabled track, not a missing m-line.
      this.audioTransceiver = pc.addTransceiver(media.audio ?? 'audio', { direction: 'sendonly', streams });
      renegotiate = true;
    } else {
      replace(this.audioTransceiver, media.audio);
    }

    if (!this.cameraTransceiver) {
      if (media.camera || media.starting.video) {
        this.cameraTransceiver = pc.addTransceiver(media.camera ?? 'video', {
          direction: 'sendonly',
          streams,
          sendEncodings: CAMERA_SIMULCAST_ENCODINGS.map((e) => ({ ...e })),
        });
        renegotiate = true;
      }
    } else {
      // Camera off keeps the m-line (and the viewers' subscription): frames stop, the tile shows the avatar.
      replace(this.cameraTransceiver, media.camera);
    }

    if (media.screen) {
      if (!this.screenTransceiver) {
        this.screenTransceiver = pc.addTransceiver(media.screen, {
          direction: 'sendonly',
          sendEncodings: [{ ...SCREEN_ENCODING }],
        });
        renegotiate = true;
      } else {
        replace(this.screenTransceiver, media.screen);
        if (this.screenTransceiver.direction !== 'sendonly') {
          this.screenTransceiver.direction = 'sendonly';
          renegotiate = true;
        }
      }
    } else if (this.screenTransceiver && this.screenTransceiver.direction !== 'inactive') {
      // An inactive m-line unpublishes the screen in the room, so viewers fall back to the camera.
      replace(this.screenTransceiver, null);
      this.screenTransceiver.direction = 'inactive';
      renegotiate = true;
    }
    return { replacements, renegotiate };
  }

  /** One publish at a time; whatever was asked for meanwhile is folded into the next round. */
  private async publishLoop(): Promise<void> {
    this.publishing = true;
    try {
      while (this.publishWanted && !this.context.isClosed()) {
        const iceRestart = this.iceRestartWanted;
        this.publishWanted = false;
        this.iceRestartWanted = false;
        await this.publishOnce(iceRestart);
      }
    } finally {
      this.publishing = false;
    }
  }

  private async publishOnce(iceRestart: boolean): Promise<void> {
    const { context } = this;
    const pc = await this.ready;
    if (!pc || context.isClosed()) return;
    const { replacements } = this.sync(pc);
    await Promise.all(replacements);
    preferVideoCodecs(pc, ROOM_VIDEO_CODEC);
    // Candidates wait for the room's answer: the backend has no publisher to give them to before it.
    this.candidates.hold();
    let offer: RTCSessionDescriptionInit;
    try {
      offer = await pc.createOffer(iceRestart ? { iceRestart: true } : {});
      await pc.setLocalDescription(offer);
    } catch (err) {
      this.publishFailed(err, iceRestart);
      return;
    }
    const { callId, epoch, signaling } = context.options;
    let answer: { type: 'answer'; sdp: string };
    try {
      answer = await signaling.sfuPublish({
        callId,
        epoch,
        offer: { type: 'offer', sdp: withOpusFecAndNoDtx(offer.sdp ?? '') },
        sources: this.publishedSources(),
      });
    } catch (err) {
      if (context.isClosed()) return;
      // Back to stable, so the next attempt (or a later change) can offer again.
      await pc.setLocalDescription({ type: 'rollback' }).catch(() => undefined);
      // 'conflict': the call moved to another room; the engine is about to replace this transport.
      if (errorCode(err) !== 'conflict') this.publishFailed(err, iceRestart);
      return;
    }
    if (context.isClosed()) return;
    try {
      await pc.setRemoteDescription({ type: 'answer', sdp: withOpusFecAndNoDtx(answer.sdp) });
    } catch (err) {
      this.publishFailed(err, iceRestart);
      return;
    }
    this.publishAttempts = 0;
    this.candidates.release();
  }

  /** Each sending m-line and what it carries, by mid (known once the offer is set). */
  private publishedSources(): { mid: string; source: SfuSource }[] {
    const lines: [RTCRtpTransceiver | null, SfuSource][] = [
      [this.audioTransceiver, 'audio'],
      [this.cameraTransceiver, 'camera'],
      [this.screenTransceiver, 'screen'],
    ];
    return lines.flatMap(([transceiver, source]) =>
      transceiver && transceiver.mid !== null && transceiver.direction === 'sendonly'
        ? [{ mid: transceiver.mid, source }]
        : [],
    );
  }

  private publishFailed(err: unknown, iceRestart: boolean): void {
    if (this.context.isClosed()) return;
    this.publishAttempts += 1;
    console.warn(`[webrtc] sfu: publish attempt ${this.publishAttempts} failed`, errorText(err));
    if (this.publishAttempts < MAX_PUBLISH_ATTEMPTS) {
      setTimeout(() => this.requestPublish(iceRestart), PUBLISH_RETRY_MS);
      return;
    }
    this.publishAttempts = 0;
    this.setState('failed');
    this.context.reportToEveryone(
      'connection-lost',
      'Your audio and video could not reach the media server.',
    );
  }
}
