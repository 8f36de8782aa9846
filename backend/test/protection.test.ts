/**
 * The edges of the service: accounts, tokens on REST and on the socket handshake, Origin allowlist and CORS,
 * error shapes, rate limits, TURN credentials, users and conversations.
 */
import { SignJWT } from 'jose';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AuthResponse,
  ConversationResponse,
  TurnCredentialsResponse,
  UserDto,
} from '../../src/shared/protocol/index.ts';
import { DESKTOP_APP_ORIGIN } from '../src/config.ts';
import { databaseTargets } from './support/databases.ts';
import {
  api,
  connectClient,
  refusedHandshake,
  registerUser,
  startTestServer,
  type TestServer,
} from './support/testServer.ts';

const JWT_SECRET = 'protection-test-secret-protection-test';
const TURN_SECRET = 'protection-turn-secret';

describe.each(databaseTargets())('protection on $name', (target) => {
  let server: TestServer;
  let url: string;

  beforeAll(async () => {
    server = await startTestServer({
      ...(await target.setUp()),
      JWT_SECRET,
      TURN_SERVER_HOST: 'turn.example.test',
      TURN_TLS_PORT: '5349',
      TURN_SECRET,
      STUN_URLS: 'stun:stun.example.test:3478',
    });
    url = server.url;
  });
  afterAll(async () => {
    await server?.close();
    await target.tearDown();
  });

  it('answers /healthz once ready', async () => {
    expect(await api(url, 'GET', '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('registers and logs in with a case-insensitive email; wrong passwords and duplicates are refused', async () => {
    const email = `Dana.${Date.now()}@Example.test`;
    const registered = await api<AuthResponse>(url, 'POST', '/api/auth/register', {
      body: { email, password: 'long enough password', name: 'Dana' },
    });
    expect(registered.status).toBe(201);
    expect(registered.body.user).toEqual({
      id: expect.any(String),
      name: 'Dana',
      email: email.toLowerCase(),
    });

    const duplicate = await api(url, 'POST', '/api/auth/register', {
      body: { email: email.toUpperCase(), password: 'long enough password', name: 'Dana' },
    });
    expect(duplicate).toMatchObject({
      status: 409,
      body: { error: { code: 'conflict', field: 'body.email' } },
    });

    const login = await api<AuthResponse>(url, 'POST', '/api/auth/login', {
      body: { email: email.toUpperCase(), password: 'long enough password' },
    });
    expect(login.status).toBe(200);
    expect(login.body.user.id).toBe(registered.body.user.id);
    const me = await api(url, 'GET', '/api/users/me', { token: login.body.token });
    expect(me.body).toEqual({ user: registered.body.user });

    const wrong = await api(url, 'POST', '/api/auth/login', {
      body: { email, password: 'not the password' },
    });
    const unknown = await api(url, 'POST', '/api/auth/login', {
      body: { email: 'nobody@example.test', password: 'not the password' },
    });
    expect(wrong).toEqual(unknown);
    expect(wrong).toEqual({
      status: 401,
      body: { error: { code: 'unauthorized', message: 'wrong email or password' } },
    });

    const weak = await api(url, 'POST', '/api/auth/register', {
      body: { email: 'w@example.test', password: 'short', name: 'W' },
    });
    expect(weak.body).toMatchObject({ error: { code: 'bad_request', field: 'body.password' } });
  });

  it('refuses REST calls without a valid token with 401', async () => {
    const { user } = await registerUser(url, 'Erin');
    const key = new TextEncoder().encode(JWT_SECRET);
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setIssuer('callbridge')
      .setAudience('callbridge-client')
      .setIssuedAt(1_000_000)
      .setExpirationTime(1_000_060)
      .sign(key);
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setIssuer('callbridge')
      .setAudience('callbridge-client')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('some-other-secret-some-other-secret'));
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer nonsense' },
      { authorization: `Bearer ${expired}` },
      { authorization: `Bearer ${forged}` },
      { authorization: 'Basic abc' },
    ];
    for (const headers of attempts) {
      const res = await api(url, 'GET', '/api/calls', { headers });
      expect(res).toEqual({
        status: 401,
        body: { error: { code: 'unauthorized', message: 'a valid bearer token is required' } },
      });
    }
  });

  it('refuses a socket without a valid token or device id; never reads the token from the query', async () => {
    const { token } = await registerUser(url, 'Finn');
    const noToken = await refusedHandshake(url, { auth: { deviceId: 'device-0001' } });
    expect(noToken.message).toBe('unauthorized');
    const badToken = await refusedHandshake(url, { auth: { token: 'nope', deviceId: 'device-0001' } });
    expect(badToken).toMatchObject({ message: 'unauthorized', data: { code: 'unauthorized' } });
    const inQuery = await refusedHandshake(url, { query: { token }, auth: { deviceId: 'device-0001' } });
    expect(inQuery.message).toBe('unauthorized');
    const badDevice = await refusedHandshake(url, { auth: { token, deviceId: 'bad device!' } });
    expect(badDevice).toMatchObject({
      message: 'bad_request',
      data: { message: 'auth.deviceId is invalid' },
    });
    (await connectClient(url, token)).close();
  });

  it('refuses a socket from a browser origin that is not allowed; the desktop app and non-browsers pass', async () => {
    const { token } = await registerUser(url, 'Gail');
    const auth = { token, deviceId: 'device-0002' };
    const refused = await refusedHandshake(url, { auth, extraHeaders: { origin: 'https://evil.example' } });
    expect(refused.message).toMatch(/websocket error/i);

    for (const origin of [DESKTOP_APP_ORIGIN, url]) {
      const socket = io(url, {
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        auth,
        extraHeaders: { origin },
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
      socket.close();
    }
  });

  it('answers CORS preflights for allowed origins only', async () => {
    const preflight = (origin: string) =>
      fetch(`${url}/api/calls/initiate`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization',
        },
      });
    const allowed = await preflight(DESKTOP_APP_ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(DESKTOP_APP_ORIGIN);
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    const refused = await preflight('https://evil.example');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers unknown routes and broken bodies in the error shape, without internals', async () => {
    expect(await api(url, 'GET', '/api/nothing-here')).toEqual({
      status: 404,
      body: { error: { code: 'not_found', message: 'no such route' } },
    });
    const broken = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"email":',
    });
    expect(broken.status).toBe(400);
    const body = await broken.text();
    expect(JSON.parse(body)).toMatchObject({ error: { code: 'bad_request', field: 'body' } });
    expect(body).not.toMatch(/at |\.ts|node_modules/);
  });

  it('issues TURN credentials in coturn use-auth-secret form and lists STUN servers', async () => {
    const { token, user } = await registerUser(url, 'Hal');
    const before = Math.floor(Date.now() / 1000);
    const res = await api<TurnCredentialsResponse>(url, 'GET', '/api/calls/turn-credentials', { token });
    expect(res.status).toBe(200);
    const { credentials, iceServers, turnConfigured, ttlSeconds, expiresAt } = res.body;
    expect(turnConfigured).toBe(true);
    expect(ttlSeconds).toBe(86_400);
    const [expiry, userId] = credentials!.username.split(':');
    expect(userId).toBe(user.id);
    expect(Number(expiry)).toBeGreaterThanOrEqual(before + 86_400);
    expect(new Date(expiresAt!).getTime()).toBe(Number(expiry) * 1000);
    expect(credentials!.urls).toEqual([
      'turn:turn.example.test:3000?transport=udp',
      'turn:turn.example.test:3000?transport=tcp',
      'turns:turn.example.test:5349?transport=tcp',
    ]);
    expect(iceServers[0]).toEqual({ urls: ['stun:stun.example.test:3478'] });
  });

  it('lists other users and creates 1:1 and group conversations with the caller as a member', async () => {
    const ivy = await registerUser(url, 'Ivy Search');
    const jon = await registerUser(url, 'Jon');
    const kim = await registerUser(url, 'Kim');
    const found = await api<{ users: UserDto[] }>(url, 'GET', '/api/users?query=ivy%20sea', {
      token: jon.token,
    });
    expect(found.body.users).toEqual([ivy.user]);
    const noSelf = await api<{ users: UserDto[] }>(url, 'GET', '/api/users?query=Jon', { token: jon.token });
    expect(noSelf.body.users.map((u) => u.id)).not.toContain(jon.user.id);

    const direct = await api<ConversationResponse>(url, 'POST', '/api/conversations', {
      token: jon.token,
      body: { memberIds: [ivy.user.id] },
    });
    expect(direct.status).toBe(201);
    expect(direct.body.conversation).toMatchObject({ isGroup: false, title: null });
    expect(direct.body.conversation.members.map((m) => m.id).sort()).toEqual(
      [ivy.user.id, jon.user.id].sort(),
    );
    const again = await api<ConversationResponse>(url, 'POST', '/api/conversations', {
      token: ivy.token,
      body: { memberIds: [jon.user.id] },
    });
    expect(again.body.conversation.id).toBe(direct.body.conversation.id);
    // Both people starting their first chat at the same moment still get one conversation.
    const lou = await registerUser(url, 'Lou');
    const [fromJon, fromLou] = await Promise.all([
      api<ConversationResponse>(url, 'POST', '/api/conversations', {
        token: jon.token,
        body: { memberIds: [lou.user.id] },
      }),
      api<ConversationResponse>(url, 'POST', '/api/conversations', {
        token: lou.token,
        body: { memberIds: [jon.user.id] },
      }),
    ]);
    expect([fromJon.status, fromLou.status].sort()).toEqual([200, 201]);
    expect(fromLou.body.conversation.id).toBe(fromJon.body.conversation.id);
    expect(fromJon.body.conversation.members).toHaveLength(2);

    const group = await api<ConversationResponse>(url, 'POST', '/api/conversations', {
      token: jon.token,
      body: { memberIds: [ivy.user.id, kim.user.id], title: 'Standup' },
    });
    expect(group.body.conversation).toMatchObject({ isGroup: true, title: 'Standup' });
    const mine = await api<{ conversations: { id: string }[] }>(url, 'GET', '/api/conversations', {
      token: kim.token,
    });
    expect(mine.body.conversations.map((c) => c.id)).toEqual([group.body.conversation.id]);
    const outsider = await api(url, 'GET', `/api/conversations/${direct.body.conversation.id}`, {
      token: kim.token,
    });
    expect(outsider.status).toBe(403);

    const unknownMember = await api(url, 'POST', '/api/conversations', {
      token: jon.token,
      body: { memberIds: ['00000000-0000-4000-8000-000000000000'] },
    });
    expect(unknownMember).toMatchObject({ status: 404, body: { error: { field: 'body.memberIds' } } });
    const tooMany = await api(url, 'POST', '/api/conversations', {
      token: jon.token,
      body: { memberIds: Array.from({ length: 20 }, () => crypto.randomUUID()) },
    });
    expect(tooMany).toMatchObject({ status: 400, body: { error: { field: 'body.memberIds' } } });
  });
});

