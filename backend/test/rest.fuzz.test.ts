/**
 * Generated requests (fast-check) against every REST route, unknown routes and malformed HTTP, on PGlite and
 * PostgreSQL. Whatever arrives: no answer is a 5xx, every error is exactly the documented envelope and repeats
 * nothing of the request, a refused request leaves every table as it was, and a success has the documented
 * shape. Tokens range over valid ones, a deleted account's, subjects that are not user ids, expired and
 * forged ones.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  ActiveCallResponse,
  AnswerCallResponse,
  AuthResponse,
  CallResponse,
  ConversationResponse,
  EndCallResponse,
  HealthResponse,
  InitiateCallResponse,
  ListCallsResponse,
  ListConversationsResponse,
  ListUsersResponse,
  MeResponse,
  RejectCallResponse,
  TurnCredentialsResponse,
  UpdateMediaResponse,
  type ListCallsResponse as ListCallsBody,
} from '../../src/shared/protocol/index.ts';
import { databaseTargets } from './support/databases.ts';
import {
  changedTables,
  databaseSnapshot,
  FUZZ_RUNS,
  MARK,
  nastyJson,
  nastyObject,
  nastyString,
  pathSegment,
  percentEncode,
  signToken,
  StrictErrorBody,
} from './support/fuzz.ts';
import { rawExchange, rawRequest, type RawRequest, type RawResponse } from './support/rawHttp.ts';
import {
  api,
  createConversation,
  registerUser,
  startTestServer,
  type TestServer,
} from './support/testServer.ts';

const JWT_SECRET = 'rest-fuzz-secret-rest-fuzz-secret-0123';
const PASSWORD = 'correct horse battery';
const METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS', 'HEAD'] as const;

interface Route {
  method: 'GET' | 'POST' | 'PATCH';
  /** `:callId` and `:conversationId` are filled with generated segments. */
  path: string;
  /** The documented body of a 2xx answer. */
  ok: z.ZodType;
  body?: fc.Arbitrary<unknown>;
  query?: Record<string, fc.Arbitrary<string>>;
  /** A request that must succeed, run first: whether a generated one does depends on the draw. */
  example?: RawRequest;
}

interface World {
  emails: string[];
  userIds: string[];
  conversationIds: string[];
  callIds: string[];
  /** Tokens of members of the fixtures' conversations. */
  memberTokens: string[];
  /** Tokens of an outsider, a deleted account, subjects that are not users, expired and forged ones. */
  otherTokens: string[];
  cursor: string;
  /** A member of a conversation of two nobody calls, and that conversation: free to be called. */
  idle: { email: string; token: string; conversationId: string };
  /** Starts new ringing calls (1:1 and group) for the call actions to answer, decline and end. */
  ringMore(): Promise<void>;
  /** A participant of an active call that no generated request can end: its id is not among `callIds`. */
  inCall: { token: string; callId: string };
}

