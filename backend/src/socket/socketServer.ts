/**
 * The socket.io server: WebSocket transport only (no sticky sessions needed behind a load balancer), Origin
 * allowlist, token + device handshake, and the Redis streams adapter when several nodes share the work.
 */
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { randomUUID } from 'node:crypto';
import { Server } from 'socket.io';
import { MAX_SOCKET_MESSAGE_BYTES, SocketHandshakeAuth } from '../../../src/shared/protocol/index.ts';
import type { AccountCheck } from '../auth/accounts.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { OriginPolicy } from '../http/originPolicy.ts';
import type { Logger } from '../logger.ts';
import type { RateLimits } from '../rateLimits.ts';
import type { CallFloorService } from '../services/callFloor.service.ts';
import type { CallMediaService } from '../services/callMedia.service.ts';
import type { PresenceService } from '../services/presence.service.ts';
import type { RelayDirectory } from '../services/relayDirectory.ts';
import type { SfuSessions } from '../sfu/sfuSessions.ts';
import { registerCallFloorHandlers } from './callFloor.handlers.ts';
import { registerSfuHandlers, type SfuHandlerDeps } from './sfu.handlers.ts';
import { registerSignalingHandlers } from './signaling.handlers.ts';
import { deviceRoom, userRoom, type SignalingServer, type SocketData } from './socketTypes.ts';
import { guardClientEvents } from './validatedEvent.ts';

export interface SocketServerOptions {
  origins: OriginPolicy;
  /** A connected node-redis client; null for a single node. */
  redis: unknown;
  redisPrefix: string;
}

/** Group calls on the SFU (JANUS_URLS set). */
export interface SfuSocketDeps {
  sessions: SfuSessions;
  loadCall: SfuHandlerDeps['loadCall'];
  /** The open SFU calls this device is in, with their current epoch. */
  sfuCallsOfDevice(userId: string, deviceId: string): Promise<{ callId: string; epoch: number }[]>;
}

export interface SocketHandlerDeps {
  relayDirectory: RelayDirectory;
  /** Null without an SFU configured: the sfu events are then not handled (clients get no ack). */
  sfu: SfuSocketDeps | null;
  tokens: TokenService;
  accounts: AccountCheck;
  media: CallMediaService;
  /** Raised hands and reactions. */
  floor: CallFloorService;
  presence: PresenceService;
  rateLimits: RateLimits;
  logger: Logger;
  /** Presence writes still running, awaited by a graceful shutdown before the database closes. */
  track(work: Promise<unknown>): void;
  /**
   * During a graceful shutdown sockets close without their users leaving: media keeps flowing peer to peer,
   * and the reconnect grace starts when the server is back (see server.ts), not while it restarts.
   */
  isShuttingDown(): boolean;
}

/** How long a dropped socket's rooms and missed events are kept for it to resume (Redis adapter only). */
const RECOVERY_WINDOW_MS = 2 * 60 * 1000;

export function createSocketServer(options: SocketServerOptions): SignalingServer {
  return new Server({
    transports: ['websocket'],
    maxHttpBufferSize: MAX_SOCKET_MESSAGE_BYTES,
    serveClient: false,
    allowRequest: (req, callback) => {
      const allowed = options.origins.isAllowed(req.headers.origin);
      callback(allowed ? null : 'origin not allowed', allowed);
    },
    ...(options.redis === null
      ? {}
      : {
          adapter: createAdapter(options.redis, {
            streamName: `${options.redisPrefix}:socket.io`,
            channelPrefix: `${options.redisPrefix}:socket.io`,
            sessionKeyPrefix: `${options.redisPrefix}:sio:session:`,
            onlyPlaintext: true,
          }),
          connectionStateRecovery: { maxDisconnectionDuration: RECOVERY_WINDOW_MS, skipMiddlewares: true },
        }),
  });
}

/**
 * Who is connected to these devices across the cluster (see deviceLiveness.service.ts). The adapter asks
 * every node subscribed in Redis and rejects after `timeoutMs` if one stays silent. `devices` must not be empty: no
 * rooms would mean every socket.
 */
export async function connectedDeviceOwners(
  io: SignalingServer,
  devices: readonly SocketData[],
  timeoutMs: number,
): Promise<SocketData[]> {
  const rooms = devices.map((d) => deviceRoom(d.userId, d.deviceId));
  const sockets = await io.timeout(timeoutMs).in(rooms).fetchSockets();
  return sockets.map((s) => s.data);
}