describe('rate limits', () => {
  let server: TestServer;
  let lee: AuthResponse;
  beforeAll(async () => {
    // Limits scaled to 3 auth attempts per minute per IP, 18 REST calls per 10 s per user and 3 quality
    // reports per 10 s per socket. Registering Lee spends the first auth attempt.
    server = await startTestServer({
      RATE_LIMIT_MULTIPLIER: '0.15',
      STUN_URLS: 'stun:stun.example.test:3478',
    });
    lee = await registerUser(server.url, 'Lee');
  });
  afterAll(() => server?.close());

  it('limits auth attempts per IP with 429', async () => {
    const attempt = () =>
      api(server.url, 'POST', '/api/auth/login', { body: { email: 'x@example.test', password: 'whatever' } });
    expect((await attempt()).status).toBe(401);
    expect((await attempt()).status).toBe(401);
    expect(await attempt()).toEqual({
      status: 429,
      body: { error: { code: 'rate_limited', message: 'too many attempts, retry later' } },
    });
  });

  it('limits REST calls per user and socket events per socket', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 18; i += 1) {
      statuses.push((await api(server.url, 'GET', '/api/users/me', { token: lee.token })).status);
    }
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect((await api(server.url, 'GET', '/api/users/me', { token: lee.token })).body).toEqual({
      error: { code: 'rate_limited', message: 'too many requests' },
    });

    const socket = await connectClient(server.url, lee.token);
    const report = { callId: crypto.randomUUID(), samples: [] } as never;
    const acks = [];
    for (let i = 0; i < 4; i += 1) acks.push(await socket.emitWithAck('call:quality-report', report));
    socket.close();
    expect(acks.map((a) => (a.ok ? 'ok' : a.error.code))).toEqual([
      'bad_request',
      'bad_request',
      'bad_request',
      'rate_limited',
    ]);
  });
});

