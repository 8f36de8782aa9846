/**
 * Composition root of the signaling backend: database, migrations, Redis, services, HTTP and socket servers,
 * sweeper. `node backend/src/server.ts` runs it with the environment's configuration.
 */
import { createClient } from 'redis';
import { buildApp } from './app.ts';
import { createAccountCheck } from './auth/accounts.ts';
import { createPasswordHasher } from './auth/passwords.ts';
import { createTokenService } from './auth/tokens.ts';
import { ConfigError, loadConfig, selfOrigins, type Config } from './config.ts';
import { Uuid } from '../../src/shared/protocol/index.ts';
import {
  findCall,
  findSfuCallsOfDevice,
  joinedDevices,
  markAllJoinedDisconnected,
  signalingParticipants,
} from './db/calls.repo.ts';
import type { Db } from './db/db.ts';
import { migrate } from './db/migrate.ts';
import { embeddedDatabaseDir, openPgliteDb } from './db/pglite.db.ts';
import { openPostgresDb } from './db/postgres.db.ts';
import { userExists } from './db/users.repo.ts';
import { cleanupExpiredTurnCredentials } from './db/turnCredentials.repo.ts';
import { createOriginPolicy } from './http/originPolicy.ts';
import { createLogger, type Logger } from './logger.ts';
import { createRateLimits } from './rateLimits.ts';
import { createCallFloorService } from './services/callFloor.service.ts';
import { createCallMediaService } from './services/callMedia.service.ts';
import { createCallQueries } from './services/callQueries.service.ts';
import { createCallService } from './services/calls.service.ts';
import { createDeviceLivenessSweep } from './services/deviceLiveness.service.ts';
import { missingTools } from './recording/renderRecording.ts';
import { createRecordingService } from './services/recording.service.ts';
import { createPresenceService } from './services/presence.service.ts';
import { isOpen } from './services/callStateMachine.ts';
import { createRelayDirectory } from './services/relayDirectory.ts';
import { createJanusPool, type JanusPool } from './sfu/janusPool.ts';
import { createJanusRooms, type JanusRooms } from './sfu/janusRooms.ts';
import { startSfuFailover } from './sfu/sfuFailover.ts';
import { formatRoomRef, parseRoomRef } from './sfu/sfuRoomRef.ts';
import { janusRoomsPort } from './sfu/sfuRoomsPort.ts';
import { createSfuSessions, type SfuSessions } from './sfu/sfuSessions.ts';
import { createIoNotifier } from './socket/ioNotifier.ts';
import {
  connectedDeviceOwners,
  createSocketServer,
  registerSocketHandlers,
  type SfuSocketDeps,
} from './socket/socketServer.ts';
import { startSweeper } from './sweeper.ts';

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const TURN_CLEANUP_INTERVAL_MS = 60_000;
/**
 * How long a liveness round waits for every node's answer. The adapter counts the nodes subscribed in Redis,
 * so a crashed node stops counting as soon as Redis notices its connection closed; one that is only slow
 * makes rounds give up after this and be skipped.
 */
const LIVENESS_PROBE_TIMEOUT_MS = 3_000;
/** Cached relay permissions per call; invalidated on every change, the TTL is only a safety net. */
const RELAY_DIRECTORY_LIMITS = { ttlMs: 10_000, maxEntries: 50_000 };
/** Whether a token's user exists, per node: a deleted account is refused everywhere within ttlMs. */
const ACCOUNT_CACHE_LIMITS = { ttlMs: 5_000, maxEntries: 50_000 };

/**
 * Destroys rooms left on an instance by calls that ended while no node could destroy them (a crash). Run
 * whenever an instance comes up (start-up included); rooms of calls still open in them are kept.
 */
function sweepOrphanedRooms(db: Db, rooms: JanusRooms, logger: Logger): Promise<void> {
  return rooms
    .sweepOrphans(async ({ url, roomId, callId }) => {
      if (!Uuid.safeParse(callId).success) return false;
      const call = await findCall(db, callId);
      return call !== null && isOpen(call.status) && call.sfu_room_id === formatRoomRef({ url, roomId });
    })
    .then(
      () => undefined,
      (err: unknown) => logger.warn({ err }, 'janus orphaned room sweep failed'),
    );
}