/**
 * The error a client sees as `connect_error`: message 'unauthorized', 'bad_request' or 'unavailable' (try
 * again), details in `data`.
 */
function handshakeError(code: 'unauthorized' | 'bad_request' | 'unavailable', message: string): Error {
  return Object.assign(new Error(code), { data: { code, message } });
}

export function registerSocketHandlers(io: SignalingServer, deps: SocketHandlerDeps): void {
  io.use(async (socket, next) => {
    // The token is read from the handshake's auth payload only: query strings end up in proxy logs.
    const auth = SocketHandshakeAuth.safeParse(socket.handshake.auth);
    if (!auth.success) {
      const field = auth.error.issues[0]?.path.join('.') ?? 'auth';
      return next(
        handshakeError(field === 'deviceId' ? 'bad_request' : 'unauthorized', `auth.${field} is invalid`),
      );
    }
    const userId = await deps.tokens.verify(auth.data.token).catch(() => null);
    if (userId === null) return next(handshakeError('unauthorized', 'a valid token is required'));
    const exists = await deps.accounts.exists(userId).catch((err: unknown) => {
      deps.logger.error({ err, userId }, 'account lookup on handshake failed');
      return null;
    });
    if (exists === null) return next(handshakeError('unavailable', 'try again shortly'));
    if (!exists) return next(handshakeError('unauthorized', 'this account no longer exists'));
    // A client without a device id (one written from the spec) is a device of its own per connection.
    socket.data = { userId, deviceId: auth.data.deviceId ?? `conn-${randomUUID()}` };
    next();
  });

  io.on('connection', (socket) => {
    const { userId, deviceId } = socket.data;
    if (!socket.recovered) void socket.join([userRoom(userId), deviceRoom(userId, deviceId)]);
    guardClientEvents(socket, { accounts: deps.accounts, logger: deps.logger });
    registerSignalingHandlers(socket, {
      io,
      relayDirectory: deps.relayDirectory,
      media: deps.media,
      rateLimits: deps.rateLimits,
      logger: deps.logger,
    });
    registerCallFloorHandlers(socket, {
      floor: deps.floor,
      rateLimits: deps.rateLimits,
      logger: deps.logger,
    });
    const { sfu } = deps;
    if (sfu !== null) {
      registerSfuHandlers(socket, {
        sessions: sfu.sessions,
        relayDirectory: deps.relayDirectory,
        loadCall: sfu.loadCall,
        rateLimits: deps.rateLimits,
        logger: deps.logger,
      });
      // The device's media sessions end with its last socket here (see below): whether this is a reload or
      // a recovered blip, it publishes and subscribes again for every SFU call it is in. A page still in the
      // room ignores the announcement unless told its session is gone (`sessionEnded`); that is read now,
      // before this socket's first message can open a new session.
      const held = sfu.sessions.callsWithSession(userId, deviceId);
      sfu.sfuCallsOfDevice(userId, deviceId).then(
        (calls) => {
          for (const { callId, epoch } of calls) {
            socket.emit('call:topology', {
              callId,
              topology: 'sfu',
              epoch,
              reason: 'joined-sfu-call',
              ...(held.has(callId) ? {} : { sessionEnded: true as const }),
            });
          }
        },
        (err: unknown) => deps.logger.error({ err, userId }, 'sfu calls lookup on connect failed'),
      );
    }
    deps.track(
      deps.presence
        .deviceConnected(userId, deviceId, socket.recovered)
        .catch((err: unknown) => deps.logger.error({ err, userId }, 'presence update on connect failed')),
    );
    socket.on('disconnect', () => {
      if (deps.isShuttingDown()) return;
      if (sfu !== null) {
        // Janus handles live on the node of the device's socket: the last one here takes them along.
        void io.local
          .in(deviceRoom(userId, deviceId))
          .fetchSockets()
          .then(
            (left) => {
              if (left.length === 0) sfu.sessions.deviceGone(userId, deviceId);
            },
            (err: unknown) => deps.logger.error({ err, userId }, 'sfu session cleanup failed'),
          );
      }
      const stillOnline = async (room: string) => (await io.in(room).fetchSockets()).length > 0;
      deps.track(
        deps.presence
          .deviceDisconnected(userId, deviceId, {
            device: () => stillOnline(deviceRoom(userId, deviceId)),
            user: () => stillOnline(userRoom(userId)),
          })
          .catch((err: unknown) =>
            deps.logger.error({ err, userId }, 'presence update on disconnect failed'),
          ),
      );
    });
  });
}
