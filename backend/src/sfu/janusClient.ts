/**
 * A client of the Janus API over WebSocket (subprotocol `janus-protocol`): one connection, the sessions on
 * it and their plugin handles. It is the JSON protocol of https://janus.conf.meetecho.com/docs/rest.html,
 * spoken over the WebSocket built into Node, so nothing is compiled or downloaded at install.
 *
 * Every request carries a transaction id. Janus answers with `success` or `error`, or (plugin messages it
 * handles asynchronously, trickles, keepalives) with an `ack` and, for a plugin message, later an `event`
 * with the same transaction holding the plugin's answer. Everything else that arrives (plugin notifications,
 * hangups, media and slow-link notices, detaches, session timeouts) is routed by session and handle id to the
 * handle's listeners.
 *
 * Liveness: each session sends a keepalive every keepaliveIntervalMs; one that is not acknowledged within
 * keepaliveTimeoutMs ends the session (a stalled Janus keeps its TCP connection open, so only an answer
 * proves it is alive). An ended session rejects its pending requests and tells each of its handles it was
 * detached, as does a closed connection, so callers never wait on a Janus that is gone.
 *
 * Why one file of ~540 lines: Connection, Session and Handle are one protocol state machine. They share the
 * connection's pending transactions and its routing of messages by session and handle id, and each ends
 * the others' requests when it goes away; split across modules, that bookkeeping would have to be exported
 * and could then be touched from outside. What sits on top of it lives elsewhere (videoRoomHandle.ts,
 * janusPool.ts, janusRooms.ts).
 */
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import type { Logger } from '../logger.ts';

/** Data of a handle or plugin event. Parse it before use. */
export type JanusEventData = Record<string, unknown>;
export type JanusEventListener = (data: JanusEventData) => void;

export interface JanusJsep {
  type: 'offer' | 'answer';
  sdp: string;
  [key: string]: unknown;
}

/** A raw Janus message answering a request: a plugin's answer is in plugindata.data. */
export interface JanusResponse {
  janus: string;
  plugindata?: { plugin: string; data: Record<string, unknown> };
  jsep?: JanusJsep;
  [key: string]: unknown;
}

interface JanusEmitter {
  on(event: string, listener: JanusEventListener): unknown;
  once(event: string, listener: JanusEventListener): unknown;
  off(event: string, listener: JanusEventListener): unknown;
}

/** A plugin handle. Janus and plugin errors reject with a JanusError. */
export interface JanusHandle extends JanusEmitter {
  readonly id: number;
  /** A plugin message; resolves with the plugin's answer, synchronous or asynchronous. */
  message(body: Record<string, unknown>, jsep?: JanusJsep): Promise<JanusResponse>;
  /** One candidate, an array of them, or null/undefined for end-of-candidates. */
  trickle(candidate: unknown): Promise<unknown>;
  trickleComplete(): Promise<unknown>;
  hangup(): Promise<unknown>;
  /** Detaches the handle; one already detached (or whose session is gone) counts as detached. */
  detach(): Promise<void>;
}

/**
 * A plugin, as given to session.attach: its package name, and how its unsolicited messages (`event`s that
 * answer no request) become named handle events.
 */
export interface JanusPlugin {
  id: string;
  eventOf(data: Record<string, unknown>): { name: string; data: JanusEventData } | null;
}

export interface JanusSession extends JanusEmitter {
  readonly id: number;
  attach(plugin: JanusPlugin): Promise<JanusHandle>;
  /** Destroys the session in Janus (its handles with it); the session ends locally either way. */
  destroy(): Promise<void>;
}

export interface JanusConnection {
  readonly url: string;
  createSession(): Promise<JanusSession>;
  /** Called once when the connection closes or fails, whoever closed it. Returns an unsubscribe function. */
  onClose(listener: (reason: string) => void): () => void;
  close(): Promise<void>;
}