async function openDb(config: Config, logger: Logger): Promise<Db> {
  if (config.databaseUrl !== null) {
    return openPostgresDb(config.databaseUrl, (err) => logger.error({ err }, 'idle database client failed'));
  }
  return openPgliteDb(config.dataDir === null ? null : embeddedDatabaseDir(config.dataDir));
}

/** node-redis retries forever; at start-up an unreachable Redis is a configuration error instead. */
const REDIS_CONNECT_TIMEOUT_MS = 10_000;

async function connectRedis(url: string, logger: Logger) {
  const client = createClient({ url });
  // node-redis reconnects by itself after an outage; without a listener its errors would crash the process.
  client.on('error', (err: unknown) => logger.warn({ err }, 'redis error'));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error('REDIS_URL: Redis is unreachable')), REDIS_CONNECT_TIMEOUT_MS);
  });
  try {
    await Promise.race([client.connect(), timeout]);
    return client;
  } catch (err) {
    client.destroy();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

export interface StartOptions {
  logger?: Logger;
  /** Replaces the database chosen by the config (test suites start from a pre-migrated PGlite copy). */
  openDb?: () => Promise<Db>;
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  // Redis first: it fails fast on a bad REDIS_URL, before the slower database start.
  const redis = config.redisUrl === null ? null : await connectRedis(config.redisUrl, logger);
  const db = await (options.openDb ?? (() => openDb(config, logger)))().catch(async (err: unknown) => {
    await redis?.quit();
    throw err;
  });
  try {
    await migrate(db);
    if (redis === null) {
      // One node and it just started: no device can be connected, so every joined participant gets the
      // reconnect grace from now (a crash or restart ends nobody's call before they had a chance to return).
      await markAllJoinedDisconnected(db);
    }
  } catch (err) {
    await db.close();
    await redis?.quit();
    throw err;
  }

  const origins = createOriginPolicy(config.corsOrigins);
  const rateLimits = createRateLimits({
    multiplier: config.rateLimitMultiplier,
    redis,
    keyPrefix: config.redisPrefix,
  });
  const io = createSocketServer({ origins, redis, redisPrefix: config.redisPrefix });
  const relayDirectory = createRelayDirectory(
    (callId) => signalingParticipants(db, callId),
    RELAY_DIRECTORY_LIMITS,
  );

  // Group calls on the SFU, only with JANUS_URLS set.
  let janusPool: JanusPool | null = null;
  let janusRooms: JanusRooms | null = null;
  let sfuSessions: SfuSessions | null = null;
  if (config.janus !== null) {
    janusPool = createJanusPool({ urls: config.janus.urls, logger });
    janusRooms = createJanusRooms({ pool: janusPool, adminKey: config.janus.adminKey, logger });
  }
  const notifier = createIoNotifier(io, relayDirectory, (callId, left) =>
    sfuSessions?.callChanged(callId, left),
  );
  const calls = createCallService(db, notifier, config, {
    sfu: janusPool === null || janusRooms === null ? null : janusRoomsPort(janusPool, janusRooms),
    logger,
  });
  let sfu: SfuSocketDeps | null = null;
  if (janusPool !== null && janusRooms !== null) {
    const loadCall = async (callId: string) => {
      const call = await findCall(db, callId);
      return call === null ? null : { open: isOpen(call.status), sfuRoomId: call.sfu_room_id };
    };
    sfuSessions = createSfuSessions({
      pool: janusPool,
      notifier,
      logger,
      loadCallState: async (callId) => {
        const [call, devices] = await Promise.all([loadCall(callId), joinedDevices(db, callId)]);
        return { open: call?.open ?? false, sfuRoomId: call?.sfuRoomId ?? null, devices };
      },
    });
    sfu = {
      sessions: sfuSessions,
      loadCall,
      sfuCallsOfDevice: async (userId, deviceId) =>
        (await findSfuCallsOfDevice(db, userId, deviceId)).flatMap((c) => {
          const room = parseRoomRef(c.sfu_room_id);
          return room === null ? [] : [{ callId: c.call_id, epoch: room.roomId }];
        }),
    };
    // Instances coming up together share one sweep (it covers every healthy instance); one coming up
    // during a sweep gets another after it.
    const rooms = janusRooms;
    let sweep: Promise<void> | null = null;
    let again = false;
    const sweepSoon = (): void => {
      if (sweep !== null) {
        again = true;
        return;
      }
      const running = sweepOrphanedRooms(db, rooms, logger).finally(() => {
        inFlight.delete(running);
        sweep = null;
        if (again) {
          again = false;
          sweepSoon();
        }
      });
      // A graceful shutdown waits for it before closing the database.
      inFlight.add(running);
      sweep = running;
    };
    janusPool.onInstanceUp(sweepSoon);
  }
  const recordings =
    config.recording === null || janusPool === null || janusRooms === null
      ? null
      : createRecordingService({
          db,
          calls,
          sfu: janusRoomsPort(janusPool, janusRooms),
          config: config.recording,
          logger,
        });
  const missing = recordings === null ? [] : missingTools();
  if (missing.length > 0) {
    logger.warn(
      { missing },
      'call recording is on but its post-processing tools are missing (apt-get install janus-tools ffmpeg): ' +
        'recordings will fail',
    );
  }
  const sfuFailover = janusPool === null ? null : startSfuFailover({ db, pool: janusPool, calls, logger });
  const callMedia = createCallMediaService(db, notifier);
  const tokens = createTokenService(config.jwtSecret, config.jwtTtlSeconds);
  const accounts = createAccountCheck((userId) => userExists(db, userId), ACCOUNT_CACHE_LIMITS);

  let ready = false;
  let shuttingDown = false;
  const inFlight = new Set<Promise<unknown>>();
  registerSocketHandlers(io, {
    relayDirectory,
    sfu,
    tokens,
    accounts,
    media: callMedia,
    floor: createCallFloorService(db, notifier),
    presence: createPresenceService(db, notifier),
    rateLimits,
    logger,
    track(work) {
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    },
    isShuttingDown: () => shuttingDown,
  });

  const app = await buildApp({
    config,
    logger,
    db,
    tokens,
    accounts,
    passwords: createPasswordHasher(config.scryptLog2Cost),
    rateLimits,
    calls,
    callQueries: createCallQueries(db),
    callMedia,
    recordings,
    origins,
    isReady: () => ready,
    trustProxy: config.trustProxy,
  });
  io.attach(app.server);
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  if (config.corsOriginsDefaulted) origins.allow(selfOrigins(port));

  const sweeper = startSweeper(
    config.sweepIntervalMs,
    [
      { name: 'calls', everyMs: 0, run: () => calls.sweep() },
      {
        name: 'turn-credentials',
        everyMs: TURN_CLEANUP_INTERVAL_MS,
        run: () => cleanupExpiredTurnCredentials(db),
      },
    ],
    logger,
  );
  // Its own sweeper: a round can wait seconds for a silent node, and must not hold up ring timeouts and
  // graces meanwhile. Only with several nodes: a single one re-arms every grace at start-up instead.
  const livenessSweeper =
    redis === null
      ? null
      : startSweeper(
          config.deviceLivenessIntervalMs,
          [
            {
              name: 'device-liveness',
              everyMs: 0,
              run: createDeviceLivenessSweep(
                db,
                (devices) => connectedDeviceOwners(io, devices, LIVENESS_PROBE_TIMEOUT_MS),
                logger,
              ),
            },
          ],
          logger,
        );
  // Its own sweeper too: post-processing a recording takes seconds to minutes.
  const recordingSweeper =
    recordings === null
      ? null
      : startSweeper(
          config.sweepIntervalMs,
          [{ name: 'recordings', everyMs: 0, run: () => recordings.sweep() }],
          logger,
        );
  ready = true;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`;

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    close() {
      closing ??= (async () => {
        ready = false;
        shuttingDown = true;
        await Promise.all([
          sweeper.stop(),
          livenessSweeper?.stop(),
          recordingSweeper?.stop(),
          sfuFailover?.stop(),
        ]);
        // Closes every socket of this node (not the cluster's), the adapter and the HTTP server.
        await new Promise<void>((resolve) => void io.close(() => resolve()));
        await app.close();
        await Promise.allSettled([...inFlight]);
        // This node's Janus handles go with its sockets; clients publish again through another node.
        await sfuSessions?.close();
        await janusPool?.close();
        await redis?.quit();
        await db.close();
      })();
      return closing;
    },
  };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const server = await startServer(config, { logger });
  logger.info({ url: server.url }, 'listening');

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    process.stderr.write(`backend failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