async function buildWorld(url: string, server: TestServer): Promise<World> {
  const [alice, bob, carol, mallory, dave, erin, frank, gina, hank] = await Promise.all(
    ['Alice', 'Bob', 'Carol', 'Mallory', 'Dave', 'Erin', 'Frank', 'Gina', 'Hank'].map((name) =>
      registerUser(url, name),
    ),
  );
  const idle = await createConversation(url, erin!.token, [frank!.user.id]);
  const direct = await createConversation(url, alice!.token, [bob!.user.id]);
  const group = await createConversation(url, carol!.token, [alice!.user.id, bob!.user.id], 'Standup');
  const initiate = async (token: string, conversationId: string) => {
    const res = await api<{ callId: string }>(url, 'POST', '/api/calls/initiate', {
      token,
      body: { conversationId, type: 'video', deviceId: 'fixture-device' },
    });
    if (res.status !== 201) throw new Error(`initiate failed: ${res.status}`);
    return res.body.callId;
  };
  const ended = await initiate(alice!.token, direct.id);
  await api(url, 'POST', `/api/calls/${ended}/end`, { token: alice!.token });
  const active = await initiate(alice!.token, direct.id);
  await api(url, 'POST', `/api/calls/${active}/answer`, {
    token: bob!.token,
    body: { deviceId: 'bob-device' },
  });
  const ringing = await initiate(carol!.token, group.id);
  const apart = await createConversation(url, gina!.token, [hank!.user.id]);
  const inCall = { token: hank!.token, callId: await initiate(gina!.token, apart.id) };
  const joined = await api(url, 'POST', `/api/calls/${inCall.callId}/answer`, { token: inCall.token });
  if (joined.status !== 200) throw new Error(`answer failed: ${joined.status}`);
  const callIds = [active, ringing, ended];
  const page = await api<ListCallsBody>(url, 'GET', '/api/calls?limit=1', { token: alice!.token });
  // An account deleted as an admin would: its tokens stay validly signed.
  await server.db.query('DELETE FROM users WHERE id = $1', [dave!.user.id]);
  return {
    emails: [alice!.user.email, bob!.user.email, mallory!.user.email, dave!.user.email],
    userIds: [alice!, bob!, carol!, mallory!, dave!].map((u) => u.user.id),
    conversationIds: [direct.id, group.id],
    callIds,
    async ringMore() {
      for (let i = 0; i < 3; i += 1) {
        callIds.push(await initiate(alice!.token, direct.id), await initiate(carol!.token, group.id));
      }
    },
    idle: { email: erin!.user.email, token: erin!.token, conversationId: idle.id },
    inCall,
    memberTokens: [alice!.token, bob!.token, carol!.token],
    otherTokens: [
      mallory!.token,
      dave!.token,
      await signToken(JWT_SECRET, 'not-a-uuid'),
      await signToken(JWT_SECRET, crypto.randomUUID()),
      await signToken(JWT_SECRET, undefined),
      await signToken(JWT_SECRET, alice!.user.id, { expired: true }),
      await signToken('some-other-secret-some-other-secret', alice!.user.id),
    ],
    cursor: page.body.nextCursor!,
  };
}

