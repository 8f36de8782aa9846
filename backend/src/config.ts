/**
 * The server's configuration, parsed once from the environment at start-up. Every variable is documented in
 * docs/backend.md and .env.example. A bad or missing value stops start-up with one line naming it.
 */
import path from 'node:path';
import { z } from 'zod';
import type { TurnConfig } from './turn/turnCredentials.ts';
import { DEFAULT_SCRYPT_LOG2_COST } from './auth/passwords.ts';
import { generateSecrets, loadOrCreateSecrets } from './secrets.ts';

/** DATA_DIR value that keeps the embedded database and generated secrets in memory (tests). */
const IN_MEMORY = ':memory:';
/** The Electron renderer's origin (the app registers the privileged `app://` scheme). */
export const DESKTOP_APP_ORIGIN = 'app://callbridge';

export type NodeEnv = 'development' | 'production' | 'test';

export interface Config {
  nodeEnv: NodeEnv;
  host: string;
  /** 0 picks any free port. */
  port: number;
  /** Embedded database folder; null = in memory. Ignored for the database when databaseUrl is set. */
  dataDir: string | null;
  databaseUrl: string | null;
  redisUrl: string | null;
  /** Namespaces every Redis key and stream, so deployments (and parallel test runs) can share one Redis. */
  redisPrefix: string;
  jwtSecret: string;
  jwtTtlSeconds: number;
  turn: TurnConfig | null;
  /** STUN servers handed out with or without TURN. */
  stunUrls: string[];
  ringTimeoutSeconds: number;
  reconnectGraceSeconds: number;
  /** How often ring timeouts, reconnect graces and expired TURN credentials are swept. */
  sweepIntervalMs: number;
  /** With Redis: how often each node looks for devices lost without a disconnect (a crashed node's). */
  deviceLivenessIntervalMs: number;
  /** Browser origins allowed to open the socket and call the REST API. */
  corsOrigins: string[];
  /** CORS_ORIGINS was not set: the server also allows its own origin once it knows its port (PORT=0). */
  corsOriginsDefaulted: boolean;
  webDir: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Scales every rate limit (tests and benches raise it; 1 in production). */
  rateLimitMultiplier: number;
  /** log2 of scrypt's N for new password hashes. */
  scryptLog2Cost: number;
  /** Behind a load balancer: trust X-Forwarded-For (true, or a comma list of proxy addresses/CIDRs). */
  trustProxy: boolean | string;
  /** Janus SFU instances for group calls (docs/sfu.md); null = no SFU (calls of more than 3 are refused). */
  janus: JanusConfig | null;
  /** Call recording on Janus (docs/recording.md); null when off (no SFU, or no place to keep files). */
  recording: RecordingConfig | null;
}

export interface RecordingConfig {
  /**
   * Where Janus writes raw recordings (`raw/<callId>/`) and the backend keeps the processed files: the same
   * path for both (one host, or a shared volume mounted at the same place).
   */
  dir: string;
  /** Processed recordings are deleted this many days after their call ended. */
  retentionDays: number;
  /** Recording refuses to start, and stops, when the disk holding `dir` has less free space than this. */
  minFreeBytes: number;
}

export interface JanusConfig {
  /** Janus API WebSocket URLs, deduplicated, in configuration order (ties in room placement go first). */
  urls: string[];
  /** The VideoRoom admin_key of every instance. A secret: never logged. */
  adminKey: string;
}

export class ConfigError extends Error {}

/** An empty variable (`FOO=` in a .env file) counts as unset. */
const unsetIfEmpty = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(unsetIfEmpty, schema.optional());
const optionalString = optional(z.string().trim());
const port = z.coerce.number().int().min(0).max(65_535);
const positiveNumber = z.coerce.number().positive();
const commaList = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  );

/**
 * calls.sfu_room_id stores `<url>#<roomId>` in VARCHAR(255): a URL may not hold '#' and leaves room for a
 * 15-digit room id.
 */
