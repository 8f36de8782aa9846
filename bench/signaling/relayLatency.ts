/**
 * Relay latency: the time from a client emitting an offer/answer/ICE candidate to its peer receiving it. Both
 * ends live in the bench process, so one monotonic clock times both.
 */
import type { InboxEvent, CallEventPayload } from './benchClient.ts';

export type RelayKind = 'sdp' | 'ice';

export class RelayLatencyRecorder {
  readonly #sentAt = new Map<string, number>();
  #samples: Record<RelayKind, number[]> = { sdp: [], ice: [] };

  /** Call right before emitting. */
  sent(
    event: 'call:offer' | 'call:answer' | 'call:ice-candidate',
    payload: CallEventPayload,
    from: string,
  ): void {
    this.#sentAt.set(messageKey(event, payload, from), performance.now());
  }

  arrived(event: InboxEvent, payload: CallEventPayload): void {
    if (event !== 'call:offer' && event !== 'call:answer' && event !== 'call:ice-candidate') return;
    const key = messageKey(event, payload, payload.fromUserId ?? '');
    const sentAt = this.#sentAt.get(key);
    if (sentAt === undefined) return;
    this.#sentAt.delete(key);
    this.#samples[event === 'call:ice-candidate' ? 'ice' : 'sdp'].push(performance.now() - sentAt);
  }

  /** The samples since the last take, and a fresh start (one bench round each). */
  take(): Record<RelayKind, number[]> {
    const samples = this.#samples;
    this.#samples = { sdp: [], ice: [] };
    this.#sentAt.clear();
    return samples;
  }
}

function messageKey(event: string, payload: CallEventPayload, from: string): string {
  const candidate = payload.candidate as { candidate: string } | null | undefined;
  const discriminator = event === 'call:ice-candidate' ? (candidate?.candidate ?? 'end-of-candidates') : '';
  return `${payload.callId}|${event}|${from}|${discriminator}`;
}
