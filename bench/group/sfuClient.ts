/**
 * A synthetic SFU participant, speaking the backend's SFU protocol (src/shared/protocol/socket/sfu.ts, "group calls on
 * an SFU") the way the app's SfuTransport does: on `call:topology` sfu it publishes audio + camera on one
 * sendonly connection (simulcast h/m/l by rid, in that order like janus.js), and it answers every
 * `call:sfu-offer` on one subscriber connection. Trickled candidates wait for the step that creates the
 * backend's handle (the publish acknowledgement, the subscription answer's acknowledgement).
 *
 * What it watches, like a grid of `visible` tiles: the first remote camera it learns of is the "speaker"
 * (high layer), the next visible - 1 small tiles (low layer), everyone else off.
 */
import wrtc from '@roamhq/wrtc';
import type {
  CallTopologyEvent,
  SessionDescription,
  SfuLayer,
  SfuOfferEvent,
  SfuPublishAck,
  SfuStreamDto,
} from '../../src/shared/protocol/index.ts';
import { FirstFrameWatch } from './remoteVideo.ts';
import type { SignalingSocket } from './signalingSocket.ts';
import type { SyntheticMedia } from '../../e2e/spec-client/syntheticMedia.ts';

/** The app's camera simulcast (design: h full resolution ~1.2 Mbps, m half ~400 kbps, l quarter ~120 kbps). */
const SIMULCAST_ENCODINGS: RTCRtpEncodingParameters[] = [
  { rid: 'h', maxBitrate: 1_200_000 },
  { rid: 'm', maxBitrate: 400_000, scaleResolutionDownBy: 2 },
  { rid: 'l', maxBitrate: 120_000, scaleResolutionDownBy: 4 },
];
const SINGLE_LAYER_ENCODING: RTCRtpEncodingParameters[] = [{ maxBitrate: 1_200_000 }];

export interface SfuClientOptions {
  simulcast: boolean;
  /** Remote camera tiles this client shows at once (the rest are 'off'). */
  visible: number;
}

interface Session {
  epoch: number;
  publisher: RTCPeerConnection;
  subscriber: RTCPeerConnection | null;
  /** Serializes subscription offers: each renegotiates the same connection. */
  offers: Promise<void>;
  /** Subscription offers received; an offer that is no longer the latest when its turn comes is skipped. */
  offerCount: number;
  /** ICE username fragment of the subscription: a different one means a new Janus handle. */
  subscriberUfrag: string | null;
  lastView: string;
}

export class SfuClient {
  readonly userId: string;
  readonly frames = new FirstFrameWatch();
  joinedAt: number | null = null;
  /** performance.now() of the first `call:topology` sfu this client got. */
  topologyAt: number | null = null;
  /** performance.now() when the publish was acknowledged (Janus's answer in hand). */
  publishedAt: number | null = null;
  /** Subscriptions the backend replaced (a sign of answers arriving too late on an overloaded machine). */
  resubscriptions = 0;
  readonly #socket: SignalingSocket;
  readonly #media: SyntheticMedia;
  readonly #callId: string;
  readonly #options: SfuClientOptions;
  readonly #onError: (error: Error) => void;
  /** Remote cameras in the order this client learned of them: the order tiles fill the grid. */
  readonly #cameraOrder: string[] = [];
  #session: Session | null = null;

