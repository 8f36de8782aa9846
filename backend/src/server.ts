/**
 * Composition root of the signaling backend: database, migrations, Redis, services, HTTP and socket servers,
 * sweeper. `node backend/src/server.ts` runs it with the environment's configuration.
 */
import { buildApp } from './app.ts';
import { createAccountCheck } from './auth/accounts.ts';
import { createPasswordHasher } from './auth/passwords.ts';
import { createTokenService } from './auth/tokens.ts';
import { ConfigError, loadConfig, selfOrigins, type Config } from './config.ts';
import type { Db } from './db/db.ts';
import { markAllJoinedDisconnected } from './db/deviceLiveness.repo.ts';
import { migrate } from './db/migrate.ts';
import { signalingParticipants } from './db/participants.repo.ts';
import { userExists } from './db/users.repo.ts';
import { createOriginPolicy } from './http/originPolicy.ts';
import { createLogger, type Logger } from './logger.ts';
import { createRateLimits } from './rateLimits.ts';
import { missingTools } from './recording/renderRecording.ts';
import { createCallFloorService } from './services/callFloor.service.ts';
import { createCallMediaService } from './services/callMedia.service.ts';
import { createCallQueries } from './services/callQueries.service.ts';
import { createCallService } from './services/calls.service.ts';
import { createPresenceService } from './services/presence.service.ts';
import { createRecordingService } from './services/recording.service.ts';
import { createRelayDirectory } from './services/relayDirectory.ts';
import { startSfuFailover } from './sfu/sfuFailover.ts';
import { createIoNotifier } from './socket/ioNotifier.ts';
import { connectedDeviceOwners, createSocketServer, registerSocketHandlers } from './socket/socketServer.ts';
import { connectRedis, openDb } from './startup/connections.ts';
import { createJanus, wireSfu, type SfuWiring } from './startup/sfuWiring.ts';
import { startSweepers } from './startup/sweepers.ts';

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

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
  const janus = config.janus === null ? null : createJanus(config.janus, logger);
  let sfu: SfuWiring | null = null;
  const notifier = createIoNotifier(io, relayDirectory, (callId, left) =>
    sfu?.sessions.callChanged(callId, left),
  );
  const calls = createCallService(db, notifier, config, { sfu: janus?.port ?? null, logger });
  const inFlight = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>): void => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };
  if (janus !== null) sfu = wireSfu({ janus, db, notifier, logger, track });
  const recordings =
    config.recording === null || janus === null
      ? null
      : createRecordingService({ db, calls, sfu: janus.port, config: config.recording, logger });
  const missing = recordings === null ? [] : missingTools();
  if (missing.length > 0) {
    logger.warn(
      { missing },
      'call recording is on but its post-processing tools are missing (apt-get install janus-tools ffmpeg): ' +
        'recordings will fail',
    );
  }
  const sfuFailover = janus === null ? null : startSfuFailover({ db, pool: janus.pool, calls, logger });
  const callMedia = createCallMediaService(db, notifier);
  const tokens = createTokenService(config.jwtSecret, config.jwtTtlSeconds);
  const accounts = createAccountCheck((userId) => userExists(db, userId), ACCOUNT_CACHE_LIMITS);

  let ready = false;
  let shuttingDown = false;
  registerSocketHandlers(io, {
    relayDirectory,
    sfu: sfu?.socket ?? null,
    tokens,
    accounts,
    media: callMedia,
    floor: createCallFloorService(db, notifier),
    presence: createPresenceService(db, notifier),
    rateLimits,
    logger,
    track,
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

  const sweepers = startSweepers({
    config,
    db,
    calls,
    recordings,
    // Device liveness only with several nodes: a single one re-arms every grace at start-up instead.
    connectedDevices:
      redis === null ? null : (devices) => connectedDeviceOwners(io, devices, LIVENESS_PROBE_TIMEOUT_MS),
    logger,
  });
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
        await Promise.all([sweepers.stop(), sfuFailover?.stop()]);
        // Closes every socket of this node (not the cluster's), the adapter and the HTTP server.
        await new Promise<void>((resolve) => void io.close(() => resolve()));
        await app.close();
        await Promise.allSettled([...inFlight]);
        // This node's Janus handles go with its sockets; clients publish again through another node.
        await sfu?.sessions.close();
        await janus?.pool.close();
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