export interface JanusClientOptions {
  /** How long the WebSocket handshake may take. */
  connectTimeoutMs?: number;
  /** Bound on every request, so nothing waits forever on an answer that never comes. */
  requestTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveTimeoutMs?: number;
  /** Where malformed messages from Janus are reported (they are ignored). */
  logger?: Pick<Logger, 'warn'>;
}

/** Events on handles and sessions. Handle events carry the message's own fields (reason, type, mid...). */
export const JANUS_EVENT = {
  SESSION_DESTROYED: 'session_destroyed',
  HANDLE_DETACHED: 'handle_detached',
  HANDLE_HANGUP: 'handle_hangup',
  HANDLE_ICE_FAILED: 'handle_ice_failed',
  HANDLE_MEDIA: 'handle_media',
  HANDLE_WEBRTCUP: 'handle_webrtcup',
  HANDLE_SLOWLINK: 'handle_slowlink',
  HANDLE_TRICKLE: 'handle_trickle',
} as const;

/** Janus's own per-handle notifications and the handle events they become (`detached` is handled apart). */
const CORE_EVENTS: Record<string, string> = {
  hangup: JANUS_EVENT.HANDLE_HANGUP,
  'ice-failed': JANUS_EVENT.HANDLE_ICE_FAILED,
  media: JANUS_EVENT.HANDLE_MEDIA,
  webrtcup: JANUS_EVENT.HANDLE_WEBRTCUP,
  slowlink: JANUS_EVENT.HANDLE_SLOWLINK,
  trickle: JANUS_EVENT.HANDLE_TRICKLE,
};

/** A Janus core error (`error.code`) or a plugin's (`error_code` in its answer). */
export class JanusError extends Error {
  readonly code: number;

  constructor(code: number, reason: string) {
    super(`${code} ${reason}`);
    this.name = 'JanusError';
    this.code = code;
  }
}

const SUBPROTOCOL = 'janus-protocol';
const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/**
 * Janus drops a session after session_timeout without a request (60 s in the generated config). A Janus that
 * does not acknowledge a keepalive within 10 s is stalled, not just busy: its calls move to another instance.
 */
const DEFAULT_KEEPALIVE_INTERVAL_MS = 10_000;
const DEFAULT_KEEPALIVE_TIMEOUT_MS = 10_000;

/** Fields of the envelope, not of the event they carry. */
const ENVELOPE_KEYS = new Set(['janus', 'session_id', 'sender', 'transaction']);

const JanusMessage = z.looseObject({
  janus: z.string(),
  transaction: z.string().optional(),
  session_id: z.number().optional(),
  sender: z.number().optional(),
  data: z.looseObject({ id: z.number() }).optional(),
  error: z.looseObject({ code: z.number(), reason: z.string() }).optional(),
  plugindata: z.object({ plugin: z.string(), data: z.record(z.string(), z.unknown()) }).optional(),
  jsep: z.looseObject({ type: z.enum(['offer', 'answer']), sdp: z.string() }).optional(),
});
type JanusMessage = z.infer<typeof JanusMessage>;

/** The received text as a Janus message, or null with the reason. */
export function parseJanusMessage(text: string): { message: JanusMessage } | { invalid: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { invalid: 'not JSON' };
  }
  const parsed = JanusMessage.safeParse(json);
  return parsed.success
    ? { message: parsed.data }
    : { invalid: parsed.error.issues[0]?.message ?? 'invalid' };
}

interface Pending {
  request: string;
  sessionId: number | null;
  handleId: number | null;
  resolve(message: JanusMessage): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** Opens the WebSocket; rejects when Janus cannot be reached or does not complete the handshake in time. */
export function connectJanus(url: string, options: JanusClientOptions = {}): Promise<JanusConnection> {
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, SUBPROTOCOL);
    const fail = (reason: string): void => {
      clearTimeout(timer);
      ws.removeEventListener('open', opened);
      ws.removeEventListener('close', closed);
      reject(new Error(`cannot connect to Janus at ${url}: ${reason}`));
    };
    const timer = setTimeout(() => {
      fail(`no WebSocket handshake within ${connectTimeoutMs} ms`);
      ws.close();
    }, connectTimeoutMs);
    const opened = (): void => {
      clearTimeout(timer);
      ws.removeEventListener('close', closed);
      if (ws.protocol !== SUBPROTOCOL) {
        ws.close();
        reject(new Error(`${url} does not speak the Janus API (subprotocol ${SUBPROTOCOL})`));
        return;
      }
      resolve(new Connection(url, ws, options));
    };
    const closed = (): void => fail('connection refused or closed');
    ws.addEventListener('open', opened, { once: true });
    ws.addEventListener('close', closed, { once: true });
  });
}

