/**
 * The socket.io connection of one synthetic client (WebSocket only, like the app). Unlike the signaling
 * bench's BenchClient, which awaits one event at a time, media clients react to events as they come (offers
 * from several peers, repeated subscription offers), so this exposes plain handlers plus acknowledged emits.
 */
import { io, type Socket } from 'socket.io-client';
import type { ApiError } from '../../src/shared/protocol/index.ts';

/** Generous: twenty clients negotiating at once on two shared cores queue up. */
const ACK_TIMEOUT_MS = 60_000;

type Ack = { ok: true; [key: string]: unknown } | { ok: false; error: ApiError };

export class SignalingSocket {
  readonly #socket: Socket;

  private constructor(socket: Socket) {
    this.#socket = socket;
  }

  static connect(url: string, auth: Record<string, string>, label: string): Promise<SignalingSocket> {
    const socket = io(url, { transports: ['websocket'], auth, reconnection: false, forceNew: true });
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(new SignalingSocket(socket)));
      socket.once('connect_error', (error) => {
        socket.close();
        reject(new Error(`socket of ${label} refused: ${error.message}`));
      });
    });
  }

  on<T>(event: string, handler: (payload: T) => void): void {
    this.#socket.on(event, handler);
  }

  /** Emits and resolves with the acknowledgement; a refusal rejects with the server's error. */
  async request<T extends Ack>(event: string, payload: unknown): Promise<Extract<T, { ok: true }>> {
    const ack = (await this.#socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, payload)) as T;
    if (!ack.ok) throw new Error(`${event} refused: ${ack.error.code} ${ack.error.message}`);
    return ack as Extract<T, { ok: true }>;
  }

  close(): void {
    this.#socket.close();
  }
}
