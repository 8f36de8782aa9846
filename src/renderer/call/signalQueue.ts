import { errorMessage } from '../signaling/restClient.ts';
import type { CallEngine } from '../webrtc/index.ts';

/** A server event for the engine of one call: peer signaling and the media server's. */
export type SignalEvent =
  | { kind: 'offer'; event: Parameters<CallEngine['handleOffer']>[0] }
  | { kind: 'answer'; event: Parameters<CallEngine['handleAnswer']>[0] }
  | { kind: 'ice'; event: Parameters<CallEngine['handleIceCandidate']>[0] }
  | { kind: 'topology'; event: Parameters<CallEngine['useTopology']>[0] & { callId: string } }
  | { kind: 'sfu-offer'; event: Parameters<CallEngine['handleSfuOffer']>[0] };

/** Signaling that arrives before this client's engine exists (a peer re-offers while we reload) waits here. */
const MAX_PENDING_SIGNALS = 200;

/** Signals per call that no engine could take yet, in arrival order, bounded. */
export class SignalQueue {
  readonly #pending = new Map<string, SignalEvent[]>();

  /** False when the call's queue is full (the signal is dropped). */
  hold(signal: SignalEvent): boolean {
    const { callId } = signal.event;
    const queue = this.#pending.get(callId) ?? [];
    if (queue.length >= MAX_PENDING_SIGNALS) return false;
    queue.push(signal);
    this.#pending.set(callId, queue);
    return true;
  }

  hasPreconnectOffer(callId: string): boolean {
    return this.#pending.get(callId)?.some(isPreconnectOffer) ?? false;
  }

  /** The call's held signals, removed from the queue. */
  take(callId: string): SignalEvent[] {
    const held = this.#pending.get(callId) ?? [];
    this.#pending.delete(callId);
    return held;
  }

  forget(callId: string): void {
    this.#pending.delete(callId);
  }
}

/** Only a caller that takes an answer per ringing device is answered before the user picks up (OfferPayload). */
export function isPreconnectOffer(signal: SignalEvent): boolean {
  return signal.kind === 'offer' && signal.event.preconnect === true;
}

/** Hands a signal to the engine; one that cannot be applied is logged, it must not break the flow. */
export async function deliverSignal(engine: CallEngine, signal: SignalEvent): Promise<void> {
  try {
    if (signal.kind === 'offer') await engine.handleOffer(signal.event);
    else if (signal.kind === 'answer') await engine.handleAnswer(signal.event);
    else if (signal.kind === 'ice') await engine.handleIceCandidate(signal.event);
    else if (signal.kind === 'topology') engine.useTopology(signal.event);
    else await engine.handleSfuOffer(signal.event);
  } catch (error) {
    console.warn(`calls: ${signal.kind} from a peer could not be applied (${errorMessage(error)})`);
  }
}
