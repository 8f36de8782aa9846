/**
 * Scale-out: two real backend processes (`node backend/src/server.ts`) sharing one Redis (socket.io streams
 * adapter, rate limits) and one PostgreSQL, with the caller on node A and the callee on node B. Needs
 * TEST_REDIS_URL and TEST_DATABASE_URL: skipped without them, failing under CI=true.
 */
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallDto, MediaState } from '../../src/shared/protocol/index.ts';
import { spawnBackend, type ServerProcess } from '../scripts/backendProcess.ts';
import { createTestSchema } from './support/databases.ts';
import {
  api,
  connectClient,
  createConversation,
  nextEvent,
  registerUser,
  type TestSocket,
} from './support/testServer.ts';

const redisUrl = process.env.TEST_REDIS_URL?.trim() || undefined;
const databaseUrl = process.env.TEST_DATABASE_URL?.trim() || undefined;
const required = process.env.CI === 'true';
const unset = [redisUrl ? null : 'TEST_REDIS_URL', databaseUrl ? null : 'TEST_DATABASE_URL'].filter(Boolean);
const skipReason = unset.length > 0 && !required ? `skipped: ${unset.join(' and ')} not set` : null;

/** authPerIp is 20 per minute at multiplier 1: 10 here, so the shared-limit test needs few requests. */
const RATE_LIMIT_MULTIPLIER = 0.5;
const AUTH_LIMIT_PER_IP = 20 * RATE_LIMIT_MULTIPLIER;
/** A crash is noticed after two liveness rounds, then the grace runs: generous for a loaded machine. */
const CRASH_DETECTION_TIMEOUT_MS = 60_000;