describe('without a TURN server, serving the web client', () => {
  let server: TestServer;
  let webDir: string;
  beforeAll(async () => {
    webDir = mkdtempSync(path.join(tmpdir(), 'callbridge-web-'));
    writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><title>CallBridge</title>');
    server = await startTestServer({ STUN_URLS: 'stun:stun.example.test:3478', WEB_DIR: webDir });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(webDir, { recursive: true, force: true });
  });

  it('serves the app shell with a strict CSP, also for client-side routes; API misses stay JSON 404', async () => {
    for (const route of ['/', '/call/123']) {
      const res = await fetch(`${server.url}${route}`, { headers: { accept: 'text/html' } });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<title>CallBridge</title>');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(res.headers.get('content-security-policy')).toContain("object-src 'none'");
    }
    const missingAsset = await fetch(`${server.url}/assets/missing.js`);
    expect(missingAsset.status).toBe(404);
    expect((await api(server.url, 'GET', '/api/missing')).body).toEqual({
      error: { code: 'not_found', message: 'no such route' },
    });
  });

  it('hands out STUN servers only, and says so', async () => {
    const { token } = await registerUser(server.url, 'Mo');
    const res = await api<TurnCredentialsResponse>(server.url, 'GET', '/api/calls/turn-credentials', {
      token,
    });
    expect(res).toEqual({
      status: 200,
      body: {
        credentials: null,
        expiresAt: null,
        iceServers: [{ urls: ['stun:stun.example.test:3478'] }],
        turnConfigured: false,
        ttlSeconds: null,
      },
    });
  });
});
