import type { CallEngine } from '../callEngine.ts';
import type { LoopbackSignaling, SentSignal } from './loopbackSignaling.ts';

/**
 * A participant written from the spec alone, on one bare RTCPeerConnection: no perfect negotiation, no device
 * ids, no rollback. An offer that reaches it while its own is outstanding is glare it cannot resolve; such
 * refusals, like every failed step, land in `errors`. It takes what the loopback signaling sends to
 * `selfId` and talks to one engine directly.
 */
export class PlainPeer {
  readonly errors: string[] = [];
  readonly offersReceived: SentSignal[] = [];
  private readonly pc = new RTCPeerConnection();
  private readonly pendingCandidates: RTCIceCandidateInit[] = [];

  private readonly callId: string;
  private readonly selfId: string;
  private readonly engine: CallEngine;

  private constructor(callId: string, selfId: string, engine: CallEngine) {
    this.callId = callId;
    this.selfId = selfId;
    this.engine = engine;
    this.pc.addEventListener('icecandidate', ({ candidate }) => {
      void this.engine.handleIceCandidate({
        callId: this.callId,
        fromUserId: this.selfId,
        candidate: candidate ? { ...candidate.toJSON(), candidate: candidate.candidate } : null,
      });
    });
  }

  /** Takes over everything `signaling` sends to `selfId`; sends its camera and microphone to `engine`. */
  static async open(
    signaling: LoopbackSignaling,
    options: { callId: string; selfId: string; engine: CallEngine },
  ): Promise<PlainPeer> {
    const peer = new PlainPeer(options.callId, options.selfId, options.engine);
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    for (const track of stream.getTracks()) peer.pc.addTrack(track, stream);
    signaling.route = (signal) => {
      if (signal.to !== options.selfId) return 'deliver';
      // A network hop, like the loopback's own delivery.
      setTimeout(() => void peer.receive(signal).catch((err: unknown) => peer.errors.push(String(err))), 0);
      return 'drop';
    };
    return peer;
  }

  /** Offers to the engine, as a client that offers once it has answered does. */
  async offer(): Promise<void> {
    await this.pc.setLocalDescription(await this.pc.createOffer());
    await this.engine.handleOffer({
      callId: this.callId,
      fromUserId: this.selfId,
      offer: { type: 'offer', sdp: this.pc.localDescription?.sdp ?? '' },
    });
  }

  async framesDecoded(): Promise<number> {
    const stats = [...(await this.pc.getStats()).values()] as {
      type: string;
      kind?: string;
      framesDecoded?: number;
    }[];
    return stats
      .filter((s) => s.type === 'inbound-rtp' && s.kind === 'video')
      .reduce((sum, s) => sum + (s.framesDecoded ?? 0), 0);
  }

  close(): void {
    this.pc.close();
  }

  private async receive(signal: SentSignal): Promise<void> {
    if (signal.kind === 'candidate') {
      const { candidate } = signal.event;
      if (!candidate?.candidate) return;
      if (this.pc.remoteDescription) await this.pc.addIceCandidate(candidate);
      else this.pendingCandidates.push(candidate);
      return;
    }
    if (signal.kind === 'answer') {
      if (this.pc.signalingState !== 'have-local-offer')
        throw new Error('an answer without an offer of ours');
      await this.pc.setRemoteDescription(signal.event.answer);
      await this.flushCandidates();
      return;
    }
    this.offersReceived.push(signal);
    if (this.pc.signalingState !== 'stable') throw new Error(`an offer while ${this.pc.signalingState}`);
    await this.pc.setRemoteDescription(signal.event.offer);
    await this.flushCandidates();
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    await this.engine.handleAnswer({
      callId: this.callId,
      fromUserId: this.selfId,
      answer: { type: 'answer', sdp: this.pc.localDescription?.sdp ?? '' },
    });
  }

  private async flushCandidates(): Promise<void> {
    for (const candidate of this.pendingCandidates.splice(0)) await this.pc.addIceCandidate(candidate);
  }
}
