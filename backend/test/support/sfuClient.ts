/**
 * A minimal SFU client for backend tests: a real WebRTC stack (@roamhq/wrtc) that publishes audio + camera
 * through `call:sfu-publish`, answers every `call:sfu-offer` on one subscriber connection and trickles its
 * candidates, all over the test socket. It proves the backend's JSEP relay against a real Janus; layer
 * selection, simulcast and rendering are the renderer's business.
 */
import wrtc from '@roamhq/wrtc';
import type {
  IceCandidate,
  SessionDescription,
  SfuOfferEvent,
  SfuPublishAck,
  SocketAck,
} from '../../../src/shared/protocol/index.ts';
import type { TestSocket } from './testServer.ts';

/**
 * The part of wrtc's RTCPeerConnection used here. Its bundled types re-export the DOM's, which the Node
 * side's tsconfig does not load.
 */
interface PeerConnection {
  readonly connectionState: string;
  readonly localDescription: SessionDescription | null;
  onicecandidate:
    | ((event: {
        candidate: { candidate: string; sdpMid: string | null; sdpMLineIndex: number | null } | null;
      }) => void)
    | null;
  addTransceiver(track: unknown, init: { direction: 'sendonly' }): unknown;
  getTransceivers(): { mid: string | null }[];
  createOffer(): Promise<SessionDescription>;
  createAnswer(): Promise<SessionDescription>;
  setLocalDescription(description: SessionDescription): Promise<void>;
  setRemoteDescription(description: SessionDescription): Promise<void>;
  close(): void;
}
interface TrackSource {
  createTrack(): unknown;
}
interface VideoSource extends TrackSource {
  onFrame(frame: { width: number; height: number; data: Uint8ClampedArray }): void;
}
interface AudioSource extends TrackSource {
  onData(data: {
    samples: Int16Array;
    sampleRate: number;
    bitsPerSample: number;
    channelCount: number;
    numberOfFrames: number;
  }): void;
}
const { RTCPeerConnection, nonstandard } = wrtc as unknown as {
  RTCPeerConnection: new (config: { iceServers: [] }) => PeerConnection;
  nonstandard: { RTCAudioSource: new () => AudioSource; RTCVideoSource: new () => VideoSource };
};

export class SfuTestClient {
  readonly offers: SfuOfferEvent[] = [];
  readonly answerAcks: SocketAck[] = [];
  publisher: PeerConnection | null = null;
  subscriber: PeerConnection | null = null;
  private readonly sources = {
    audio: new nonstandard.RTCAudioSource(),
    video: new nonstandard.RTCVideoSource(),
    screen: new nonstandard.RTCVideoSource(),
  };
  readonly socket: TestSocket;
  readonly callId: string;
  private answering: Promise<void> = Promise.resolve();
  private readonly onOffer = (event: SfuOfferEvent) => {
    if (event.callId !== this.callId) return;
    this.offers.push(event);
    // One at a time and in order, as a real client must.
    this.answering = this.answering.then(() => this.answer(event)).catch(() => undefined);
  };

  constructor(socket: TestSocket, callId: string) {
    this.socket = socket;
    this.callId = callId;
    socket.on('call:sfu-offer', this.onOffer);
  }

  /** Publishes audio + camera in room `epoch`; resolves with the ack (the answer is applied on success). */
  async publish(epoch: number): Promise<SfuPublishAck> {
    this.publisher?.close();
    const pc = new RTCPeerConnection({ iceServers: [] });
    this.publisher = pc;
    pc.addTransceiver(this.sources.audio.createTrack(), { direction: 'sendonly' });
    pc.addTransceiver(this.sources.video.createTrack(), { direction: 'sendonly' });
    this.trickle(pc, epoch, 'publisher');
    return this.negotiate(pc, epoch);
  }

  /** Renegotiates the publisher with a third m-line, a screen share. */
  async shareScreen(epoch: number): Promise<SfuPublishAck> {
    const pc = this.publisher!;
    pc.addTransceiver(this.sources.screen.createTrack(), { direction: 'sendonly' });
    return this.negotiate(pc, epoch);
  }

