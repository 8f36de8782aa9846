/**
 * The typed socket.io connection to the signaling server. WebSocket transport only (the server accepts
 * nothing else), authenticated in the handshake with the session token and this client's device id.
 * Incoming payloads are validated before any listener sees them.
 */
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import type {
  ClientEventName,
  ClientToServerEvents,
  ServerEventName,
  ServerToClientEvents,
  SocketAck,
} from '../../shared/protocol/index.ts';
import type { ConnectionStatus } from '../store/session.slice.ts';
import { parseServerEvent } from './serverEvents.ts';

type ClientPayload<K extends ClientEventName> = Parameters<ClientToServerEvents[K]>[0];
/** What the server acknowledges an event with: a SocketAck, or a richer result type (call:sfu-publish). */
type ClientAck<K extends ClientEventName> = Parameters<Parameters<ClientToServerEvents[K]>[1]>[0];

/** Long enough for a loaded server, short enough that a dead link is reported while the user still waits. */
const ACK_TIMEOUT_MS = 10_000;

export interface SignalingClient {
  on<K extends ServerEventName>(event: K, listener: ServerToClientEvents[K]): () => void;
  /** Never rejects: no answer within the timeout resolves as an 'unavailable' error. */
  send<K extends ClientEventName>(event: K, payload: ClientPayload<K>): Promise<ClientAck<K>>;
  onStatus(listener: (status: ConnectionStatus, reason?: 'unauthorized') => void): () => void;
  close(): void;
}

export function connectSignaling(options: {
  serverUrl: string;
  token: string;
  deviceId: string;
}): SignalingClient {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(options.serverUrl, {
    transports: ['websocket'],
    auth: { token: options.token, deviceId: options.deviceId },
  });
  const statusListeners = new Set<(status: ConnectionStatus, reason?: 'unauthorized') => void>();
  const emitStatus = (status: ConnectionStatus, reason?: 'unauthorized') => {
    for (const listener of statusListeners) listener(status, reason);
  };
  socket.on('connect', () => emitStatus('online'));
  socket.on('disconnect', () => emitStatus('connecting'));
  socket.on('connect_error', (error) => {
    // The server refuses a bad or expired token in the handshake; retrying with it would loop forever.
    if (/unauthori[sz]ed|token/i.test(error.message)) {
      socket.disconnect();
      emitStatus('offline', 'unauthorized');
    } else {
      emitStatus('connecting');
    }
  });

  return {
    on(event, listener) {
      const handler = (payload: unknown) => {
        const parsed = parseServerEvent(event, payload);
        if (!parsed.ok) {
          console.warn(`signaling: dropped an invalid ${event} (${parsed.reason})`);
          return;
        }
        (listener as (payload: unknown) => void)(parsed.value);
      };
      // The generic socket type cannot follow a generic event name; the payload was validated just above.
      const untyped = socket as unknown as Socket;
      untyped.on(event as string, handler);
      return () => void untyped.off(event as string, handler);
    },
    async send(event, payload) {
      const untyped = socket as unknown as Socket;
      try {
        return (await untyped.timeout(ACK_TIMEOUT_MS).emitWithAck(event, payload)) as ClientAck<typeof event>;
      } catch {
        const timedOut: SocketAck = {
          ok: false,
          error: { code: 'unavailable', message: `No answer from the server to ${event}` },
        };
        return timedOut as ClientAck<typeof event>;
      }
    },
    onStatus(listener) {
      statusListeners.add(listener);
      listener(socket.connected ? 'online' : 'connecting');
      return () => void statusListeners.delete(listener);
    },
    close() {
      statusListeners.clear();
      socket.disconnect();
    },
  };
}