const MAX_JANUS_URL_LENGTH = 255 - 16;
const janusUrl = z
  .string()
  .max(MAX_JANUS_URL_LENGTH, `each entry must be at most ${MAX_JANUS_URL_LENGTH} characters`)
  .refine((v) => !v.includes('#'), 'each entry must be a URL without #')
  .pipe(z.url({ protocol: /^wss?$/, error: 'each entry must be a ws:// or wss:// URL' }));

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  PORT: port.default(3000),
  DATA_DIR: z.string().trim().min(1).default('.data'),
  DATABASE_URL: optional(z.url({ protocol: /^postgres(ql)?$/ })),
  REDIS_URL: optional(z.url({ protocol: /^rediss?$/ })),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_:-]{1,64}$/, 'letters, digits, _ : - only')
    .default('callbridge'),
  JWT_SECRET: optional(z.string().min(32, 'must be at least 32 characters')),
  JWT_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .default(7 * 24 * 3600),
  TURN_SERVER_HOST: optionalString,
  TURN_SERVER_PORT: port.min(1).default(3000),
  TURN_TLS_PORT: optional(port.min(1)),
  TURN_SECRET: optional(z.string().min(16, 'must be at least 16 characters')),
  TURN_TTL: z.coerce.number().int().min(60).default(86_400),
  STUN_URLS: commaList.pipe(z.array(z.string().regex(/^stuns?:\S+$/, 'each entry must be a stun: URL'))),
  CALL_RING_TIMEOUT_SECONDS: positiveNumber.default(45),
  RECONNECT_GRACE_SECONDS: positiveNumber.default(30),
  SWEEP_INTERVAL_MS: z.coerce.number().int().min(10).default(1000),
  DEVICE_LIVENESS_INTERVAL_MS: z.coerce.number().int().min(100).default(5000),
  CORS_ORIGINS: commaList.pipe(
    z.array(z.string().regex(/^[a-z][a-z0-9+.-]*:\/\/[^/\s]+$/, 'scheme://host[:port]')),
  ),
  WEB_DIR: z.string().trim().min(1).default('dist/web'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  RATE_LIMIT_MULTIPLIER: positiveNumber.default(1),
  TRUST_PROXY: z
    .string()
    .trim()
    .default('false')
    .transform((v) => (v === 'true' ? true : v === 'false' || v === '' ? false : v)),
  SCRYPT_LOG2_COST: z.coerce.number().int().min(10).max(20).default(DEFAULT_SCRYPT_LOG2_COST),
  JANUS_URLS: commaList.pipe(z.array(janusUrl)).transform(dedupeUrls),
  JANUS_ADMIN_KEY: optional(z.string().min(16, 'must be at least 16 characters')),
  RECORDINGS_DIR: optional(z.string().trim().min(1)),
  // Fractions allowed (tests use seconds); at most ten years.
  RECORDING_RETENTION_DAYS: positiveNumber.max(3650).default(30),
  RECORDING_MIN_FREE_MB: z.coerce.number().int().min(0).default(500),
});