  private async negotiate(pc: PeerConnection, epoch: number): Promise<SfuPublishAck> {
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    const mids = pc.getTransceivers().map((t) => t.mid ?? '');
    const sourceOf = ['audio', 'camera', 'screen'] as const;
    const ack = await this.socket.emitWithAck('call:sfu-publish', {
      callId: this.callId,
      epoch,
      offer: { type: 'offer', sdp: pc.localDescription!.sdp },
      sources: mids.map((mid, i) => ({ mid, source: sourceOf[i]! })),
    });
    if (ack.ok) await pc.setRemoteDescription(ack.answer);
    return ack;
  }

  /** The next offer (after those already received) that satisfies `predicate`. */
  async nextOffer(predicate: (e: SfuOfferEvent) => boolean, timeoutMs = 20_000): Promise<SfuOfferEvent> {
    const seen = this.offers.length;
    return waitFor(() => this.offers.slice(seen).find(predicate), timeoutMs, 'sfu offer');
  }

  /** Any offer received so far or later that satisfies `predicate`. */
  async offer(predicate: (e: SfuOfferEvent) => boolean, timeoutMs = 20_000): Promise<SfuOfferEvent> {
    return waitFor(() => this.offers.find(predicate), timeoutMs, 'sfu offer');
  }

  async connected(which: 'publisher' | 'subscriber', timeoutMs = 20_000): Promise<void> {
    await waitFor(
      () => this[which]?.connectionState === 'connected' || undefined,
      timeoutMs,
      `${which} connected (now ${this[which]?.connectionState ?? 'none'})`,
    );
  }

  /**
   * Feeds the audio and camera tracks real content (a tone, a grey frame getting lighter) until the client
   * closes: without it the tracks carry no media and a recording of them holds nothing.
   */
  sendMedia(): void {
    const width = 160;
    const height = 120;
    let frame = 0;
    const video = setInterval(() => {
      const data = new Uint8ClampedArray((width * height * 3) / 2).fill((frame++ * 4) % 256);
      this.sources.video.onFrame({ width, height, data });
    }, 66);
    let t = 0;
    const audio = setInterval(() => {
      const samples = new Int16Array(480);
      for (let i = 0; i < samples.length; i++)
        samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * t++) / 48_000));
      this.sources.audio.onData({
        samples,
        sampleRate: 48_000,
        bitsPerSample: 16,
        channelCount: 1,
        numberOfFrames: 480,
      });
    }, 10);
    this.stopMedia = () => {
      clearInterval(video);
      clearInterval(audio);
    };
  }

  private stopMedia = (): void => undefined;

  close(): void {
    this.stopMedia();
    this.socket.off('call:sfu-offer', this.onOffer);
    this.publisher?.close();
    this.subscriber?.close();
    this.publisher = null;
    this.subscriber = null;
  }

  private async answer(event: SfuOfferEvent): Promise<void> {
    let pc = this.subscriber;
    if (pc === null || (pc as { epoch?: number }).epoch !== event.epoch) {
      pc?.close();
      pc = Object.assign(new RTCPeerConnection({ iceServers: [] }), { epoch: event.epoch });
      this.subscriber = pc;
      this.trickle(pc, event.epoch, 'subscriber');
    }
    await pc.setRemoteDescription(event.offer);
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    const ack = await this.socket.emitWithAck('call:sfu-answer', {
      callId: this.callId,
      epoch: event.epoch,
      answer: { type: 'answer', sdp: pc.localDescription!.sdp },
    });
    this.answerAcks.push(ack);
  }

  private trickle(pc: PeerConnection, epoch: number, connection: 'publisher' | 'subscriber'): void {
    pc.onicecandidate = ({ candidate }) => {
      const payload: IceCandidate =
        candidate === null
          ? null
          : {
              candidate: candidate.candidate,
              sdpMid: candidate.sdpMid,
              sdpMLineIndex: candidate.sdpMLineIndex,
            };
      void this.socket
        .emitWithAck('call:sfu-ice-candidate', { callId: this.callId, epoch, connection, candidate: payload })
        .catch(() => undefined);
    };
  }
}

export async function waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