describe.skipIf(skipReason !== null)(
  `two backend nodes on one Redis and one PostgreSQL${skipReason ? ` (${skipReason})` : ''}`,
  () => {
    const redisPrefix = `cbtest-${randomBytes(4).toString('hex')}`;
    let dropSchema: (() => Promise<void>) | null = null;
    let nodeA: ServerProcess;
    let nodeB: ServerProcess;
    const sockets: TestSocket[] = [];
    // Registered up front: the rate-limit test uses up this IP's auth limit, and the crash test must run last.
    let crashCaller: Awaited<ReturnType<typeof registerUser>>;
    let crashCallee: Awaited<ReturnType<typeof registerUser>>;

    beforeAll(async () => {
      if (redisUrl === undefined || databaseUrl === undefined) {
        throw new Error(`CI=true requires ${unset.join(' and ')} (a reachable Redis and PostgreSQL)`);
      }
      await pingRedis(redisUrl);
      const schema = await createTestSchema(databaseUrl);
      dropSchema = schema.drop;
      const env = {
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: '0',
        DATABASE_URL: schema.url,
        REDIS_URL: redisUrl,
        REDIS_PREFIX: redisPrefix,
        JWT_SECRET: randomBytes(32).toString('hex'),
        // Secrets are not generated into a folder: TURN is off and JWT_SECRET is given.
        DATA_DIR: ':memory:',
        LOG_LEVEL: 'info',
        SCRYPT_LOG2_COST: '10',
        RATE_LIMIT_MULTIPLIER: String(RATE_LIMIT_MULTIPLIER),
        // Short enough for the crash test to see a dropped participant leave.
        RECONNECT_GRACE_SECONDS: '2',
        SWEEP_INTERVAL_MS: '200',
        DEVICE_LIVENESS_INTERVAL_MS: '200',
      };
      [nodeA, nodeB] = await Promise.all([spawnBackend(env), spawnBackend(env)]);
      [crashCaller, crashCallee] = await Promise.all([
        registerUser(nodeA.url, 'Caller Survives'),
        registerUser(nodeA.url, 'Callee Crashes'),
      ]);
    });

    afterAll(async () => {
      for (const socket of sockets) socket.close();
      await Promise.all([nodeA?.stop(), nodeB?.stop()]);
      await dropSchema?.();
      if (redisUrl !== undefined) await deleteRedisKeys(redisUrl, redisPrefix);
    });

    async function connect(node: ServerProcess, token: string, deviceId: string): Promise<TestSocket> {
      const socket = await connectClient(node.url, token, deviceId);
      sockets.push(socket);
      return socket;
    }

    it('carries a whole call between a caller on node A and a callee on node B', async () => {
      const caller = await registerUser(nodeA.url, 'Caller On A');
      const callee = await registerUser(nodeB.url, 'Callee On B');
      const conversation = await createConversation(nodeA.url, caller.token, [callee.user.id]);
      const callerSocket = await connect(nodeA, caller.token, 'caller-device-a');
      const calleeSocket = await connect(nodeB, callee.token, 'callee-device-b');

      const incoming = nextEvent(calleeSocket, 'call:incoming');
      const initiated = await api<{ callId: string }>(nodeA.url, 'POST', '/api/calls/initiate', {
        token: caller.token,
        body: { conversationId: conversation.id, type: 'video', deviceId: 'caller-device-a' },
      });
      expect(initiated.status).toBe(201);
      const { callId } = initiated.body;
      expect(await incoming).toMatchObject({
        callId,
        conversationId: conversation.id,
        initiatedBy: caller.user.id,
      });

      const joined = nextEvent(callerSocket, 'call:participant-joined', (e) => e.callId === callId);
      const answered = await api(nodeB.url, 'POST', `/api/calls/${callId}/answer`, {
        token: callee.token,
        body: { deviceId: 'callee-device-b' },
      });
      expect(answered).toMatchObject({ status: 200, body: { callId, status: 'active' } });
      expect(await joined).toEqual({
        callId,
        userId: callee.user.id,
        userName: 'Callee On B',
        userIdentifier: callee.user.email,
        deviceId: 'callee-device-b',
      });

      const offer = { type: 'offer' as const, sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' };
      const offerAtB = nextEvent(calleeSocket, 'call:offer');
      expect(
        await callerSocket.emitWithAck('call:offer', { callId, targetUserId: callee.user.id, offer }),
      ).toEqual({
        ok: true,
      });
      const fromCaller = { callId, fromUserId: caller.user.id, fromDeviceId: 'caller-device-a' };
      const fromCallee = { callId, fromUserId: callee.user.id, fromDeviceId: 'callee-device-b' };
      expect(await offerAtB).toEqual({ ...fromCaller, offer });

      const answer = { type: 'answer' as const, sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' };
      const answerAtA = nextEvent(callerSocket, 'call:answer');
      expect(
        await calleeSocket.emitWithAck('call:answer', { callId, targetUserId: caller.user.id, answer }),
      ).toEqual({
        ok: true,
      });
      expect(await answerAtA).toEqual({ ...fromCallee, answer });

      const candidate = {
        candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host',
        sdpMid: '0',
        sdpMLineIndex: 0,
      };
      const iceAtB = nextEvent(calleeSocket, 'call:ice-candidate');
      const iceAtA = nextEvent(callerSocket, 'call:ice-candidate');
      const acks = await Promise.all([
        callerSocket.emitWithAck('call:ice-candidate', { callId, targetUserId: callee.user.id, candidate }),
        calleeSocket.emitWithAck('call:ice-candidate', {
          callId,
          targetUserId: caller.user.id,
          candidate: null,
        }),
      ]);
      expect(acks).toEqual([{ ok: true }, { ok: true }]);
      expect(await iceAtB).toEqual({ ...fromCaller, candidate });
      expect(await iceAtA).toEqual({ ...fromCallee, candidate: null });

      const mediaAtA = nextEvent(callerSocket, 'call:media-state-changed');
      const muted = await api(nodeB.url, 'PATCH', `/api/calls/${callId}/media`, {
        token: callee.token,
        body: { audioEnabled: false },
      });
      expect(muted.status).toBe(200);
      const mediaState: MediaState = { audioEnabled: false, videoEnabled: true, screenSharing: false };
      expect(await mediaAtA).toEqual({ callId, userId: callee.user.id, mediaState });

      const endedAtA = nextEvent(callerSocket, 'call:ended');
      const endedAtB = nextEvent(calleeSocket, 'call:ended');
      const ended = await api(nodeA.url, 'POST', `/api/calls/${callId}/end`, { token: caller.token });
      expect(ended).toMatchObject({
        status: 200,
        body: { callId, status: 'ended', endReason: 'ended-by-user' },
      });
      const endedEvent = { callId, reason: 'ended-by-user', endedBy: caller.user.id };
      expect(await endedAtA).toEqual(endedEvent);
      expect(await endedAtB).toEqual(endedEvent);

      // Node B relayed for this call before, so it knew the callee as joined; the hang-up on node A must reach
      // it too: signaling in an ended call is refused.
      expect(
        await calleeSocket.emitWithAck('call:ice-candidate', {
          callId,
          targetUserId: caller.user.id,
          candidate,
        }),
      ).toMatchObject({ ok: false, error: { code: 'forbidden' } });

      // Both nodes read the one shared database.
      const seenFromB = await api<{ call: { status: string } }>(nodeB.url, 'GET', `/api/calls/${callId}`, {
        token: callee.token,
      });
      expect(seenFromB.body.call.status).toBe('ended');
    });

    it('enforces one rate limit for requests spread over both nodes', async () => {
      const login = (node: ServerProcess) =>
        api(node.url, 'POST', '/api/auth/login', {
          body: { email: 'nobody@example.test', password: 'wrong password' },
        });
      // Alternate nodes until one answers 429. With per-process counters each node would allow the full limit
      // (2x in total); with the counter shared in Redis the two together allow it once.
      const nodes = [nodeA, nodeB];
      let accepted = 0;
      let limitedAt = -1;
      for (let i = 0; i < 2 * AUTH_LIMIT_PER_IP + 2 && limitedAt < 0; i++) {
        const res = await login(nodes[i % 2]!);
        if (res.status === 429) limitedAt = i;
        else accepted++;
      }
      expect(limitedAt).toBeGreaterThanOrEqual(0);
      expect(accepted).toBeLessThanOrEqual(AUTH_LIMIT_PER_IP);
      // The node that did not answer 429 is over the limit as well.
      expect((await login(nodes[(limitedAt + 1) % 2]!)).status).toBe(429);
    });

    // Last: it kills node B.
    it(
      'ends a 1:1 call as failed when the node holding the callee crashes',
      async () => {
        const caller = crashCaller;
        const callee = crashCallee;
        const conversation = await createConversation(nodeA.url, caller.token, [callee.user.id]);
        const callerSocket = await connect(nodeA, caller.token, 'caller-survives-a');
        const calleeSocket = await connect(nodeB, callee.token, 'callee-crashes-b');
        const incoming = nextEvent(calleeSocket, 'call:incoming');
        const initiated = await api<{ callId: string }>(nodeA.url, 'POST', '/api/calls/initiate', {
          token: caller.token,
          body: { conversationId: conversation.id, type: 'audio', deviceId: 'caller-survives-a' },
        });
        const { callId } = initiated.body;
        await incoming;
        const joined = nextEvent(callerSocket, 'call:participant-joined', (e) => e.callId === callId);
        const answered = await api(nodeB.url, 'POST', `/api/calls/${callId}/answer`, {
          token: callee.token,
          body: { deviceId: 'callee-crashes-b' },
        });
        expect(answered).toMatchObject({ status: 200, body: { callId, status: 'active' } });
        await joined;

        // No disconnect handler runs anywhere: node B dies with the callee's socket, which cannot come back.
        const ended = nextEvent(
          callerSocket,
          'call:ended',
          (e) => e.callId === callId,
          CRASH_DETECTION_TIMEOUT_MS,
        );
        process.kill(nodeB.pid, 'SIGKILL');
        calleeSocket.close();

        expect(await ended).toEqual({ callId, reason: 'connection-failed', endedBy: null });
        const seen = await api<{ call: CallDto }>(nodeA.url, 'GET', `/api/calls/${callId}`, {
          token: caller.token,
        });
        expect(seen.body.call).toMatchObject({ status: 'failed', endReason: 'connection-failed' });
        const statusOf = (userId: string) =>
          seen.body.call.participants.find((p) => p.userId === userId)?.status;
        expect(statusOf(callee.user.id)).toBe('left');
        expect(statusOf(caller.user.id)).toBe('left');
      },
      CRASH_DETECTION_TIMEOUT_MS + 10_000,
    );
  },
);

async function pingRedis(url: string): Promise<void> {
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 5000 } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new Error(`Redis at TEST_REDIS_URL is unreachable: ${(error as Error).message}`, { cause: error });
  } finally {
    if (client.isOpen) await client.quit();
  }
}

/** Leaves the shared Redis as it was: the adapter's stream and sessions, the rate-limit counters. */
async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
      if (keys.length > 0) await client.unlink(keys);
    }
  } finally {
    await client.quit();
  }
}
