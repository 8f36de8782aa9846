import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../../../src/shared/protocol/index.ts';
import type { Leaver } from '../services/notifier.ts';

/** What the handshake established; survives connection state recovery with the socket. */
export interface SocketData {
  userId: string;
  deviceId: string;
}

/** Between nodes, through the adapter. */
export interface InterServerEvents {
  /** `left`: who just left the call and which stay of theirs ended (its media sessions end now). */
  'call:changed': (callId: string, left: Leaver[]) => void;
}

export type SignalingServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;
export type SignalingSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;

export const userRoom = (userId: string) => `user:${userId}`;
/** Scoped by user: device ids are chosen by clients, so another user's socket may claim the same one. */
export const deviceRoom = (userId: string, deviceId: string) => `device:${userId}:${deviceId}`;
