/**
 * What a client written from the spec, a sloppy client and a stale token meet at the edges of the service:
 * a socket with only `auth.token` through a whole call, empty bodies on answer/reject/end, accounts deleted
 * under a valid token, quality reports from the wrong device, acknowledgements for malformed events, text
 * PostgreSQL cannot store, Fastify's and Node's own errors, and 200 concurrent call actions.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CALL_STATUSES,
  FINAL_CALL_STATUSES,
  type AuthResponse,
  type CallDto,
  type ConversationDto,
  type SocketAck,
} from '../../src/shared/protocol/index.ts';
import { databaseTargets } from './support/databases.ts';
import { signToken, StrictErrorBody } from './support/fuzz.ts';
import { rawExchange, rawRequest } from './support/rawHttp.ts';
import {
  api,
  connectClient,
  createConversation,
  nextEvent,
  refusedHandshake,
  registerUser,
  startTestServer,
  type TestServer,
  type TestSocket,
} from './support/testServer.ts';

const JWT_SECRET = 'boundaries-test-secret-boundaries-test';
/** AccountCheck's cache time in server.ts, plus a margin for a loaded machine. */
const ACCOUNT_CACHE_BOUND_MS = 5_000 + 1_500;
const OFFER = { type: 'offer' as const, sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };
const ANSWER = { type: 'answer' as const, sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n' };
const CANDIDATE = { candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host', sdpMid: '0' };

type Emit = (event: string, ...args: unknown[]) => void;

function emitRaw(socket: TestSocket, event: string, ...args: unknown[]): Promise<SocketAck> {
  return new Promise((resolve) => (socket.emit as Emit)(event, ...args, resolve));
}

describe.each(databaseTargets())('boundaries on $name', (target) => {
  let server: TestServer;
  let url: string;
  const sockets: TestSocket[] = [];
  const connect = async (token: string, deviceId?: string | null) => {
    const socket = await connectClient(url, token, deviceId);
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    server = await startTestServer({
      ...(await target.setUp()),
      JWT_SECRET,
      CALL_RING_TIMEOUT_SECONDS: '3600',
    });
    url = server.url;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await server?.close();
    await target.tearDown();
  });

  const initiate = async (
    token: string,
    conversation: ConversationDto,
    body: Record<string, unknown> = {},
  ) => {
    const res = await api<{ callId: string }>(url, 'POST', '/api/calls/initiate', {
      token,
      body: { conversationId: conversation.id, type: 'video', ...body },
    });
    expect(res.status).toBe(201);
    return res.body.callId;
  };
  const getCall = async (token: string, callId: string) =>
    (await api<{ call: CallDto }>(url, 'GET', `/api/calls/${callId}`, { token })).body.call;
  /** POST with an empty body as it arrives from clients that send a Content-Type on every request. */
  const emptyPost = (token: string, path: string, headers: Record<string, string> = {}) =>
    rawRequest(url, {
      method: 'POST',
      path,
      headers: { authorization: `Bearer ${token}`, ...headers },
      body: '',
    });

  it('a client that connects with only auth.token, as the spec has it, completes a call', async () => {
    const alice = await registerUser(url, 'Alice');
    const bob = await registerUser(url, 'Bob');
    const aliceSocket = await connect(alice.token, null);
    const bobSocket = await connect(bob.token, null);
    const conversation = await createConversation(url, alice.token, [bob.user.id]);

    // The spec's request: no deviceId anywhere.
    const incoming = nextEvent(bobSocket, 'call:incoming');
    const callId = await initiate(alice.token, conversation, { participantIds: [bob.user.id] });
    expect(await incoming).toMatchObject({ callId, initiatedBy: alice.user.id });

    const joined = nextEvent(aliceSocket, 'call:participant-joined');
    const answered = await emptyPost(bob.token, `/api/calls/${callId}/answer`, {
      'content-type': 'application/json',
    });
    expect(answered).toMatchObject({ status: 200 });
    expect(JSON.parse(answered!.body)).toMatchObject({ callId, status: 'active' });
    await joined;

    // The spec's emits carry no acknowledgement callback.
    const offer = nextEvent(bobSocket, 'call:offer');
    (aliceSocket.emit as Emit)('call:offer', { callId, targetUserId: bob.user.id, offer: OFFER });
    // Each connection without a device id is a device of its own, named by the server.
    const fromAlice = { callId, fromUserId: alice.user.id, fromDeviceId: expect.stringMatching(/^conn-/) };
    expect(await offer).toEqual({ ...fromAlice, offer: OFFER });
    const reply = nextEvent(aliceSocket, 'call:answer');
    (bobSocket.emit as Emit)('call:answer', { callId, targetUserId: alice.user.id, answer: ANSWER });
    expect(await reply).toEqual({
      callId,
      fromUserId: bob.user.id,
      fromDeviceId: expect.stringMatching(/^conn-/),
      answer: ANSWER,
    });
    const candidate = nextEvent(bobSocket, 'call:ice-candidate');
    (aliceSocket.emit as Emit)('call:ice-candidate', {
      callId,
      targetUserId: bob.user.id,
      candidate: CANDIDATE,
    });
    expect(await candidate).toEqual({ ...fromAlice, candidate: CANDIDATE });
    const muted = nextEvent(bobSocket, 'call:media-state-changed');
    await api(url, 'PATCH', `/api/calls/${callId}/media`, {
      token: alice.token,
      body: { audioEnabled: false },
    });
    expect(await muted).toMatchObject({ callId, userId: alice.user.id, mediaState: { audioEnabled: false } });

    const ended = [nextEvent(aliceSocket, 'call:ended'), nextEvent(bobSocket, 'call:ended')];
    const end = await emptyPost(alice.token, `/api/calls/${callId}/end`, {
      'content-type': 'application/json',
    });
    expect(JSON.parse(end!.body)).toMatchObject({ callId, status: 'ended', endReason: 'ended-by-user' });
    expect(await Promise.all(ended)).toEqual([
      { callId, reason: 'ended-by-user', endedBy: alice.user.id },
      { callId, reason: 'ended-by-user', endedBy: alice.user.id },
    ]);
  });

  it('answer, reject and end take an empty body with or without a Content-Type', async () => {
    const alice = await registerUser(url, 'Alice');
    const bob = await registerUser(url, 'Bob');
    const conversation = await createConversation(url, alice.token, [bob.user.id]);
    const variants: Record<string, string>[] = [
      {},
      { 'content-type': 'application/json' },
      { 'content-type': 'application/json; charset=utf-8' },
      { 'content-type': 'application/x-www-form-urlencoded' }, // curl -X POST -d ''
      { 'content-type': 'text/plain' },
    ];
    for (const headers of variants) {
      const declined = await initiate(alice.token, conversation);
      const rejected = await emptyPost(bob.token, `/api/calls/${declined}/reject`, headers);
      expect({ headers, status: rejected?.status, body: JSON.parse(rejected!.body) }).toEqual({
        headers,
        status: 200,
        body: { callId: declined, status: 'rejected' },
      });

      const callId = await initiate(alice.token, conversation);
      expect((await emptyPost(bob.token, `/api/calls/${callId}/answer`, headers))?.status).toBe(200);
      const ended = await emptyPost(bob.token, `/api/calls/${callId}/end`, headers);
      expect({ headers, status: ended?.status }).toEqual({ headers, status: 200 });
      expect(JSON.parse(ended!.body)).toMatchObject({ status: 'ended', endReason: 'ended-by-user' });
    }
    // A body that is there must still be JSON.
    const callId = await initiate(alice.token, conversation);
    const notJson = await rawRequest(url, {
      method: 'POST',
      path: `/api/calls/${callId}/answer`,
      headers: { authorization: `Bearer ${bob.token}`, 'content-type': 'text/plain' },
      body: 'deviceId=abc',
    });
    expect(notJson?.status).toBe(415);
    expect(JSON.parse(notJson!.body)).toEqual({
      error: {
        code: 'bad_request',
        message: 'body: send JSON (Content-Type: application/json)',
        field: 'body',
      },
    });
    expect((await getCall(alice.token, callId)).status).toBe('ringing');
  });

  it('refuses the tokens of a deleted account on REST and on the socket, within the cache time', async () => {
    const [alice, dave] = await Promise.all([registerUser(url, 'Alice'), registerUser(url, 'Dave')]);
    const conversation = await createConversation(url, dave.token, [alice.user.id]);
    const daveSocket = await connect(dave.token);
    expect((await api(url, 'GET', '/api/users', { token: dave.token })).status).toBe(200);

    // Deleted as an admin would; nothing tells the server.
    await server.db.query('DELETE FROM users WHERE id = $1', [dave.user.id]);
    const deletedAt = Date.now();
    let res = await api(url, 'GET', '/api/users', { token: dave.token });
    while (res.status === 200 && Date.now() - deletedAt < ACCOUNT_CACHE_BOUND_MS) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      res = await api(url, 'GET', '/api/users', { token: dave.token });
    }
    expect(res).toEqual({
      status: 401,
      body: { error: { code: 'unauthorized', message: 'this account no longer exists' } },
    });

    const attempts: [string, string, unknown?][] = [
      ['GET', '/api/users/me'],
      ['GET', '/api/calls/turn-credentials'],
      ['GET', '/api/calls'],
      ['POST', '/api/conversations', { memberIds: [alice.user.id] }],
      ['POST', '/api/calls/initiate', { conversationId: conversation.id, type: 'audio' }],
    ];
    for (const [method, path, body] of attempts) {
      const answer = await api(url, method as 'GET' | 'POST', path, { token: dave.token, body });
      expect({ path, answer }).toEqual({
        path,
        answer: {
          status: 401,
          body: { error: { code: 'unauthorized', message: 'this account no longer exists' } },
        },
      });
    }

    // The open socket's next event is refused and the socket closed; a new one is refused at the handshake.
    const closed = new Promise<string>((resolve) => daveSocket.once('disconnect', resolve));
    expect(await emitRaw(daveSocket, 'call:quality-report', { callId: randomUUID(), samples: [] })).toEqual({
      ok: false,
      error: { code: 'unauthorized', message: 'this account no longer exists' },
    });
    expect(await closed).toBe('io server disconnect');
    expect(await refusedHandshake(url, { auth: { token: dave.token } })).toMatchObject({
      message: 'unauthorized',
      data: { code: 'unauthorized', message: 'this account no longer exists' },
    });
  });

  it('refuses validly signed tokens whose subject is not an existing user, on REST and on the socket', async () => {
    for (const subject of ['not-a-uuid', randomUUID(), undefined]) {
      const token = await signToken(JWT_SECRET, subject);
      const rest = await api(url, 'GET', '/api/calls/turn-credentials', { token });
      expect(rest.status).toBe(401);
      expect(StrictErrorBody.parse(rest.body).error.code).toBe('unauthorized');
      expect((await refusedHandshake(url, { auth: { token } })).message).toBe('unauthorized');
    }
  });

  it('stores a quality report only from the device the participant is in the call on', async () => {
    const [alice, bob] = await Promise.all([registerUser(url, 'Alice'), registerUser(url, 'Bob')]);
    const conversation = await createConversation(url, alice.token, [bob.user.id]);
    const callId = await initiate(alice.token, conversation, { deviceId: 'alice-desktop' });
    await api(url, 'POST', `/api/calls/${callId}/answer`, {
      token: bob.token,
      body: { deviceId: 'bob-desktop' },
    });
    const desktop = await connect(bob.token, 'bob-desktop');
    const phone = await connect(bob.token, 'bob-phone-1');
    const report = (quality: 'good' | 'poor') => ({
      callId,
      samples: [
        { peerUserId: alice.user.id, rttMs: 20, packetLossPct: 0, availableBitrateKbps: 900, quality },
      ],
    });
    const qualityOfBob = async () =>
      (await getCall(alice.token, callId)).participants.find((p) => p.userId === bob.user.id)
        ?.connectionQuality;

    expect(await emitRaw(desktop, 'call:quality-report', report('good'))).toEqual({ ok: true });
    expect(await emitRaw(phone, 'call:quality-report', report('poor'))).toEqual({
      ok: false,
      error: { code: 'forbidden', message: 'this device is not in the call', field: 'callId' },
    });
    expect(await qualityOfBob()).toBe('good');
  });

  it("another user's socket claiming a device id never hears that device's signaling", async () => {
    const [alice, bob, mallory] = await Promise.all(
      ['Alice', 'Bob', 'Mallory'].map((n) => registerUser(url, n)),
    );
    const conversation = await createConversation(url, alice!.token, [bob!.user.id]);
    const callId = await initiate(alice!.token, conversation, { deviceId: 'alice-laptop' });
    await api(url, 'POST', `/api/calls/${callId}/answer`, {
      token: bob!.token,
      body: { deviceId: 'bob-laptop' },
    });
    const bobSocket = await connect(bob!.token, 'bob-laptop');
    const impostor = await connect(mallory!.token, 'bob-laptop');
    const aliceSocket = await connect(alice!.token, 'alice-laptop');
    const overheard: unknown[] = [];
    impostor.on('call:offer', (e) => overheard.push(e));

    const offer = nextEvent(bobSocket, 'call:offer');
    expect(
      await emitRaw(aliceSocket, 'call:offer', { callId, targetUserId: bob!.user.id, offer: OFFER }),
    ).toEqual({
      ok: true,
    });
    await offer;
    // A round trip on the impostor's own connection: anything sent to it before has arrived by now.
    await emitRaw(impostor, 'call:unknown');
    expect(overheard).toEqual([]);
  });

  it('acknowledges every event that asks for it: no payload, extra arguments, no handler', async () => {
    const { token } = await registerUser(url, 'Erin');
    const socket = await connect(token);
    const payload = { callId: randomUUID(), targetUserId: randomUUID(), offer: OFFER };
    const onePayload = {
      ok: false,
      error: { code: 'bad_request', message: 'payload: send exactly one payload object', field: 'payload' },
    };
    expect(await emitRaw(socket, 'call:offer')).toEqual(onePayload);
    expect(await emitRaw(socket, 'call:offer', payload, { more: true })).toEqual(onePayload);
    const unhandled = {
      ok: false,
      error: { code: 'bad_request', message: 'this server does not handle this event' },
    };
    expect(await emitRaw(socket, 'call:sfu-publish', payload)).toEqual(unhandled); // no SFU configured
    expect(await emitRaw(socket, 'call:whatever', payload)).toEqual(unhandled);
    // Without a callback (a non-function last argument) there is nothing to answer; the socket carries on.
    (socket.emit as Emit)('call:offer', payload, 'not a callback');
    expect(await emitRaw(socket, 'call:offer', payload)).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(socket.connected).toBe(true);
  });

  it('refuses text PostgreSQL cannot store and cursors it cannot compare, naming the field', async () => {
    const { token } = await registerUser(url, 'Finn');
    const other = await registerUser(url, 'Gus');
    const refusal = (field: string) => ({
      status: 400,
      body: {
        error: {
          code: 'bad_request',
          message: `${field}: must not contain NUL or unpaired UTF-16 surrogates`,
          field,
        },
      },
    });
    for (const name of ['Nul\u0000Name', 'Half \ud800 pair']) {
      const res = await api(url, 'POST', '/api/auth/register', {
        body: { email: `${randomUUID()}@example.test`, password: 'long enough password', name },
      });
      expect(res).toEqual(refusal('body.name'));
    }
    expect(
      await api(url, 'POST', '/api/conversations', {
        token,
        body: { memberIds: [other.user.id], title: 'a\u0000' },
      }),
    ).toEqual(refusal('body.title'));
    expect(await api(url, 'GET', '/api/users?query=a%00b', { token })).toEqual(refusal('query.query'));
    const yearZero = Buffer.from(JSON.stringify(['0000-01-01T00:00:00.000000Z', randomUUID()])).toString(
      'base64url',
    );
    expect(await api(url, 'GET', `/api/calls?cursor=${yearZero}`, { token })).toMatchObject({
      status: 400,
      body: { error: { code: 'bad_request', field: 'query.cursor' } },
    });
    const socket = await connect(token);
    expect(
      await emitRaw(socket, 'call:offer', {
        callId: randomUUID(),
        targetUserId: other.user.id,
        offer: { type: 'offer', sdp: 'v=0\u0000' },
      }),
    ).toMatchObject({ ok: false, error: { code: 'bad_request', field: 'offer.sdp' } });
  });

  it("answers Fastify's and Node's own errors in the envelope, repeating nothing of the request", async () => {
    const secret = 'EchoedSecret';
    const JSON_TYPE = 'Content-Type: application/json';
    const cases: [string, Buffer, number, string][] = [
      [
        'segment too long',
        req(`GET /api/calls/${secret}${'a'.repeat(120)} HTTP/1.1`),
        414,
        'url: a path segment is too long',
      ],
      [
        'bad encoding',
        req(`GET /api/calls/${secret}%E0%A4%A HTTP/1.1`),
        400,
        'url: not valid percent-encoding',
      ],
      [
        'headers too large',
        req('GET /healthz HTTP/1.1', [`X-${secret}: ${'a'.repeat(20_000)}`]),
        431,
        'request headers too large',
      ],
      [
        'malformed',
        Buffer.from(`GET /${secret} HTTP/1.1\r\nHost ${secret}\r\n\r\n`),
        400,
        'malformed HTTP request',
      ],
      [
        'no Host',
        Buffer.from(`GET /${secret} HTTP/1.1\r\nConnection: close\r\n\r\n`),
        400,
        'the Host header is required',
      ],
      [
        'Expect',
        req('GET /healthz HTTP/1.1', [`Expect: ${secret}`]),
        417,
        'only "Expect: 100-continue" is supported',
      ],
      ['unknown route', req(`DELETE /api/${secret} HTTP/1.1`), 404, 'no such route'],
      [
        'not JSON',
        req('POST /api/auth/login HTTP/1.1', [JSON_TYPE], `{"${secret}`),
        400,
        'body: not valid JSON',
      ],
      [
        'too large',
        req('POST /api/auth/login HTTP/1.1', [JSON_TYPE], `"${secret}${'a'.repeat(17_000)}"`),
        413,
        'body: too large',
      ],
    ];
    for (const [name, bytes, status, message] of cases) {
      const res = await rawExchange(url, bytes, { halfClose: true });
      expect({ name, status: res?.status }).toEqual({ name, status });
      expect(res!.raw).not.toContain(secret);
      expect(res!.headers['content-type']).toMatch(/^application\/json/);
      expect(StrictErrorBody.parse(JSON.parse(res!.body)).error.message).toBe(message);
    }
  });

  it('200 concurrent answer, reject and end requests leave every call in a legal state', async () => {
    const [alice, bob, carol] = await Promise.all(['Alice', 'Bob', 'Carol'].map((n) => registerUser(url, n)));
    const direct = await createConversation(url, alice!.token, [bob!.user.id]);
    const group = await createConversation(url, alice!.token, [bob!.user.id, carol!.user.id], 'Team');
    const callIds: string[] = [];
    for (let i = 0; i < 10; i += 1) callIds.push(await initiate(alice!.token, i % 2 === 0 ? direct : group));
    const people: AuthResponse[] = [alice!, bob!, carol!];
    const actions = ['answer', 'reject', 'end'] as const;
    const requests = Array.from({ length: 200 }, (_, i) => {
      const who = people[(i * 7) % 3]!;
      return api(url, 'POST', `/api/calls/${callIds[(i * 13) % callIds.length]}/${actions[(i * 5) % 3]}`, {
        token: who.token,
        body: who === alice ? undefined : { deviceId: `device-${i % 4}-${who.user.id.slice(0, 8)}` },
      });
    });
    const answers = await Promise.all(requests);
    for (const res of answers) {
      expect([200, 403, 409]).toContain(res.status);
      if (res.status !== 200) StrictErrorBody.parse(res.body);
    }
    for (const callId of callIds) {
      const call = await getCall(alice!.token, callId);
      expect(CALL_STATUSES).toContain(call.status);
      const statuses = call.participants.map((p) => p.status);
      if (FINAL_CALL_STATUSES.includes(call.status)) {
        expect(call).toMatchObject({ endedAt: expect.any(String), durationSeconds: expect.any(Number) });
        expect(call.endReason).not.toBeNull();
        expect(statuses.filter((s) => s === 'joined' || s === 'invited' || s === 'ringing')).toEqual([]);
      } else if (call.status === 'active') {
        expect(call.startedAt).not.toBeNull();
        expect(statuses).toContain('joined');
      } else {
        expect(call.startedAt).toBeNull();
      }
    }
  }, 60_000);
});

/** A request line, headers (Host and Connection: close added) and a body. */
function req(requestLine: string, headers: string[] = [], body = ''): Buffer {
  const all = ['Host: 127.0.0.1', 'Connection: close', ...headers];
  if (body !== '') all.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return Buffer.from(`${requestLine}\r\n${all.join('\r\n')}\r\n\r\n${body}`);
}
