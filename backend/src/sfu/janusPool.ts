/**
 * Connections from this backend node to the configured Janus instances (JANUS_URLS), one WebSocket and one
 * Janus session per instance (janusClient.ts), shared by the management handle (janusRooms.ts) and the
 * per-participant handles (sfuSessions.ts).
 *
 * An instance that fails (connection closed, keepalive not acknowledged, session timed out) is reported down
 * once and reconnected in the background with exponential backoff; it is reported up again when a new session
 * is ready. The handles of a lost session are gone with it (Janus destroys them, and each one hears that it
 * was detached), so callers rebuild on "up" or move their rooms elsewhere on "down".
 */
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import {
  connectJanus,
  JANUS_EVENT,
  type JanusClientOptions,
  type JanusConnection,
  type JanusSession,
} from './janusClient.ts';

// The pool hands out sessions; what its users do with them (handles, events) is typed here too.
export {
  JANUS_EVENT,
  type JanusEventData,
  type JanusEventListener,
  type JanusHandle,
  type JanusJsep,
  type JanusResponse,
  type JanusSession,
} from './janusClient.ts';
export { attachVideoRoom, VIDEOROOM_EVENT, type VideoRoomHandle } from './videoRoomHandle.ts';

export interface JanusPool {
  /** The configured instances, in configuration order. */
  urls(): readonly string[];
  /** The instances with a live session now, in configuration order. */
  healthy(): string[];
  /**
   * The live session on `url`; waits for a connection attempt in progress (start-up).
   * AppError('unavailable') when the instance is down.
   */
  session(url: string): Promise<JanusSession>;
  /** Fires once per failure of an instance (also when the very first connection fails), not per retry. */
  onInstanceDown(listener: (url: string) => void): () => void;
  /** Fires when an instance has a (new) live session: at start-up and after each recovery. */
  onInstanceUp(listener: (url: string) => void): () => void;
  close(): Promise<void>;
}

export interface JanusPoolOptions {
  urls: string[];
  logger: Logger;
  /** First retry delay after a failure; doubles per failed attempt up to MAX_RECONNECT_DELAY_MS. */
  reconnectDelayMs?: number;
  /** Timeouts and keepalive timing of each connection (tests shorten them). */
  client?: Omit<JanusClientOptions, 'logger'>;
}

const DEFAULT_RECONNECT_DELAY_MS = 1000;
const MAX_RECONNECT_DELAY_MS = 30_000;
/** How long session() waits for a connection attempt in progress before calling the instance unavailable. */
const CONNECT_WAIT_MS = 10_000;

type InstanceState = 'connecting' | 'up' | 'down';

interface Instance {
  url: string;
  state: InstanceState;
  connection: JanusConnection | null;
  session: JanusSession | null;
  /** The attempt in progress, if any (session() waits for it). */
  attempt: Promise<void> | null;
  failures: number;
  retryTimer: NodeJS.Timeout | null;
}