/** Parses the environment; throws ConfigError with one line naming the first bad or missing variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    throw new ConfigError(`Invalid environment variable ${name}: ${issue?.message ?? 'invalid'}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const inMemory = e.DATA_DIR === IN_MEMORY;
  const dataDir = inMemory ? null : path.resolve(e.DATA_DIR);

  if (production && e.JWT_SECRET === undefined) {
    throw new ConfigError('Missing environment variable JWT_SECRET: required when NODE_ENV=production');
  }
  if (production && e.TURN_SERVER_HOST !== undefined && e.TURN_SECRET === undefined) {
    throw new ConfigError(
      'Missing environment variable TURN_SECRET: required with TURN_SERVER_HOST in production',
    );
  }
  if (e.JANUS_URLS.length > 0 && e.JANUS_ADMIN_KEY === undefined) {
    throw new ConfigError(
      'Missing environment variable JANUS_ADMIN_KEY: required with JANUS_URLS (the VideoRoom admin_key)',
    );
  }
  const needsGenerated = e.JWT_SECRET === undefined || e.TURN_SECRET === undefined;
  const generated = !needsGenerated
    ? null
    : dataDir === null
      ? generateSecrets()
      : loadOrCreateSecrets(dataDir);

  return {
    nodeEnv: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    dataDir,
    databaseUrl: e.DATABASE_URL ?? null,
    redisUrl: e.REDIS_URL ?? null,
    redisPrefix: e.REDIS_PREFIX,
    jwtSecret: e.JWT_SECRET ?? generated!.jwtSecret,
    jwtTtlSeconds: e.JWT_TTL_SECONDS,
    turn:
      e.TURN_SERVER_HOST === undefined
        ? null
        : {
            host: e.TURN_SERVER_HOST,
            port: e.TURN_SERVER_PORT,
            tlsPort: e.TURN_TLS_PORT ?? null,
            secret: e.TURN_SECRET ?? generated!.turnSecret,
            ttlSeconds: e.TURN_TTL,
            stunUrls: e.STUN_URLS,
          },
    stunUrls: e.STUN_URLS,
    ringTimeoutSeconds: e.CALL_RING_TIMEOUT_SECONDS,
    reconnectGraceSeconds: e.RECONNECT_GRACE_SECONDS,
    sweepIntervalMs: e.SWEEP_INTERVAL_MS,
    deviceLivenessIntervalMs: e.DEVICE_LIVENESS_INTERVAL_MS,
    corsOrigins: e.CORS_ORIGINS.length > 0 ? e.CORS_ORIGINS : defaultOrigins(e.PORT),
    corsOriginsDefaulted: e.CORS_ORIGINS.length === 0,
    webDir: path.resolve(e.WEB_DIR),
    logLevel: e.LOG_LEVEL ?? (e.NODE_ENV === 'test' ? 'warn' : 'info'),
    rateLimitMultiplier: e.RATE_LIMIT_MULTIPLIER,
    scryptLog2Cost: e.SCRYPT_LOG2_COST,
    trustProxy: e.TRUST_PROXY,
    janus: e.JANUS_URLS.length === 0 ? null : { urls: e.JANUS_URLS, adminKey: e.JANUS_ADMIN_KEY! },
    recording: recordingConfig(e, dataDir),
  };
}

/**
 * Recording needs the SFU (Janus records) and a folder: RECORDINGS_DIR, else `<DATA_DIR>/recordings`. With
 * the database in memory and no RECORDINGS_DIR, recording is off rather than writing somewhere unexpected.
 */
function recordingConfig(e: z.infer<typeof EnvSchema>, dataDir: string | null): RecordingConfig | null {
  if (e.JANUS_URLS.length === 0) return null;
  const dir =
    e.RECORDINGS_DIR !== undefined
      ? path.resolve(e.RECORDINGS_DIR)
      : dataDir === null
        ? null
        : path.join(dataDir, 'recordings');
  if (dir === null) return null;
  return {
    dir,
    retentionDays: e.RECORDING_RETENTION_DAYS,
    minFreeBytes: e.RECORDING_MIN_FREE_MB * 1024 * 1024,
  };
}

/**
 * Drops repeated instances, comparing normalized URLs (`ws://host:8188` = `ws://HOST:8188/`), and keeps each
 * first spelling: it is what calls.sfu_room_id records.
 */
function dedupeUrls(urls: string[]): string[] {
  const seen = new Set<string>();
  return urls.filter((url) => {
    const normalized = new URL(url).href;
    if (seen.has(normalized)) return false;
    seen.add(normalized);
    return true;
  });
}

/**
 * The server's own origins (the web client it serves) and the desktop renderer's. With PORT=0 the real port
 * is only known after listen, so server.ts adds it then.
 */
function defaultOrigins(port: number): string[] {
  return port === 0 ? [DESKTOP_APP_ORIGIN] : [...selfOrigins(port), DESKTOP_APP_ORIGIN];
}

export function selfOrigins(port: number): string[] {
  return [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
}
