/**
 * Connections from this backend node to the configured Janus instances (JANUS_URLS), one janode connection
 * and one Janus session per instance, shared by the management handle (janusRooms.ts) and the per-participant
 * handles (sfuSessions.ts).
 *
 * An instance that fails (connection closed, keepalive lost, session destroyed) is reported down once and
 * reconnected in the background with exponential backoff; it is reported up again when a new session is
 * ready. The handles of a lost session are gone with it (Janus destroys them), so callers rebuild on "up"
 * or move their rooms elsewhere on "down".
 *
 * janode is imported lazily, only when JANUS_URLS is set: it pulls in a native module (unix-dgram, for its
 * Unix-socket transport) that is not built on every machine, and a backend without an SFU must not need it.
 */
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';

/** Data janode attaches to its events (plugin events, handle events). Parse it before use. */
export type JanusEventData = Record<string, unknown>;
export type JanusEventListener = (data: JanusEventData) => void;

export interface JanusJsep {
  type: 'offer' | 'answer';
  sdp: string;
  [key: string]: unknown;
}

/** The part of a janode EventEmitter this code uses. */
interface JanusEmitter {
  on(event: string, listener: JanusEventListener): unknown;
  once(event: string, listener: JanusEventListener): unknown;
  off(event: string, listener: JanusEventListener): unknown;
}

/** A raw Janus response to a plugin message: the plugin's answer is in plugindata.data. */
export interface JanusResponse {
  janus: string;
  plugindata?: { plugin: string; data: Record<string, unknown> };
  jsep?: JanusJsep;
  [key: string]: unknown;
}

/** A janode plugin handle (generic part). Errors reject with an Error whose message starts with the code. */
export interface JanusHandle extends JanusEmitter {
  readonly id: number;
  message(body: Record<string, unknown>, jsep?: JanusJsep): Promise<JanusResponse>;
  trickle(candidate: unknown): Promise<unknown>;
  trickleComplete(): Promise<unknown>;
  hangup(): Promise<unknown>;
  detach(): Promise<void>;
}

/**
 * A janode VideoRoom handle (janode/src/plugins/videoroom-plugin.js). Parameters and results are janode's
 * (snake_case, as in the Janus docs); only the methods CallBridge uses are listed.
 */
export interface VideoRoomHandle extends JanusHandle {
  feed: number | string | null;
  room: number | string | null;
  joinPublisher(params: Record<string, unknown>): Promise<JanusEventData>;
  joinConfigurePublisher(params: Record<string, unknown>): Promise<JanusEventData>;
  configure(params: Record<string, unknown>): Promise<JanusEventData>;
  publish(params: Record<string, unknown>): Promise<JanusEventData>;
  unpublish(): Promise<JanusEventData>;
  joinSubscriber(params: Record<string, unknown>): Promise<JanusEventData>;
  start(params: { jsep: JanusJsep; e2ee?: boolean }): Promise<JanusEventData>;
  update(params: { subscribe?: unknown[]; unsubscribe?: unknown[] }): Promise<JanusEventData>;
  pause(): Promise<JanusEventData>;
  leave(): Promise<JanusEventData>;
}

/** A janode plugin descriptor, as passed to session.attach. */
export interface JanusPluginDescriptor {
  id: string;
  EVENT: Record<string, string>;
}

/** A janode session on one Janus instance. */
export interface JanusSession extends JanusEmitter {
  readonly id: number;
  attach(plugin: JanusPluginDescriptor): Promise<JanusHandle>;
  destroy(): Promise<void>;
}

interface JanodeConnection extends JanusEmitter {
  create(keepaliveIntervalSeconds?: number): Promise<JanusSession>;
  close(): Promise<void>;
}

/** What the lazily imported janode modules provide. */
export interface JanodeModules {
  Janode: {
    connect(config: Record<string, unknown>): Promise<JanodeConnection>;
    EVENT: Record<
      | 'CONNECTION_CLOSED'
      | 'CONNECTION_ERROR'
      | 'SESSION_DESTROYED'
      | 'HANDLE_DETACHED'
      | 'HANDLE_HANGUP'
      | 'HANDLE_ICE_FAILED'
      | 'HANDLE_MEDIA'
      | 'HANDLE_WEBRTCUP'
      | 'HANDLE_SLOWLINK',
      string
    >;
    Logger: { setLevel(level: string): unknown };
  };
  /** janode/plugins/videoroom; its EVENT maps VIDEOROOM_* names to janode event names. */
  VideoRoomPlugin: JanusPluginDescriptor;
}

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
}