function routesOf(world: World): Route[] {
  const often = <T>(usual: fc.Arbitrary<T>, ...others: fc.Arbitrary<T>[]) =>
    fc.oneof({ weight: 3, arbitrary: usual }, ...others.map((arbitrary) => ({ weight: 1, arbitrary })));
  const id = (known: readonly string[]) => often(fc.constantFrom(...known), fc.uuid());
  const ids = (known: readonly string[]) =>
    often(fc.subarray([...known], { minLength: 1 }), fc.array(id(known), { maxLength: 21 }));
  const deviceId = often(fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/), nastyString);
  const text = (max: number) => often(fc.string({ minLength: 1, maxLength: max }), nastyString);
  const email = often(
    fc.emailAddress(),
    fc.constantFrom(...world.emails),
    nastyString.map((s) => `${s}@x.test`),
  );
  const password = often(fc.constant(PASSWORD), fc.string({ minLength: 8, maxLength: 40 }), nastyString);
  const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const cursor = fc.oneof(
    fc.constant(world.cursor),
    fc
      .tuple(
        fc.oneof(
          fc.constantFrom('0000-01-01T00:00:00Z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999999Z'),
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          nastyString,
        ),
        fc.oneof(fc.uuid(), nastyString),
      )
      .map(base64url),
    nastyString,
  );
  const limit = fc.oneof(fc.integer({ min: -5, max: 150 }).map(String), nastyString);
  const media = nastyObject({
    audioEnabled: fc.option(fc.boolean(), { nil: undefined }),
    videoEnabled: fc.option(fc.boolean(), { nil: undefined }),
    screenSharing: fc.option(fc.boolean(), { nil: undefined }),
  });
  const callRoute = (
    method: Route['method'],
    suffix: string,
    ok: z.ZodType,
    body?: fc.Arbitrary<unknown>,
  ): Route => ({
    method,
    path: `/api/calls/:callId${suffix}`,
    ok,
    ...(body === undefined ? {} : { body }),
  });
  return [
    { method: 'GET', path: '/healthz', ok: HealthResponse },
    {
      method: 'POST',
      path: '/api/auth/register',
      ok: AuthResponse,
      body: nastyObject({ email, password, name: text(110) }),
    },
    {
      method: 'POST',
      path: '/api/auth/login',
      ok: AuthResponse,
      body: nastyObject({ email, password }),
      example: jsonRequest('POST', '/api/auth/login', undefined, {
        email: world.idle.email,
        password: PASSWORD,
      }),
    },
    { method: 'GET', path: '/api/users/me', ok: MeResponse },
    { method: 'GET', path: '/api/users', ok: ListUsersResponse, query: { query: nastyString, limit } },
    {
      method: 'POST',
      path: '/api/conversations',
      ok: ConversationResponse,
      body: nastyObject({
        memberIds: ids(world.userIds),
        title: text(110),
      }),
    },
    { method: 'GET', path: '/api/conversations', ok: ListConversationsResponse },
    { method: 'GET', path: '/api/conversations/:conversationId', ok: ConversationResponse },
    {
      method: 'POST',
      path: '/api/calls/initiate',
      ok: InitiateCallResponse,
      body: nastyObject({
        conversationId: id(world.conversationIds),
        type: fc.constantFrom('audio', 'video', 'screen'),
        participantIds: fc.option(ids(world.userIds), { nil: undefined }),
        deviceId,
      }),
      example: jsonRequest('POST', '/api/calls/initiate', world.idle.token, {
        conversationId: world.idle.conversationId,
        type: 'audio',
      }),
    },
    { method: 'GET', path: '/api/calls/turn-credentials', ok: TurnCredentialsResponse },
    { method: 'GET', path: '/api/calls/active', ok: ActiveCallResponse },
    {
      method: 'GET',
      path: '/api/calls',
      ok: ListCallsResponse,
      query: { cursor, limit, filter: fc.oneof(fc.constantFrom('all', 'missed'), nastyString) },
    },
    callRoute('GET', '', CallResponse),
    callRoute('POST', '/answer', AnswerCallResponse, nastyObject({ deviceId })),
    callRoute('POST', '/reject', RejectCallResponse, nastyObject({ deviceId })),
    callRoute('POST', '/end', EndCallResponse, nastyObject({ deviceId })),
    {
      ...callRoute('PATCH', '/media', UpdateMediaResponse, media),
      // The calls generated requests pick may all be ringing or ended by the cases before.
      example: jsonRequest('PATCH', `/api/calls/${world.inCall.callId}/media`, world.inCall.token, {
        audioEnabled: false,
      }),
    },
  ];
}

const CONTENT_TYPES = [
  undefined,
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  `application/${MARK}`,
  `${MARK}`,
  '',
];

/** A body as sent: JSON of `shape`, nothing, empty or blank, raw text, raw bytes, broken or oversized JSON. */
function encodedBody(shape: fc.Arbitrary<unknown>): fc.Arbitrary<string | Buffer | undefined> {
  return fc.oneof(
    { weight: 8, arbitrary: shape.map((value) => JSON.stringify(value) ?? '') },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', '\r\n', 'null') },
    { weight: 1, arbitrary: nastyString },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '{"email":',
        `{"${MARK}":`,
        '{"__proto__":{"admin":true}}',
        '{"constructor":{"prototype":{"admin":true}}}',
        `"${'a'.repeat(17_000)}${MARK}"`,
      ),
    },
  );
}

