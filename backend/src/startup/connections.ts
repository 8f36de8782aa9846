/** Opening the backend's outside connections at start-up: the database (PostgreSQL or embedded) and Redis. */
import { createClient } from 'redis';
import type { Config } from '../config.ts';
import type { Db } from '../db/db.ts';
import { embeddedDatabaseDir, openPgliteDb } from '../db/pglite.db.ts';
import { openPostgresDb } from '../db/postgres.db.ts';
import type { Logger } from '../logger.ts';

export async function openDb(config: Config, logger: Logger): Promise<Db> {
  if (config.databaseUrl !== null) {
    return openPostgresDb(config.databaseUrl, (err) => logger.error({ err }, 'idle database client failed'));
  }
  return openPgliteDb(config.dataDir === null ? null : embeddedDatabaseDir(config.dataDir));
}

/** node-redis retries forever; at start-up an unreachable Redis is a configuration error instead. */
const REDIS_CONNECT_TIMEOUT_MS = 10_000;

export async function connectRedis(url: string, logger: Logger) {
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

export type RedisClient = Awaited<ReturnType<typeof connectRedis>>;
