import type { AnswerEvent, IceCandidateEvent, OfferEvent } from '../../../shared/protocol/index.ts';
import type { CallEngine } from '../callEngine.ts';
import type { SignalingPort } from '../types.ts';

/** `toDevice`: the targetDeviceId the sender named (else every device of `to` gets it, like a ringing user). */
export type SentSignal = { toDevice?: string | undefined } & (
  | { kind: 'offer'; from: string; to: string; event: OfferEvent }
  | { kind: 'answer'; from: string; to: string; event: AnswerEvent }
  | { kind: 'candidate'; from: string; to: string; event: IceCandidateEvent }
);

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
  /** Per user, their engines by device ('' for a test that does not tell devices apart). */
  private readonly engines = new Map<string, Map<string, CallEngine>>();
  private held: SentSignal[] = [];

  attach(userId: string, engine: CallEngine, deviceId = ''): void {
    const devices = this.engines.get(userId) ?? new Map<string, CallEngine>();
    devices.set(deviceId, engine);
    this.engines.set(userId, devices);
  }

  /** A device that is gone (hung up, answered elsewhere) hears nothing more. */
  detach(userId: string, deviceId = ''): void {
    this.engines.get(userId)?.delete(deviceId);
  }

  /** `deviceId`: stamped as fromDeviceId, as the server does. */
  portFor(from: string, deviceId?: string): SignalingPort {
    const stamp = { fromUserId: from, ...(deviceId === undefined ? {} : { fromDeviceId: deviceId }) };
    return {
      sendOffer: ({ callId, targetUserId, targetDeviceId, offer }) =>
        this.dispatch({
          kind: 'offer',
          from,
          to: targetUserId,
          toDevice: targetDeviceId,
          event: { callId, ...stamp, offer: { type: 'offer', sdp: offer.sdp ?? '' } },
        }),
      sendAnswer: ({ callId, targetUserId, targetDeviceId, answer }) =>
        this.dispatch({
          kind: 'answer',
          from,
          to: targetUserId,
          toDevice: targetDeviceId,
          event: { callId, ...stamp, answer: { type: 'answer', sdp: answer.sdp ?? '' } },
        }),
      sendIceCandidate: ({ callId, targetUserId, targetDeviceId, candidate }) =>
        this.dispatch({
          kind: 'candidate',
          from,
          to: targetUserId,
          toDevice: targetDeviceId,
          event: {
            callId,
            ...stamp,
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
      for (const [device, engine] of this.engines.get(signal.to) ?? []) {
        if (signal.toDevice !== undefined && device !== '' && device !== signal.toDevice) continue;
        const handled =
          signal.kind === 'offer'
            ? engine.handleOffer(signal.event)
            : signal.kind === 'answer'
              ? engine.handleAnswer(signal.event)
              : engine.handleIceCandidate(signal.event);
        handled.catch((err: unknown) => this.deliveryErrors.push(err));
      }
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
