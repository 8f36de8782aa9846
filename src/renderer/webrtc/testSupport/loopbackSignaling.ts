import type { AnswerEvent, IceCandidateEvent, OfferEvent } from '../../../shared/protocol.ts';
import type { CallEngine } from '../callEngine.ts';
import type { SignalingPort } from '../types.ts';

export type SentSignal =
  | { kind: 'offer'; from: string; to: string; event: OfferEvent }
  | { kind: 'answer'; from: string; to: string; event: AnswerEvent }
  | { kind: 'candidate'; from: string; to: string; event: IceCandidateEvent };

export type Route = 'deliver' | 'hold' | 'drop';

/**
 * An in-memory signaling server for engines in the same page. Messages are delivered asynchronously and in
 * order, like a socket; a test can hold or drop messages with `route` to stage glare and reordering.
 */
export class LoopbackSignaling {
  readonly sent: SentSignal[] = [];
  /** Rejections of handleOffer/handleAnswer/handleIceCandidate: a correct engine never produces one here. */
  readonly deliveryErrors: unknown[] = [];
  route: (signal: SentSignal) => Route = () => 'deliver';
  private readonly engines = new Map<string, CallEngine>();
  private held: SentSignal[] = [];

  attach(userId: string, engine: CallEngine): void {
    this.engines.set(userId, engine);
  }

  portFor(from: string): SignalingPort {
    return {
      sendOffer: ({ callId, targetUserId, offer }) =>
        this.dispatch({
          kind: 'offer',
          from,
          to: targetUserId,
          event: { callId, fromUserId: from, offer: { type: 'offer', sdp: offer.sdp ?? '' } },
        }),
      sendAnswer: ({ callId, targetUserId, answer }) =>
        this.dispatch({
          kind: 'answer',
          from,
          to: targetUserId,
          event: { callId, fromUserId: from, answer: { type: 'answer', sdp: answer.sdp ?? '' } },
        }),
      sendIceCandidate: ({ callId, targetUserId, candidate }) =>
        this.dispatch({
          kind: 'candidate',
          from,
          to: targetUserId,
          event: {
            callId,
            fromUserId: from,
            candidate: candidate ? { ...candidate, candidate: candidate.candidate ?? '' } : null,
          },
        }),
      // Peer-to-peer only: the SFU side of the engine is exercised with sfuTransport.browser.test.ts's room.
      sfuPublish: () => Promise.reject(new Error('no SFU behind the loopback signaling')),
      sfuAnswer: () => undefined,
      sfuIceCandidate: () => undefined,
      sfuView: () => undefined,
    };
  }

  releaseHeld(): void {
    const held = this.held;
    this.held = [];
    held.forEach((signal) => this.deliver(signal));
  }

  private dispatch(signal: SentSignal): void {
    this.sent.push(signal);
    const route = this.route(signal);
    if (route === 'hold') this.held.push(signal);
    else if (route === 'deliver') this.deliver(signal);
  }

  private deliver(signal: SentSignal): void {
    // A macrotask per message, like a network hop; equal-delay timers run in the order they were set.
    setTimeout(() => {
      const engine = this.engines.get(signal.to);
      if (!engine) return;
      const handled =
        signal.kind === 'offer'
          ? engine.handleOffer(signal.event)
          : signal.kind === 'answer'
            ? engine.handleAnswer(signal.event)
            : engine.handleIceCandidate(signal.event);
      handled.catch((err: unknown) => this.deliveryErrors.push(err));
    }, 0);
  }
}

/** The codec of the first (preferred) payload type of the first video m-line. */
export function firstVideoCodec(sdp: string): string | null {
  const payloadType = /^m=video \d+ [A-Z/]+ (\d+)/m.exec(sdp)?.[1];
  if (payloadType === undefined) return null;
  return new RegExp(`^a=rtpmap:${payloadType} ([^/]+)/`, 'm').exec(sdp)?.[1] ?? null;
}

/** The Opus fmtp parameters of a description. */
export function opusFmtp(sdp: string): string | null {
  const payloadType = /^a=rtpmap:(\d+) opus\/48000/im.exec(sdp)?.[1];
  if (payloadType === undefined) return null;
  return new RegExp(`^a=fmtp:${payloadType} (.*)$`, 'm').exec(sdp)?.[1]?.trim() ?? null;
}

export function iceUfrags(sdp: string): string[] {
  return [...sdp.matchAll(/^a=ice-ufrag:(\S+)/gm)].map((m) => m[1]!);
}
