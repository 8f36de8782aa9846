/**
 * A synthetic mesh participant: one peer connection per other participant, each sending the same camera and
 * microphone (so each encodes its own copy of the video, as a browser in a mesh does), negotiated through
 * call:offer / call:answer / call:ice-candidate. No perfect negotiation is needed here: exactly one side of
 * each pair offers, the one that is not polite (isPolitePeer: the smaller userId).
 */
import wrtc from '@roamhq/wrtc';
import {
  isPolitePeer,
  type AnswerEvent,
  type IceCandidateEvent,
  type OfferEvent,
  type ParticipantJoinedEvent,
} from '../../src/shared/protocol/index.ts';
import { FirstFrameWatch } from './remoteVideo.ts';
import type { SignalingSocket } from './signalingSocket.ts';
import type { SyntheticMedia } from '../../e2e/spec-client/syntheticMedia.ts';

/** Same as the SFU publisher's high layer (sfuClient.ts). */
const MESH_VIDEO_MAX_BITRATE = 1_200_000;

interface PeerLink {
  pc: RTCPeerConnection;
  /** Candidates that arrived before the remote description: addIceCandidate would reject them. */
  pendingCandidates: RTCIceCandidateInit[];
  remoteDescriptionSet: boolean;
}

export class MeshClient {
  readonly userId: string;
  readonly frames = new FirstFrameWatch();
  joinedAt: number | null = null;
  readonly #socket: SignalingSocket;
  readonly #media: SyntheticMedia;
  readonly #callId: string;
  readonly #onError: (error: Error) => void;
  readonly #peers = new Map<string, PeerLink>();

  constructor(
    userId: string,
    socket: SignalingSocket,
    media: SyntheticMedia,
    callId: string,
    onError: (error: Error) => void,
  ) {
    this.userId = userId;
    this.#socket = socket;
    this.#media = media;
    this.#callId = callId;
    this.#onError = onError;
    socket.on<ParticipantJoinedEvent>('call:participant-joined', (e) => {
      if (e.callId === callId && !isPolitePeer(this.userId, e.userId)) this.#guard(this.#offer(e.userId));
    });
    socket.on<OfferEvent>('call:offer', (e) => {
      if (e.callId === callId) this.#guard(this.#answer(e.fromUserId, e.offer));
    });
    socket.on<AnswerEvent>('call:answer', (e) => {
      if (e.callId === callId) this.#guard(this.#accept(e.fromUserId, e.answer));
    });
    socket.on<IceCandidateEvent>('call:ice-candidate', (e) => {
      if (e.callId === callId) this.#guard(this.#addCandidate(e.fromUserId, e.candidate));
    });
  }

  get callId(): string {
    return this.#callId;
  }

  /** Joins a call whose other participants are `present`: they learn of it, and this side offers where due. */
  async join(present: readonly string[], announce: (peerId: string) => Promise<void>): Promise<void> {
    this.joinedAt = performance.now();
    await Promise.all(present.map((peerId) => announce(peerId)));
    for (const peerId of present) {
      if (!isPolitePeer(this.userId, peerId)) this.#guard(this.#offer(peerId));
    }
  }

  connections(): RTCPeerConnection[] {
    return [...this.#peers.values()].map((link) => link.pc);
  }

  close(): void {
    this.frames.stop();
    for (const link of this.#peers.values()) link.pc.close();
    this.#peers.clear();
  }

  #link(peerId: string): PeerLink {
    let link = this.#peers.get(peerId);
    if (link) return link;
    const pc = new wrtc.RTCPeerConnection({ iceServers: [] });
    link = { pc, pendingCandidates: [], remoteDescriptionSet: false };
    this.#peers.set(peerId, link);
    pc.onicecandidate = ({ candidate }) => {
      this.#guard(
        this.#socket.request('call:ice-candidate', {
          callId: this.#callId,
          targetUserId: peerId,
          candidate: candidate ? candidate.toJSON() : null,
        }),
      );
    };
    pc.ontrack = ({ track }) => this.frames.watch(track);
    return link;
  }

  async #addLocalTracks(pc: RTCPeerConnection): Promise<void> {
    const stream = new wrtc.MediaStream([this.#media.audio, this.#media.video]);
    pc.addTrack(this.#media.audio, stream);
    const sender = pc.addTrack(this.#media.video, stream);
    // The same cap as the SFU's high layer: each mesh stream is worth one SFU camera upload.
    const parameters = sender.getParameters();
    for (const encoding of parameters.encodings) encoding.maxBitrate = MESH_VIDEO_MAX_BITRATE;
    await sender.setParameters(parameters);
  }

  async #offer(peerId: string): Promise<void> {
    const { pc } = this.#link(peerId);
    await this.#addLocalTracks(pc);
    await pc.setLocalDescription(await pc.createOffer());
    await this.#socket.request('call:offer', {
      callId: this.#callId,
      targetUserId: peerId,
      offer: pc.localDescription!.toJSON(),
    });
  }

  async #answer(peerId: string, offer: RTCSessionDescriptionInit): Promise<void> {
    const link = this.#link(peerId);
    await this.#setRemote(link, offer);
    await this.#addLocalTracks(link.pc);
    await link.pc.setLocalDescription(await link.pc.createAnswer());
    await this.#socket.request('call:answer', {
      callId: this.#callId,
      targetUserId: peerId,
      answer: link.pc.localDescription!.toJSON(),
    });
  }

  async #accept(peerId: string, answer: RTCSessionDescriptionInit): Promise<void> {
    const link = this.#peers.get(peerId);
    if (link) await this.#setRemote(link, answer);
  }

  async #setRemote(link: PeerLink, description: RTCSessionDescriptionInit): Promise<void> {
    await link.pc.setRemoteDescription(description);
    link.remoteDescriptionSet = true;
    for (const candidate of link.pendingCandidates.splice(0)) await link.pc.addIceCandidate(candidate);
  }

  async #addCandidate(peerId: string, candidate: RTCIceCandidateInit | null): Promise<void> {
    if (candidate === null) return;
    const link = this.#link(peerId);
    if (link.remoteDescriptionSet) await link.pc.addIceCandidate(candidate);
    else link.pendingCandidates.push(candidate);
  }

  #guard(work: Promise<unknown>): void {
    work.catch((error: unknown) => this.#onError(error as Error));
  }
}