function queryString(fields: Record<string, fc.Arbitrary<string>> | undefined): fc.Arbitrary<string> {
  const known = Object.entries(fields ?? {});
  const pair = fc.oneof(
    ...known.map(([key, value]) => value.map((v) => `${key}=${percentEncode(v)}`)),
    fc.tuple(nastyString, nastyString).map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`),
    fc.constantFrom('%zz=1', `${MARK}%`, '=', '&&', 'limit'),
  );
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant('') },
    {
      weight: 3,
      arbitrary: fc.array(pair, { minLength: 1, maxLength: 4 }).map((pairs) => `?${pairs.join('&')}`),
    },
  );
}

function jsonRequest(method: string, path: string, token: string | undefined, body: unknown): RawRequest {
  return {
    method,
    path,
    body: JSON.stringify(body),
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
  };
}

function requestTo(route: Route, world: World): fc.Arbitrary<RawRequest> {
  const segments = { ':callId': world.callIds, ':conversationId': world.conversationIds };
  const path = Object.entries(segments).reduce<fc.Arbitrary<string>>(
    (arb, [param, ids]) =>
      arb.chain((p) =>
        p.includes(param) ? pathSegment(ids).map((s) => p.replace(param, s)) : fc.constant(p),
      ),
    fc.constant(route.path),
  );
  return fc
    .record({
      method: fc.oneof(
        { weight: 9, arbitrary: fc.constant(route.method) },
        { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
      ),
      path: fc.tuple(path, queryString(route.query)).map(([p, q]) => p + q),
      authorization: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...world.memberTokens).map((t) => `Bearer ${t}`) },
        { weight: 3, arbitrary: fc.constantFrom(...world.otherTokens).map((t) => `Bearer ${t}`) },
        { weight: 1, arbitrary: fc.constant(undefined) },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            `Bearer ${MARK}`,
            'Bearer',
            'Basic YTpi',
            `bearer ${world.memberTokens[0]}`,
          ),
        },
      ),
      contentType: fc.oneof(
        { weight: 3, arbitrary: fc.constant('application/json') },
        { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
      ),
      body: encodedBody(route.body ?? nastyJson),
      extra: fc.option(
        fc.tuple(fc.stringMatching(/^x-[a-z]{1,10}$/), fc.string({ unit: 'grapheme-ascii', maxLength: 30 })),
      ),
    })
    .map(({ method, path, authorization, contentType, body, extra }) => ({
      method,
      path,
      body,
      headers: {
        ...(authorization === undefined ? {} : { authorization }),
        ...(contentType === undefined ? {} : { 'content-type': contentType }),
        ...(extra === null ? {} : { [extra[0]]: `${extra[1]}${MARK}` }),
      },
    }));
}

/** An error answer as documented, repeating nothing of the request. */
function expectCleanError(request: RawRequest, res: RawResponse): void {
  expect(res.status, 'a 4xx').toBeLessThan(500);
  expect(res.headers['content-type'] ?? '', 'a JSON error').toMatch(/^application\/json/);
  expect(res.raw, 'the answer repeats part of the request').not.toContain(MARK);
  if (request.method === 'HEAD') return;
  const parsed = StrictErrorBody.safeParse(JSON.parse(res.body));
  expect(parsed.success, `not the error envelope: ${res.body}`).toBe(true);
}

describe.each(databaseTargets())('REST boundaries under generated input on $name', (target) => {
  let server: TestServer;
  let world: World;
  let known: Record<string, string>;

  beforeAll(async () => {
    server = await startTestServer({
      ...(await target.setUp()),
      JWT_SECRET,
      CALL_RING_TIMEOUT_SECONDS: '3600',
      TURN_SERVER_HOST: 'turn.example.test',
      TURN_SECRET: 'rest-fuzz-turn-secret',
    });
    world = await buildWorld(server.url, server);
    known = await databaseSnapshot(server.db);
  });
  afterAll(async () => {
    await server?.close();
    await target.tearDown();
  });

  /** Sends it and checks the invariants; a refused request must leave every table as it was. */
  async function exchange(request: RawRequest): Promise<RawResponse> {
    const res = await rawRequest(server.url, request);
    expect(res, 'the server answered').not.toBeNull();
    const after = await databaseSnapshot(server.db);
    const changed = changedTables(known, after);
    known = after;
    if (res!.status >= 400) {
      expectCleanError(request, res!);
      expect(changed, `a refused request (${res!.status}) changed the database`).toEqual([]);
    }
    return res!;
  }

  it('every route: no 5xx, errors in the envelope without echo, nothing changed when refused', async () => {
    const seen = new Map<string, Set<number>>();
    for (const route of routesOf(world)) {
      if (route.path.startsWith('/api/calls/:callId/')) {
        await world.ringMore();
        known = await databaseSnapshot(server.db);
      }
      const statuses = new Set<number>();
      seen.set(`${route.method} ${route.path}`, statuses);
      await fc.assert(
        fc.asyncProperty(requestTo(route, world), async (request) => {
          const res = await exchange(request);
          statuses.add(res.status);
          if (res.status < 300 && request.method === route.method) {
            const body: unknown = JSON.parse(res.body);
            expect(route.ok.safeParse(body).success, `undocumented success: ${res.body}`).toBe(true);
            // Calls started here are answered, declined and ended by the cases that follow.
            if (route.ok === InitiateCallResponse) world.callIds.push((body as { callId: string }).callId);
          }
        }),
        { numRuns: FUZZ_RUNS, examples: route.example ? [[route.example]] : [] },
      );
    }
    // Every route answered a success at least once: the generators reach past validation (for login,
    // initiate and media, whose successes depend on which accounts and calls the draw picks, their example
    // proves the route).
    for (const [route, statuses] of seen) {
      expect(
        [...statuses].some((s) => s < 300),
        `${route} never succeeded: ${[...statuses]}`,
      ).toBe(true);
    }
  }, 600_000);

  it('unknown routes and methods: a 404 in the envelope', async () => {
    const path = fc
      .array(
        fc.oneof(nastyString.map(percentEncode), fc.constantFrom('api', 'calls', 'users', '..', '.', '')),
        { maxLength: 5 },
      )
      .map((parts) => `/${parts.join('/')}${MARK}`);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHODS), path, async (method, p) => {
        const res = await exchange({ method, path: p.startsWith('/socket.io') ? `/x${p}` : p });
        expect(res.status).toBeGreaterThanOrEqual(400);
      }),
      { numRuns: FUZZ_RUNS },
    );
  }, 120_000);

  it('malformed HTTP: answered in the envelope or closed, never echoed', async () => {
    const line = fc.oneof(
      fc.constantFrom(
        'Host: 127.0.0.1',
        'Content-Length: 5',
        'Content-Length: -1',
        'Content-Length: 1, 2',
        'Transfer-Encoding: chunked',
        'Transfer-Encoding: gzip, chunked',
        'Expect: 100-continue',
        `Expect: ${MARK}`,
        `X: ${'a'.repeat(20_000)}${MARK}`,
        ` folded${MARK}`,
        `NoColon${MARK}`,
      ),
      fc.string({ unit: 'binary-ascii', maxLength: 60 }).map((s) => `${s}${MARK}`),
    );
    const head = fc.oneof(
      fc
        .tuple(
          fc.constantFrom('GET', 'POST', 'G ET', 'get', `${MARK}`, ''),
          fc.oneof(fc.constantFrom('/healthz', '/api/calls', '*', ''), nastyString),
          fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9.9', 'HTTX/1.1', ''),
        )
        .map(([m, p, v]) => `${m} ${p}${MARK} ${v}`),
      fc.string({ unit: 'binary', maxLength: 80 }),
    );
    const request = fc
      .tuple(head, fc.array(line, { maxLength: 5 }), fc.string({ maxLength: 40 }))
      .map(([h, lines, body]) => Buffer.from(`${h}\r\n${lines.join('\r\n')}\r\n\r\n${body}`, 'utf8'));
    await fc.assert(
      fc.asyncProperty(request, async (bytes) => {
        const res = await rawExchange(server.url, bytes, { halfClose: true });
        if (res === null) return;
        if (res.status >= 400) expectCleanError({ method: 'GET', path: '' }, res);
        expect(changedTables(known, await databaseSnapshot(server.db))).toEqual([]);
      }),
      { numRuns: FUZZ_RUNS },
    );
  }, 120_000);
});