  constructor(
    userId: string,
    socket: SignalingSocket,
    media: SyntheticMedia,
    callId: string,
    options: SfuClientOptions,
    onError: (error: Error) => void,
  ) {
    this.userId = userId;
    this.#socket = socket;
    this.#media = media;
    this.#callId = callId;
    this.#options = options;
    this.#onError = onError;
    socket.on<CallTopologyEvent>('call:topology', (e) => {
      if (e.callId !== callId || e.topology !== 'sfu' || e.epoch === this.#session?.epoch) return;
      this.topologyAt ??= performance.now();
      this.#guard(this.#start(e.epoch));
    });
    socket.on<SfuOfferEvent>('call:sfu-offer', (e) => {
      const session = this.#session;
      if (e.callId !== callId || session?.epoch !== e.epoch) return;
      const number = ++session.offerCount;
      session.offers = session.offers
        .then(() => (number === session.offerCount ? this.#subscribe(session, e) : undefined))
        .catch(this.#onError);
    });
  }

  get callId(): string {
    return this.#callId;
  }

  markJoined(): void {
    this.joinedAt = performance.now();
  }

  connections(): RTCPeerConnection[] {
    const session = this.#session;
    if (!session) return [];
    return session.subscriber ? [session.publisher, session.subscriber] : [session.publisher];
  }

  close(): void {
    this.frames.stop();
    this.#closeSession();
  }

  /** A new room (first move to the SFU, or a failover): publish and subscribe from scratch. */
  async #start(epoch: number): Promise<void> {
    this.#closeSession();
    const publisher = new wrtc.RTCPeerConnection({ iceServers: [] });
    const session: Session = {
      epoch,
      publisher,
      subscriber: null,
      offers: Promise.resolve(),
      offerCount: 0,
      subscriberUfrag: null,
      lastView: '',
    };
    this.#session = session;
    const trickle = this.#trickle(session, 'publisher', publisher);

    const stream = new wrtc.MediaStream([this.#media.audio, this.#media.video]);
    const audio = publisher.addTransceiver(this.#media.audio, { direction: 'sendonly', streams: [stream] });
    const camera = publisher.addTransceiver(this.#media.video, {
      direction: 'sendonly',
      streams: [stream],
      sendEncodings: this.#options.simulcast ? SIMULCAST_ENCODINGS : SINGLE_LAYER_ENCODING,
    });
    await publisher.setLocalDescription(await publisher.createOffer());
    const ack = await this.#socket.request<SfuPublishAck>('call:sfu-publish', {
      callId: this.#callId,
      epoch,
      offer: publisher.localDescription!.toJSON(),
      sources: [
        { mid: audio.mid!, source: 'audio' },
        { mid: camera.mid!, source: 'camera' },
      ],
    });
    if (this.#session !== session) return;
    await publisher.setRemoteDescription(ack.answer as RTCSessionDescriptionInit);
    this.publishedAt ??= performance.now();
    trickle.open();
  }

  async #subscribe(session: Session, offer: SfuOfferEvent): Promise<void> {
    if (this.#session !== session) return;
    let trickle: { open(): void } | null = null;
    // The backend replaces a subscription whose connection hung up or whose offer went unanswered too long:
    // a new Janus handle, so a new DTLS session, which needs a new connection. Janus signs every handle with
    // the same certificate (same fingerprint) and renews the o= session id on every renegotiation, but
    // each handle has its own ICE credentials (the backend never restarts a subscriber's ICE in place).
    const ufrag = /^a=ice-ufrag:(\S+)/m.exec(offer.offer.sdp)?.[1] ?? null;
    if (session.subscriber && ufrag !== session.subscriberUfrag) {
      session.subscriber.close();
      session.subscriber = null;
      session.lastView = '';
      this.resubscriptions++;
    }
    session.subscriberUfrag = ufrag;
    if (!session.subscriber) {
      session.subscriber = new wrtc.RTCPeerConnection({ iceServers: [] });
      session.subscriber.ontrack = ({ track }) => this.frames.watch(track);
      trickle = this.#trickle(session, 'subscriber', session.subscriber);
    }
    const pc = session.subscriber;
    await pc.setRemoteDescription(offer.offer as RTCSessionDescriptionInit);
    await pc.setLocalDescription(await pc.createAnswer());
    await this.#socket.request('call:sfu-answer', {
      callId: this.#callId,
      epoch: session.epoch,
      answer: pc.localDescription!.toJSON() as SessionDescription,
    });
    trickle?.open();
    await this.#updateView(session, offer.streams);
  }

  /** Sends `call:sfu-view` when the tiles' layers change: speaker high, other visible tiles low, rest off. */
  async #updateView(session: Session, streams: SfuStreamDto[]): Promise<void> {
    const cameras = streams.filter((s) => s.kind === 'video' && s.source === 'camera').map((s) => s.userId);
    for (const userId of cameras) if (!this.#cameraOrder.includes(userId)) this.#cameraOrder.push(userId);
    const present = this.#cameraOrder.filter((userId) => cameras.includes(userId));
    const view = present.map((userId, index) => ({
      userId,
      source: 'camera' as const,
      layer: (index === 0 ? 'high' : index < this.#options.visible ? 'low' : 'off') satisfies SfuLayer,
    }));
    const key = JSON.stringify(view);
    if (view.length === 0 || key === session.lastView) return;
    session.lastView = key;
    await this.#socket.request('call:sfu-view', {
      callId: this.#callId,
      epoch: session.epoch,
      streams: view,
    });
  }

  /** Forwards the connection's candidates once open() is called; until then they wait. */
  #trickle(session: Session, connection: 'publisher' | 'subscriber', pc: RTCPeerConnection) {
    let queue: Array<RTCIceCandidateInit | null> | null = [];
    const send = (candidate: RTCIceCandidateInit | null): void => {
      if (this.#session !== session) return;
      this.#guard(
        this.#socket.request('call:sfu-ice-candidate', {
          callId: this.#callId,
          epoch: session.epoch,
          connection,
          candidate,
        }),
      );
    };
    pc.onicecandidate = ({ candidate }) => {
      const init = candidate ? candidate.toJSON() : null;
      if (queue) queue.push(init);
      else send(init);
    };
    return {
      open: () => {
        const waiting = queue ?? [];
        queue = null;
        waiting.forEach(send);
      },
    };
  }

  #closeSession(): void {
    const session = this.#session;
    this.#session = null;
    session?.publisher.close();
    session?.subscriber?.close();
  }

  #guard(work: Promise<unknown>): void {
    work.catch((error: unknown) => this.#onError(error as Error));
  }
}
