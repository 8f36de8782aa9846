/**
 * One signaling client of the bench: a socket.io connection (WebSocket only, like the app) with a per-event
 * inbox, so a flow can await "the next call:offer of call X" without racing the event's arrival.
 */
import { io, type Socket } from 'socket.io-client';
import type { SocketAck } from '../../src/shared/protocol/index.ts';
import type { RelayLatencyRecorder } from './relayLatency.ts';

/** Generous: at 1,000 simultaneous call set-ups a slow server queues requests for tens of seconds. */
const EVENT_TIMEOUT_MS = 120_000;

export const INBOX_EVENTS = [
  'call:incoming',
  'call:participant-joined',
  'call:offer',
  'call:answer',
  'call:ice-candidate',
  'call:ended',
] as const;
export type InboxEvent = (typeof INBOX_EVENTS)[number];
export interface CallEventPayload {
  callId: string;
  fromUserId?: string;
  [key: string]: unknown;
}

export class BenchClient {
  readonly userId: string;
  readonly #socket: Socket;
  readonly #inbox = new Map<InboxEvent, CallEventPayload[]>();
  readonly #waiters = new Map<InboxEvent, Array<(payload: CallEventPayload) => void>>();

  private constructor(userId: string, socket: Socket, latency: RelayLatencyRecorder) {
    this.userId = userId;
    this.#socket = socket;
    for (const event of INBOX_EVENTS) {
      socket.on(event, (payload: CallEventPayload) => {
        // Timed first, before any queueing in this process can add to the measured latency.
        latency.arrived(event, payload);
        this.#deliver(event, payload);
      });
    }
  }

  static connect(
    url: string,
    userId: string,
    auth: Record<string, string>,
    latency: RelayLatencyRecorder,
  ): Promise<BenchClient> {
    const socket = io(url, { transports: ['websocket'], auth, reconnection: false, forceNew: true });
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(new BenchClient(userId, socket, latency)));
      socket.once('connect_error', (error) => {
        socket.close();
        reject(new Error(`socket of ${userId} refused: ${error.message}`));
      });
    });
  }

  async emit(event: string, payload: unknown): Promise<void> {
    const ack = (await this.#socket.timeout(EVENT_TIMEOUT_MS).emitWithAck(event, payload)) as SocketAck;
    if (!ack.ok) throw new Error(`${event} refused: ${ack.error.code} ${ack.error.message}`);
  }

  /** The next `event` of call `callId`; events of other (earlier, failed) calls are dropped. */
  async next(event: InboxEvent, callId: string): Promise<CallEventPayload> {
    for (;;) {
      const payload = await this.#nextAny(event);
      if (payload.callId === callId) return payload;
    }
  }

  close(): void {
    this.#socket.close();
  }

  #nextAny(event: InboxEvent): Promise<CallEventPayload> {
    const queued = this.#inbox.get(event)?.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const waiters = this.#waiters.get(event) ?? [];
        waiters.splice(waiters.indexOf(settle), 1);
        reject(new Error(`${this.userId}: no ${event} within ${EVENT_TIMEOUT_MS} ms`));
      }, EVENT_TIMEOUT_MS);
      const settle = (payload: CallEventPayload): void => {
        clearTimeout(timer);
        resolve(payload);
      };
      this.#waiters.set(event, [...(this.#waiters.get(event) ?? []), settle]);
    });
  }

  #deliver(event: InboxEvent, payload: CallEventPayload): void {
    const waiter = this.#waiters.get(event)?.shift();
    if (waiter) waiter(payload);
    else this.#inbox.set(event, [...(this.#inbox.get(event) ?? []), payload]);
  }
}
