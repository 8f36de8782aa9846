/**
 * Test support shared by the backend suites, the browser e2e specs and the benches: an in-process server on
 * port 0, and thin REST and socket clients that speak the wire contract.
 */
import { randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import type {
  AuthResponse,
  ClientToServerEvents,
  ConversationDto,
  ConversationResponse,
  ServerToClientEvents,
  UserDto,
} from '../../../src/shared/protocol/index.ts';
import { loadConfig } from '../../src/config.ts';
import type { Db, Queryable } from '../../src/db/db.ts';
import { embeddedDatabaseDir, openPgliteDb } from '../../src/db/pglite.db.ts';
import { openPostgresDb } from '../../src/db/postgres.db.ts';
import { startServer } from '../../src/server.ts';
import { migratedTemplate } from './pgliteTemplate.ts';

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Environment of a test server: in-memory PGlite, any free port, fast sweeper, cheap hashes, no throttling. */
export const TEST_SERVER_ENV: Readonly<Record<string, string>> = {
  NODE_ENV: 'test',
  HOST: '127.0.0.1',
  PORT: '0',
  DATA_DIR: ':memory:',
  SWEEP_INTERVAL_MS: '50',
  RATE_LIMIT_MULTIPLIER: '1000',
  SCRYPT_LOG2_COST: '10',
  LOG_LEVEL: 'silent',
  WEB_DIR: '/nonexistent-web-dir',
};

export interface TestServer {
  url: string;
  /** The server's own database connection, for tests that act as an admin would (e.g. delete a user). */
  db: Queryable;
  close(): Promise<void>;
}

/** Starts a backend in this process; `overrides` are environment variables (e.g. CALL_RING_TIMEOUT_SECONDS). */
export async function startTestServer(
  overrides: Record<string, string | undefined> = {},
): Promise<TestServer> {
  const config = loadConfig({ ...TEST_SERVER_ENV, ...overrides });
  const { dataDir, databaseUrl } = config;
  let db: Db | undefined;
  const server = await startServer(config, {
    openDb: async () => {
      db =
        databaseUrl === null
          ? await openPgliteDb(
              dataDir === null ? null : embeddedDatabaseDir(dataDir),
              await migratedTemplate(),
            )
          : openPostgresDb(databaseUrl, () => undefined);
      return db;
    },
  });
  return { url: server.url, db: db!, close: () => server.close() };
}

export interface ApiResult<T = unknown> {
  status: number;
  body: T;
}

/** One JSON request; never throws on an HTTP error status, so tests can assert on it. */
export async function api<T = unknown>(
  url: string,
  method: 'GET' | 'POST' | 'PATCH',
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as T };
}

/** Registers a user with a unique email. */
export async function registerUser(
  url: string,
  name = 'Test User',
): Promise<{ token: string; user: UserDto }> {
  const email = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '.')}.${randomUUID().slice(0, 8)}@example.test`;
  const res = await api<AuthResponse>(url, 'POST', '/api/auth/register', {
    body: { email, password: 'correct horse battery', name },
  });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Creates a conversation of the token's user with `memberIds` (1 other = 1:1, more = group). */
export async function createConversation(
  url: string,
  token: string,
  memberIds: readonly string[],
  title?: string,
): Promise<ConversationDto> {
  const res = await api<ConversationResponse>(url, 'POST', '/api/conversations', {
    token,
    body: { memberIds, ...(title === undefined ? {} : { title }) },
  });
  if (res.status !== 201 && res.status !== 200) {
    throw new Error(`create conversation failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return res.body.conversation;
}

/**
 * A connected socket (WebSocket transport, no automatic reconnection); rejects with the connect_error.
 * `deviceId` null connects as a client written from the spec does, with the token only.
 */
export function connectClient(
  url: string,
  token: string,
  deviceId: string | null = `dev-${randomUUID()}`,
): Promise<TestSocket> {
  const socket: TestSocket = io(url, {
    transports: ['websocket'],
    auth: deviceId === null ? { token } : { token, deviceId },
    reconnection: false,
    forceNew: true,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** The connect_error of a handshake that must be refused; rejects if the socket connects. */
export function refusedHandshake(
  url: string,
  options: Parameters<typeof io>[1],
): Promise<Error & { data?: unknown }> {
  const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, ...options });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      socket.close();
      reject(new Error('connected although it should have been refused'));
    });
    socket.once('connect_error', (err) => {
      socket.close();
      resolve(err);
    });
  });
}

/**
 * Resolves with the next `name` event whose payload satisfies `predicate`. Register it before triggering the
 * action that emits the event.
 */
export function nextEvent<E extends keyof ServerToClientEvents>(
  socket: TestSocket,
  name: E,
  predicate: (payload: Parameters<ServerToClientEvents[E]>[0]) => boolean = () => true,
  timeoutMs = 5000,
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  type Payload = Parameters<ServerToClientEvents[E]>[0];
  return new Promise((resolve, reject) => {
    const listener = (payload: Payload) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      socket.off(name, listener as never);
      resolve(payload);
    };
    const timer = setTimeout(() => {
      socket.off(name, listener as never);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${name}`));
    }, timeoutMs);
    socket.on(name, listener as never);
  });
}