class Connection implements JanusConnection {
  readonly url: string;
  private readonly ws: WebSocket;
  private readonly options: JanusClientOptions;
  private readonly pending = new Map<string, Pending>();
  private readonly sessions = new Map<number, Session>();
  private readonly closeListeners = new Set<(reason: string) => void>();
  private nextTransaction = 0;
  private closedReason: string | null = null;

  constructor(url: string, ws: WebSocket, options: JanusClientOptions) {
    this.url = url;
    this.ws = ws;
    this.options = options;
    ws.addEventListener('message', (event) => {
      if (typeof event.data === 'string') this.receive(event.data);
    });
    ws.addEventListener('close', (event) => {
      this.closed(event.reason || `WebSocket closed (${event.code})`);
    });
  }

  get keepalive(): { intervalMs: number; timeoutMs: number } {
    return {
      intervalMs: this.options.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_INTERVAL_MS,
      timeoutMs: this.options.keepaliveTimeoutMs ?? DEFAULT_KEEPALIVE_TIMEOUT_MS,
    };
  }

  async createSession(): Promise<JanusSession> {
    const answer = await this.request({ janus: 'create' }, null, null);
    if (answer.data === undefined) throw new Error('Janus created a session without an id');
    const session = new Session(this, answer.data.id);
    this.sessions.set(session.id, session);
    return session;
  }