export function createJanusPool(options: JanusPoolOptions): JanusPool {
  const { logger } = options;
  const baseDelayMs = options.reconnectDelayMs ?? DEFAULT_RECONNECT_DELAY_MS;
  const urls = Object.freeze([...new Set(options.urls)]);
  const instances = new Map<string, Instance>(
    urls.map((url) => [
      url,
      {
        url,
        state: 'connecting',
        connection: null,
        session: null,
        attempt: null,
        failures: 0,
        retryTimer: null,
      },
    ]),
  );
  const downListeners = new Set<(url: string) => void>();
  const upListeners = new Set<(url: string) => void>();
  let closed = false;

  const notify = (listeners: Set<(url: string) => void>, url: string): void => {
    for (const listener of [...listeners]) {
      try {
        listener(url);
      } catch (error) {
        logger.error({ err: error, janusUrl: url }, 'janus pool listener failed');
      }
    }
  };

  const markDown = (instance: Instance, reason: string): void => {
    const connection = instance.connection;
    instance.connection = null;
    instance.session = null;
    if (connection) void connection.close();
    if (closed) return;
    const wasDown = instance.state === 'down';
    instance.state = 'down';
    if (!wasDown) {
      logger.warn({ janusUrl: instance.url, reason }, 'janus instance down');
      notify(downListeners, instance.url);
    }
    scheduleReconnect(instance);
  };

  const scheduleReconnect = (instance: Instance): void => {
    if (closed || instance.retryTimer !== null) return;
    const delay = Math.min(MAX_RECONNECT_DELAY_MS, baseDelayMs * 2 ** Math.min(instance.failures, 10));
    instance.failures++;
    // Jitter: several backend nodes reconnecting to a restarted Janus should not arrive all at once.
    const jittered = Math.round(delay * (0.8 + Math.random() * 0.4));
    instance.retryTimer = setTimeout(() => {
      instance.retryTimer = null;
      connect(instance);
    }, jittered);
    instance.retryTimer.unref();
  };

  const connect = (instance: Instance): void => {
    if (closed || instance.attempt !== null) return;
    instance.attempt = openSession(instance)
      .catch((error: unknown) => markDown(instance, (error as Error).message))
      .finally(() => (instance.attempt = null));
  };

  const openSession = async (instance: Instance): Promise<void> => {
    // One attempt per call: the pool owns retries (with backoff and the down/up reporting).
    const connection = await connectJanus(instance.url, { ...options.client, logger });
    if (closed) {
      await connection.close();
      return;
    }
    connection.onClose((reason) => {
      if (instance.connection === connection) markDown(instance, `connection closed: ${reason}`);
    });
    instance.connection = connection;

    const session = await connection.createSession();
    if (instance.connection !== connection) return; // lost while creating the session
    if (closed) {
      await connection.close();
      return;
    }
    // A session that ends while its connection stays open: a keepalive that went unanswered (Janus stalled)
    // or a session timeout. Its handles are gone, so the instance counts as failed and gets a fresh connection.
    session.once(JANUS_EVENT.SESSION_DESTROYED, (data) => {
      if (instance.session === session) markDown(instance, `session ended: ${String(data.reason)}`);
    });
    instance.session = session;
    instance.state = 'up';
    instance.failures = 0;
    logger.info({ janusUrl: instance.url }, 'janus instance up');
    notify(upListeners, instance.url);
  };

  for (const instance of instances.values()) connect(instance);

  const get = (url: string): Instance => {
    const instance = instances.get(url);
    if (!instance) throw new Error(`not a configured Janus instance: ${url}`);
    return instance;
  };

  return {
    urls: () => urls,
    healthy: () => urls.filter((url) => instances.get(url)!.state === 'up'),
    async session(url) {
      const instance = get(url);
      if (instance.state === 'connecting' && instance.attempt !== null) {
        await Promise.race([instance.attempt, delay(CONNECT_WAIT_MS)]);
      }
      if (closed || instance.state !== 'up' || instance.session === null) {
        throw new AppError(
          'unavailable',
          'The media server is unreachable right now; try again in a moment.',
        );
      }
      return instance.session;
    },
    onInstanceDown(listener) {
      downListeners.add(listener);
      return () => downListeners.delete(listener);
    },
    onInstanceUp(listener) {
      upListeners.add(listener);
      return () => upListeners.delete(listener);
    },
    async close() {
      if (closed) return;
      closed = true;
      downListeners.clear();
      upListeners.clear();
      await Promise.all(
        [...instances.values()].map(async (instance) => {
          if (instance.retryTimer !== null) clearTimeout(instance.retryTimer);
          instance.retryTimer = null;
          await instance.attempt;
          const { connection, session } = instance;
          instance.connection = null;
          instance.session = null;
          instance.state = 'down';
          // Destroying the session tells Janus to drop its handles (and their rooms' participants) now,
          // instead of after session_timeout.
          await session?.destroy().catch(() => undefined);
          await connection?.close();
        }),
      );
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
