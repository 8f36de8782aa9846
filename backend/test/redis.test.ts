/**
 * Two nodes sharing one Redis (TEST_REDIS_URL): rate limits are counted once across the nodes, and with a
 * shared PostgreSQL (TEST_DATABASE_URL) a call rings and signals across them. Under CI=true a missing Redis
 * or PostgreSQL fails the suite. The full multi-process cluster is covered by cluster*.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, closeAll, conversationOf, member, ring } from './support/callFixtures.ts';
import { createTestSchema } from './support/databases.ts';
import { api, nextEvent, registerUser, startTestServer, type TestServer } from './support/testServer.ts';

const redisUrl = process.env.TEST_REDIS_URL?.trim() || undefined;
const databaseUrl = process.env.TEST_DATABASE_URL?.trim() || undefined;
const required = process.env.CI === 'true';

describe.runIf(redisUrl !== undefined || required)('two nodes on one Redis', () => {
  const nodes: TestServer[] = [];
  const prefix = `test-${randomBytes(6).toString('hex')}`;
  let dropSchema: (() => Promise<void>) | null = null;

  beforeAll(async () => {
    if (redisUrl === undefined) throw new Error('CI=true requires TEST_REDIS_URL (a reachable Redis)');
    if (databaseUrl === undefined && required) throw new Error('CI=true requires TEST_DATABASE_URL');
    const schema = databaseUrl === undefined ? null : await createTestSchema(databaseUrl);
    dropSchema = schema?.drop ?? null;
    const shared = {
      REDIS_URL: redisUrl,
      // Keys of this run only: parallel runs and other suites on the same Redis never interfere.
      REDIS_PREFIX: prefix,
      // 18 REST calls per 10 s per user, across both nodes.
      RATE_LIMIT_MULTIPLIER: '0.15',
      JWT_SECRET: 'redis-test-secret-redis-test-secret-x',
      ...(schema === null ? {} : { DATABASE_URL: schema.url }),
    };
    nodes.push(await startTestServer(shared), await startTestServer(shared));
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await dropSchema?.();
    if (redisUrl !== undefined) {
      const client = await createClient({ url: redisUrl }).connect();
      for await (const keys of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 100 })) {
        if (keys.length > 0) await client.del(keys);
      }
      await client.quit();
    }
  });

  it('counts a user’s REST calls once across the nodes', async () => {
    const [a, b] = nodes as [TestServer, TestServer];
    const { token } = await registerUser(a.url, 'Nell');
    const statuses: number[] = [];
    for (let i = 0; i < 19; i += 1) {
      const node = i % 2 === 0 ? a : b;
      statuses.push((await api(node.url, 'GET', '/api/calls', { token })).status);
    }
    expect(statuses.slice(0, 18).every((s) => s === 200)).toBe(true);
    expect(statuses[18]).toBe(429);
  });

  it.runIf(databaseUrl !== undefined)(
    'rings and relays between users connected to different nodes',
    async () => {
      const [a, b] = nodes as [TestServer, TestServer];
      const alice = await member(a.url, 'Alice');
      const bob = await member(b.url, 'Bob');
      try {
        const callId = await ring(a.url, alice, await conversationOf(a.url, alice, [bob]), [bob]);
        const joined = nextEvent(alice.socket, 'call:participant-joined');
        await answer(b.url, bob, callId);
        await joined;
        const offer = nextEvent(bob.socket, 'call:offer');
        const sdp = { type: 'offer' as const, sdp: 'v=0\r\n' };
        expect(
          await alice.socket.emitWithAck('call:offer', { callId, targetUserId: bob.user.id, offer: sdp }),
        ).toEqual({
          ok: true,
        });
        expect(await offer).toEqual({
          callId,
          fromUserId: alice.user.id,
          fromDeviceId: alice.deviceId,
          offer: sdp,
        });
      } finally {
        closeAll([alice, bob]);
      }
    },
  );
});