  onClose(listener: (reason: string) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  close(): Promise<void> {
    if (this.closedReason !== null) return Promise.resolve();
    // Ends everything now; the WebSocket's own closing handshake need not be waited for.
    this.ws.close();
    this.closed('closed by the client');
    return Promise.resolve();
  }

  /**
   * Sends a request and resolves with its answer. A request of a session or handle carries its ids, so
   * ending that session or handle rejects it.
   */
  request(
    body: Record<string, unknown>,
    sessionId: number | null,
    handleId: number | null,
    timeoutMs = this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
  ): Promise<JanusMessage> {
    if (this.closedReason !== null) {
      return Promise.reject(new Error(`Janus connection closed (${this.closedReason})`));
    }
    const transaction = String(++this.nextTransaction);
    const request = String(body.janus);
    return new Promise((resolve, reject) => {
      // The answer may be waiting unread after this process itself stalled (a busy machine): the timeout
      // counts only once the I/O already received is processed, which happens before setImmediate runs.
      const timer = setTimeout(() => {
        setImmediate(() => {
          if (this.pending.get(transaction)?.timer !== timer) return;
          this.pending.delete(transaction);
          reject(new Error(`Janus did not answer ${request} within ${timeoutMs} ms`));
        });
      }, timeoutMs);
      this.pending.set(transaction, { request, sessionId, handleId, resolve, reject, timer });
      const text = JSON.stringify({
        ...body,
        transaction,
        ...(sessionId === null ? {} : { session_id: sessionId }),
        ...(handleId === null ? {} : { handle_id: handleId }),
      });
      try {
        this.ws.send(text);
      } catch (error) {
        clearTimeout(timer);
        this.pending.delete(transaction);
        reject(error as Error);
      }
    });
  }

  forgetSession(session: Session): void {
    if (this.sessions.get(session.id) === session) this.sessions.delete(session.id);
  }

  /** Rejects the pending requests `matches` selects. */
  rejectPending(matches: (pending: Pending) => boolean, error: Error): void {
    for (const [transaction, pending] of this.pending) {
      if (!matches(pending)) continue;
      this.pending.delete(transaction);
      clearTimeout(pending.timer);
      pending.reject(error);
    }
  }

  private receive(text: string): void {
    const parsed = parseJanusMessage(text);
    if ('invalid' in parsed) {
      this.options.logger?.warn({ janusUrl: this.url, reason: parsed.invalid }, 'janus: message ignored');
      return;
    }
    const { message } = parsed;
    if (message.transaction !== undefined && this.settle(message, message.transaction)) return;
    if (message.session_id !== undefined) this.sessions.get(message.session_id)?.receive(message);
  }

  /** Settles the request `message` answers; false when it answers none (an event to route). */
  private settle(message: JanusMessage, transaction: string): boolean {
    const pending = this.pending.get(transaction);
    if (pending === undefined) return false;
    const isPluginMessage = pending.request === 'message';
    let outcome: { ok: JanusMessage } | { error: Error };
    switch (message.janus) {
      case 'ack':
        // A plugin message that got an ack is answered later, by an event with the same transaction.
        if (isPluginMessage) return true;
        outcome = { ok: message };
        break;
      case 'error':
        outcome = {
          error: new JanusError(message.error?.code ?? 0, message.error?.reason ?? 'unknown Janus error'),
        };
        break;
      case 'success':
        outcome = isPluginMessage ? pluginOutcome(message) : { ok: message };
        break;
      case 'event':
        if (!isPluginMessage) return false;
        outcome = pluginOutcome(message);
        break;
      default:
        return false;
    }
    this.pending.delete(transaction);
    clearTimeout(pending.timer);
    if ('ok' in outcome) pending.resolve(outcome.ok);
    else pending.reject(outcome.error);
    return true;
  }

  private closed(reason: string): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    this.rejectPending(() => true, new Error(`Janus connection closed (${reason})`));
    for (const listener of [...this.closeListeners]) listener(reason);
    this.closeListeners.clear();
    for (const session of [...this.sessions.values()]) session.end(`connection closed (${reason})`);
  }
}

/** A plugin's answer, or the error it reports in it (`error_code` and `error`). */
function pluginOutcome(message: JanusMessage): { ok: JanusMessage } | { error: Error } {
  const data = message.plugindata?.data;
  if (data !== undefined && typeof data.error_code === 'number') {
    return { error: new JanusError(data.error_code, String(data.error ?? 'plugin error')) };
  }
  return { ok: message };
}

/** The fields of a message without its envelope: what a handle event carries. */
function eventFields(message: JanusMessage): JanusEventData {
  return Object.fromEntries(Object.entries(message).filter(([key]) => !ENVELOPE_KEYS.has(key)));
}

class Session extends EventEmitter implements JanusSession {
  readonly id: number;
  private readonly connection: Connection;
  private readonly handles = new Map<number, Handle>();
  private readonly keepaliveTimer: NodeJS.Timeout;
  private ended = false;

  constructor(connection: Connection, id: number) {
    super();
    this.connection = connection;
    this.id = id;
    const { intervalMs, timeoutMs } = connection.keepalive;
    this.keepaliveTimer = setInterval(() => {
      connection.request({ janus: 'keepalive' }, id, null, timeoutMs).catch((error: unknown) => {
        this.end(`keepalive not acknowledged (${(error as Error).message})`);
      });
    }, intervalMs);
    this.keepaliveTimer.unref();
  }

  async attach(plugin: JanusPlugin): Promise<JanusHandle> {
    const answer = await this.request({ janus: 'attach', plugin: plugin.id });
    if (answer.data === undefined) throw new Error(`Janus attached ${plugin.id} without a handle id`);
    const handle = new Handle(this, answer.data.id, plugin);
    if (this.ended) {
      handle.detached('session ended');
    } else {
      this.handles.set(handle.id, handle);
    }
    return handle;
  }

  async destroy(): Promise<void> {
    try {
      if (!this.ended) await this.request({ janus: 'destroy' });
    } finally {
      this.end('destroyed');
    }
  }