const DEFAULT_RECONNECT_DELAY_MS = 1000;
const MAX_RECONNECT_DELAY_MS = 30_000;
/** janode's default; Janus drops a session after session_timeout (60 s in the generated config). */
const KEEPALIVE_INTERVAL_SECONDS = 30;
/** How long session() waits for a connection attempt in progress before calling the instance unavailable. */
const CONNECT_WAIT_MS = 10_000;

let janodeModules: Promise<JanodeModules> | null = null;

/**
 * janode and its VideoRoom plugin, imported on first use. janode's own console logging is silenced (the pool
 * logs through pino) unless the process runs with janode's `--janode-log=<level>` flag.
 */
export function loadJanode(): Promise<JanodeModules> {
  janodeModules ??= importJanode().catch((error: unknown) => {
    janodeModules = null;
    throw new Error(
      `JANUS_URLS is set but the janode library cannot be loaded (${(error as Error).message}); ` +
        'run `npm install` (janode builds the native module unix-dgram)',
      { cause: error },
    );
  });
  return janodeModules;
}

async function importJanode(): Promise<JanodeModules> {
  // Specifiers in variables: janode ships no type declarations, so the modules are typed by JanodeModules.
  const janodeSpecifier = 'janode';
  const videoRoomSpecifier = 'janode/plugins/videoroom';
  const [janode, videoRoom] = await Promise.all([
    import(janodeSpecifier) as Promise<{ default: JanodeModules['Janode'] }>,
    import(videoRoomSpecifier) as Promise<{ default: JanodeModules['VideoRoomPlugin'] }>,
  ]);
  if (!process.argv.some((arg) => arg.startsWith('--janode-log'))) janode.default.Logger.setLevel('none');
  return { Janode: janode.default, VideoRoomPlugin: videoRoom.default };
}

/** Attaches a VideoRoom handle in `session`. */
export async function attachVideoRoom(session: JanusSession): Promise<VideoRoomHandle> {
  const { VideoRoomPlugin } = await loadJanode();
  return (await session.attach(VideoRoomPlugin)) as VideoRoomHandle;
}

type InstanceState = 'connecting' | 'up' | 'down';

interface Instance {
  url: string;
  state: InstanceState;
  connection: JanodeConnection | null;
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
    if (connection) void connection.close().catch(() => undefined);
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

  let loadFailureLogged = false;
  const openSession = async (instance: Instance): Promise<void> => {
    const { Janode } = await loadJanode().catch((error: unknown) => {
      if (!loadFailureLogged) logger.error({ err: error }, 'janus pool cannot start');
      loadFailureLogged = true;
      throw error;
    });
    // One attempt per call: the pool owns retries (with backoff and the down/up reporting).
    const connection = await Janode.connect({
      address: [{ url: instance.url }],
      retry_time_secs: 0,
      max_retries: 0,
    });
    if (closed) {
      await connection.close().catch(() => undefined);
      return;
    }
    const lost = (reason: string) => (): void => {
      if (instance.connection === connection) markDown(instance, reason);
    };
    connection.once(Janode.EVENT.CONNECTION_ERROR, lost('connection lost'));
    connection.once(Janode.EVENT.CONNECTION_CLOSED, lost('connection closed'));
    instance.connection = connection;

    const session = await connection.create(KEEPALIVE_INTERVAL_SECONDS);
    if (instance.connection !== connection) return; // lost while creating the session
    if (closed) {
      await connection.close().catch(() => undefined);
      return;
    }
    // A session destroyed without its connection closing: a failed keepalive (Janus stalled) or a session
    // timeout. Its handles are gone, so the instance counts as failed and gets a fresh connection.
    session.once(Janode.EVENT.SESSION_DESTROYED, () => {
      if (instance.session === session) markDown(instance, 'session destroyed');
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
          await connection?.close().catch(() => undefined);
        }),
      );
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
