/**
 * Rate limits: per IP on the auth routes (password guessing), per user on every other REST route, per socket
 * and event type on the socket. With Redis the counters are shared by every node, so a client cannot multiply
 * its allowance by spreading over nodes.
 */
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { ClientToServerEvents } from '../../src/shared/protocol/index.ts';

export type SocketEventName = keyof ClientToServerEvents;

/** Points per window at RATE_LIMIT_MULTIPLIER=1; sized for a 20-way mesh call negotiating at once. */
const LIMITS = {
  authPerIp: { points: 20, durationSeconds: 60 },
  restPerUser: { points: 120, durationSeconds: 10 },
  socket: {
    'call:offer': { points: 120, durationSeconds: 10 },
    'call:answer': { points: 120, durationSeconds: 10 },
    // Each of up to 19 peer connections gathers host, srflx and relay candidates over several networks.
    'call:ice-candidate': { points: 1000, durationSeconds: 10 },
    'call:quality-report': { points: 20, durationSeconds: 10 },
    // Group calls on the SFU: one publisher and one subscriber connection per client, renegotiated when
    // screen sharing starts and stops and when participants come and go.
    'call:sfu-publish': { points: 30, durationSeconds: 10 },
    'call:sfu-answer': { points: 120, durationSeconds: 10 },
    'call:sfu-ice-candidate': { points: 300, durationSeconds: 10 },
    // Sent when tiles are resized, paged or the active speaker changes (the client debounces).
    'call:sfu-view': { points: 60, durationSeconds: 10 },
    // Extra: people click these; a client flooding them is refused before anyone else sees the flood.
    'call:hand': { points: 10, durationSeconds: 10 },
    'call:reaction': { points: 10, durationSeconds: 10 },
  } satisfies Record<SocketEventName, { points: number; durationSeconds: number }>,
};

export interface RateLimiter {
  /** false once the key used up its points for the current window. */
  tryConsume(key: string): Promise<boolean>;
}

export interface RateLimits {
  authPerIp: RateLimiter;
  restPerUser: RateLimiter;
  socketEvent(event: SocketEventName): RateLimiter;
}

export interface RateLimitOptions {
  multiplier: number;
  /** A connected node-redis client to share counters across nodes; null keeps them in this process. */
  redis: unknown;
  keyPrefix: string;
}

function wrap(limiter: RateLimiterAbstract): RateLimiter {
  return {
    async tryConsume(key) {
      try {
        await limiter.consume(key);
        return true;
      } catch (err) {
        if (err instanceof RateLimiterRes) return false;
        throw err;
      }
    },
  };
}

export function createRateLimits(options: RateLimitOptions): RateLimits {
  const make = (name: string, limit: { points: number; durationSeconds: number }): RateLimiter => {
    const common = {
      keyPrefix: `${options.keyPrefix}:rl:${name}`,
      points: Math.max(1, Math.round(limit.points * options.multiplier)),
      duration: limit.durationSeconds,
    };
    return wrap(
      options.redis === null
        ? new RateLimiterMemory(common)
        : new RateLimiterRedis({
            ...common,
            storeClient: options.redis,
            useRedisPackage: true,
            // A Redis outage must not lock every user out: fall back to per-process counting meanwhile.
            insuranceLimiter: new RateLimiterMemory(common),
          }),
    );
  };
  const socket = Object.fromEntries(
    Object.entries(LIMITS.socket).map(([event, limit]) => [event, make(`socket:${event}`, limit)]),
  ) as Record<SocketEventName, RateLimiter>;
  return {
    authPerIp: make('auth-ip', LIMITS.authPerIp),
    restPerUser: make('rest-user', LIMITS.restPerUser),
    socketEvent: (event) => socket[event],
  };
}