  request(body: Record<string, unknown>, handleId: number | null = null): Promise<JanusMessage> {
    if (this.ended) return Promise.reject(new Error('Janus session ended'));
    return this.connection.request(body, this.id, handleId);
  }

  /** A handle of this session is gone: its pending requests fail with `error`. */
  forget(handle: Handle, error: Error): void {
    if (this.handles.get(handle.id) === handle) this.handles.delete(handle.id);
    this.connection.rejectPending(
      (pending) => pending.sessionId === this.id && pending.handleId === handle.id,
      error,
    );
  }

  get isEnded(): boolean {
    return this.ended;
  }

  receive(message: JanusMessage): void {
    if (message.sender !== undefined) {
      this.handles.get(message.sender)?.receive(message);
    } else if (message.janus === 'timeout') {
      this.end('timed out in Janus');
    }
  }

  /** The session is gone (destroyed, timed out, keepalive lost, connection closed): so are its handles. */
  end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.keepaliveTimer);
    this.connection.forgetSession(this);
    const error = new Error(`Janus session ended (${reason})`);
    this.connection.rejectPending((pending) => pending.sessionId === this.id, error);
    for (const handle of [...this.handles.values()]) handle.detached(reason);
    this.emit(JANUS_EVENT.SESSION_DESTROYED, { id: this.id, reason });
    this.removeAllListeners();
  }
}

class Handle extends EventEmitter implements JanusHandle {
  readonly id: number;
  private readonly session: Session;
  private readonly plugin: JanusPlugin;
  private isDetached = false;

  constructor(session: Session, id: number, plugin: JanusPlugin) {
    super();
    this.session = session;
    this.id = id;
    this.plugin = plugin;
  }

  async message(body: Record<string, unknown>, jsep?: JanusJsep): Promise<JanusResponse> {
    return this.request({ janus: 'message', body, ...(jsep === undefined ? {} : { jsep }) });
  }

  trickle(candidate: unknown): Promise<unknown> {
    if (candidate === null || candidate === undefined) return this.trickleComplete();
    return this.request(
      Array.isArray(candidate)
        ? { janus: 'trickle', candidates: candidate }
        : { janus: 'trickle', candidate },
    );
  }

  trickleComplete(): Promise<unknown> {
    return this.request({ janus: 'trickle', candidate: { completed: true } });
  }

  hangup(): Promise<unknown> {
    return this.request({ janus: 'hangup' });
  }

  async detach(): Promise<void> {
    if (this.isDetached || this.session.isEnded) return;
    try {
      await this.request({ janus: 'detach' });
    } catch (error) {
      // 459 "no such handle": Janus detached it already.
      if (!(error instanceof JanusError && error.code === 459)) throw error;
    }
    this.detached('detached');
  }

  receive(message: JanusMessage): void {
    if (this.isDetached) return;
    if (message.janus === 'detached') {
      this.detached('detached by Janus');
      return;
    }
    if (message.janus === 'event') {
      const event = this.plugin.eventOf(message.plugindata?.data ?? {});
      if (event !== null) {
        this.emit(
          event.name,
          message.jsep === undefined ? event.data : { ...event.data, jsep: message.jsep },
        );
      }
      return;
    }
    const name = CORE_EVENTS[message.janus];
    if (name !== undefined) this.emit(name, eventFields(message));
  }

  /** The handle is gone: its pending requests fail, its listeners hear it once and are dropped. */
  detached(reason: string): void {
    if (this.isDetached) return;
    this.isDetached = true;
    this.session.forget(this, new Error(`Janus handle detached (${reason})`));
    this.emit(JANUS_EVENT.HANDLE_DETACHED, { id: this.id, reason });
    this.removeAllListeners();
  }

  private request(body: Record<string, unknown>): Promise<JanusMessage> {
    if (this.isDetached) return Promise.reject(new Error('Janus handle detached'));
    return this.session.request(body, this.id);
  }
}
