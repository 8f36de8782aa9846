/**
 * Generated socket traffic (fast-check) for every client -> server event and for names no handler takes, on
 * PGlite and PostgreSQL: payloads plausible or hostile, missing, doubled, binary, with or without an
 * acknowledgement callback, from the joined device, the same user's other device, an outsider, and a client
 * that connected with its token only. Whatever arrives: the server stays up and keeps every connection,
 * every callback is answered with `{ok}` or a documented error that repeats nothing of the message, nothing
 * is relayed to or from anyone but the call's joined devices, and a refused event changes nothing.
 * Plus a 4,000-message flood under the production rate limits.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ERROR_CODES, REACTIONS, type ClientToServerEvents } from '../../src/shared/protocol/index.ts';
import { answer, conversationOf, member, ring, type Member } from './support/callFixtures.ts';
import { databaseTargets } from './support/databases.ts';
import {
  changedTables,
  databaseSnapshot,
  FUZZ_RUNS,
  MARK,
  nastyJson,
  nastyObject,
  nastyString,
} from './support/fuzz.ts';
import {
  api,
  connectClient,
  startTestServer,
  type TestServer,
  type TestSocket,
} from './support/testServer.ts';

const ACK_TIMEOUT_MS = 5_000;
const RELAYED = ['call:offer', 'call:answer', 'call:ice-candidate', 'call:sfu-offer'] as const;
const EVENTS = [
  'call:offer',
  'call:answer',
  'call:ice-candidate',
  'call:quality-report',
  'call:sfu-publish',
  'call:sfu-answer',
  'call:sfu-ice-candidate',
  'call:sfu-view',
  'call:hand',
  'call:reaction',
] as const satisfies readonly (keyof ClientToServerEvents)[];

const AckSchema = z.union([
  z.looseObject({ ok: z.literal(true) }),
  z.strictObject({
    ok: z.literal(false),
    error: z.strictObject({
      code: z.enum(ERROR_CODES),
      message: z.string().min(1),
      field: z.string().optional(),
    }),
  }),
]);

type Emit = (event: string, ...args: unknown[]) => void;

/** Emits and resolves with the acknowledgement, or rejects when none came in time. */
function emitWithAck(socket: TestSocket, event: string, args: readonly unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    (socket.timeout(ACK_TIMEOUT_MS).emit as Emit)(event, ...args, (err: unknown, res: unknown) =>
      err ? reject(new Error(`no acknowledgement for ${event} within ${ACK_TIMEOUT_MS} ms`)) : resolve(res),
    );
  });
}

interface Cast {
  alice: Member;
  bob: Member;
  /** Bob's second device, not the one he answered on. */
  bobPhone: TestSocket;
  mallory: Member;
  /** Connected with its token only, as a client written from the spec. */
  carol: { socket: TestSocket; userId: string };
  callId: string;
}

async function cast(url: string): Promise<Cast> {
  const [alice, bob, mallory, carol] = await Promise.all(
    ['Alice', 'Bob', 'Mallory', 'Carol'].map((name) => member(url, name)),
  );
  const callId = await ring(url, alice!, await conversationOf(url, alice!, [bob!, carol!]), [bob!]);
  await answer(url, bob!, callId);
  carol!.socket.close();
  return {
    alice: alice!,
    bob: bob!,
    bobPhone: await connectClient(url, bob!.token, `phone-${bob!.deviceId}`),
    mallory: mallory!,
    carol: { socket: await connectClient(url, carol!.token, null), userId: carol!.user.id },
    callId,
  };
}

/** Payloads the protocol accepts, addressed within the fixture call (whether the sender may send them or not). */
function validPayloads(c: Cast): Record<string, fc.Arbitrary<unknown>> {
  const ids = { callId: fc.constant(c.callId), targetUserId: fc.constant(c.bob.user.id) };
  const sdp = fc.string({ maxLength: 80 });
  const candidate = fc.oneof(
    fc.constant(null),
    fc.record({
      candidate: sdp,
      sdpMid: fc.option(fc.string({ maxLength: 4 })),
      sdpMLineIndex: fc.option(fc.nat(8)),
    }),
  );
  const metric = fc.option(fc.double({ min: 0, max: 100, noNaN: true }));
  const epoch = fc.nat();
  return {
    'call:offer': fc.record({ ...ids, offer: fc.record({ type: fc.constant('offer'), sdp }) }),
    'call:answer': fc.record({ ...ids, answer: fc.record({ type: fc.constant('answer'), sdp }) }),
    'call:ice-candidate': fc.record({ ...ids, candidate }),
    'call:quality-report': fc.record({
      callId: ids.callId,
      samples: fc.array(
        fc.record({
          peerUserId: ids.targetUserId,
          rttMs: metric,
          packetLossPct: metric,
          availableBitrateKbps: metric,
          quality: fc.constantFrom('good', 'fair', 'poor'),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    }),
    'call:sfu-publish': fc.record({
      callId: ids.callId,
      epoch,
      offer: fc.record({ type: fc.constant('offer'), sdp }),
      sources: fc.array(
        fc.record({ mid: fc.string({ maxLength: 4 }), source: fc.constantFrom('audio', 'camera') }),
        {
          minLength: 1,
          maxLength: 3,
        },
      ),
    }),
    'call:sfu-answer': fc.record({
      callId: ids.callId,
      epoch,
      answer: fc.record({ type: fc.constant('answer'), sdp }),
    }),
    'call:sfu-ice-candidate': fc.record({
      callId: ids.callId,
      epoch,
      connection: fc.constantFrom('publisher', 'subscriber'),
      candidate,
    }),
    'call:sfu-view': fc.record({ callId: ids.callId, epoch, streams: fc.constant([]) }),
    'call:hand': fc.record({ callId: ids.callId, raised: fc.boolean() }),
    'call:reaction': fc.record({ callId: ids.callId, reaction: fc.constantFrom(...REACTIONS) }),
  };
}

/**
 * A valid payload, or one whose fields (at any depth) are replaced, dropped or added to with hostile values,
 * addressed to other people and calls, or binary.
 */
function payloadFor(event: string, c: Cast): fc.Arbitrary<unknown> {
  const valid = validPayloads(c)[event];
  const hostile = (value: unknown): fc.Arbitrary<unknown> => {
    if (Array.isArray(value)) return fc.tuple(...value.map(hostile));
    if (value === null || typeof value !== 'object') {
      const ids = fc.constantFrom(c.callId, c.alice.user.id, c.mallory.user.id, c.carol.userId);
      return fc.oneof({ weight: 3, arbitrary: fc.constant(value) }, ids, fc.uuid(), nastyString);
    }
    return nastyObject(Object.fromEntries(Object.entries(value).map(([k, v]) => [k, hostile(v)])));
  };
  if (valid === undefined) return nastyJson;
  return fc.oneof(
    { weight: 3, arbitrary: valid },
    { weight: 6, arbitrary: valid.chain(hostile) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 32 }).map((bytes) => Buffer.from(bytes)) },
  );
}

interface SocketCase {
  sender: keyof Pick<Cast, 'alice' | 'bobPhone' | 'mallory' | 'carol'>;
  event: string;
  args: unknown[];
  withAck: boolean;
}

function socketCase(c: Cast): fc.Arbitrary<SocketCase> {
  const event = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...EVENTS) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('call:unknown', `x${MARK}`, 'call:incoming', 'call:ended', 'message'),
    },
  );
  return fc
    .record({
      sender: fc.constantFrom('alice', 'alice', 'alice', 'bobPhone', 'mallory', 'carol' as const),
      event,
      withAck: fc.constantFrom(true, true, true, false),
    })
    .chain((base) =>
      fc
        .oneof(
          { weight: 6, arbitrary: payloadFor(base.event, c).map((p) => [p]) },
          { weight: 1, arbitrary: fc.constant([]) },
          { weight: 1, arbitrary: fc.tuple(payloadFor(base.event, c), nastyJson) },
          { weight: 1, arbitrary: fc.tuple(payloadFor(base.event, c), fc.constant(MARK)) },
        )
        .map((args) => ({ ...base, sender: base.sender as SocketCase['sender'], args: [...args] })),
    );
}

const socketOf = (c: Cast, sender: SocketCase['sender']): TestSocket =>
  sender === 'alice'
    ? c.alice.socket
    : sender === 'bobPhone'
      ? c.bobPhone
      : sender === 'mallory'
        ? c.mallory.socket
        : c.carol.socket;

describe.each(databaseTargets())('socket boundaries under generated input on $name', (target) => {
  let server: TestServer;
  let c: Cast;
  const misrouted: string[] = [];

  beforeAll(async () => {
    server = await startTestServer({ ...(await target.setUp()), CALL_RING_TIMEOUT_SECONDS: '3600' });
    c = await cast(server.url);
    // Only Bob's answering device may hear relayed signaling in this call, and only in Alice's name.
    const watch = (socket: TestSocket, who: string, allowedFrom: string | null) => {
      for (const name of RELAYED) {
        socket.on(name as 'call:offer', (e: { callId: string; fromUserId: string }) => {
          if (allowedFrom === null || e.fromUserId !== allowedFrom || e.callId !== c.callId) {
            misrouted.push(`${who} got ${name} from ${e.fromUserId}`);
          }
        });
      }
    };
    watch(c.bob.socket, 'bob', c.alice.user.id);
    watch(c.bobPhone, "bob's phone", null);
    watch(c.mallory.socket, 'mallory', null);
    watch(c.carol.socket, 'carol', null);
    watch(c.alice.socket, 'alice', c.bob.user.id);
  });
  afterAll(async () => {
    for (const socket of [c?.alice.socket, c?.bob.socket, c?.bobPhone, c?.mallory.socket, c?.carol.socket])
      socket?.close();
    await server?.close();
    await target.tearDown();
  });

  /**
   * Every row once the server finished what it was sent without a callback (nothing tells when that is):
   * the tables unchanged for 400 ms. A shorter quiet time let a loaded machine's late write of an accepted
   * event land after it, and the next refused event was blamed for it.
   */
  async function settledSnapshot(): Promise<Record<string, string>> {
    const QUIET_CHECKS = 8;
    let previous = await databaseSnapshot(server.db);
    let quiet = 0;
    for (let i = 0; i < 200 && quiet < QUIET_CHECKS; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const next = await databaseSnapshot(server.db);
      quiet = changedTables(previous, next).length === 0 ? quiet + 1 : 0;
      previous = next;
    }
    return previous;
  }

  it('every client event: always acknowledged, never echoed, never relayed wrongly, nothing changed when refused', async () => {
    let known = await settledSnapshot();
    const codes = new Map<string, Set<string>>();
    await fc.assert(
      fc.asyncProperty(socketCase(c), async ({ sender, event, args, withAck }) => {
        const socket = socketOf(c, sender);
        if (!withAck) {
          (socket.emit as Emit)(event, ...args);
          known = await settledSnapshot();
          return;
        }
        const ack = await emitWithAck(socket, event, args);
        const parsed = AckSchema.safeParse(ack);
        expect(parsed.success, `not a documented acknowledgement: ${JSON.stringify(ack)}`).toBe(true);
        expect(JSON.stringify(ack), 'the acknowledgement repeats the message').not.toContain(MARK);
        const result = parsed.data!;
        if (!result.ok) expect(result.error.code, 'an unexpected failure').not.toBe('internal');
        codes.set(event, (codes.get(event) ?? new Set()).add(result.ok ? 'ok' : result.error.code));
        const after = await databaseSnapshot(server.db);
        if (!result.ok)
          expect(changedTables(known, after), `a refused ${event} changed the database`).toEqual([]);
        known = after;
      }),
      { numRuns: FUZZ_RUNS * 4 },
    );

    for (const socket of [c.alice.socket, c.bob.socket, c.bobPhone, c.mallory.socket, c.carol.socket]) {
      expect(socket.connected).toBe(true);
    }
    // Relayed messages are still in flight when the last ack returns: one more round trip to Bob orders them.
    await emitWithAck(c.bob.socket, 'call:unknown', []);
    expect(misrouted).toEqual([]);
    // The generators reached the handlers: the relay and the quality report accepted something.
    expect(codes.get('call:offer')).toContain('ok');
    expect(codes.get('call:quality-report')).toContain('ok');
    expect(codes.get('call:quality-report')).toContain('forbidden');
    expect((await api(server.url, 'GET', '/healthz')).status).toBe(200);
  }, 600_000);
});

describe('a 4,000-message flood under the production rate limits', () => {
  let server: TestServer;
  let c: Cast;
  beforeAll(async () => {
    server = await startTestServer({ RATE_LIMIT_MULTIPLIER: '1', CALL_RING_TIMEOUT_SECONDS: '3600' });
    c = await cast(server.url);
  });
  afterAll(async () => {
    for (const socket of [c?.alice.socket, c?.bob.socket, c?.bobPhone, c?.mallory.socket, c?.carol.socket])
      socket?.close();
    await server?.close();
  });

  it('answers every message, lets through what the limits allow, and stays up for everyone', async () => {
    const candidate = {
      candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host',
      sdpMid: '0',
      sdpMLineIndex: 0,
    };
    const relayedToBob = { count: 0 };
    c.bob.socket.on('call:ice-candidate', () => (relayedToBob.count += 1));
    const messages: [string, unknown[]][] = [];
    for (let i = 0; i < 4_000; i += 1) {
      const kind = i % 8;
      if (kind < 5)
        messages.push(['call:ice-candidate', [{ callId: c.callId, targetUserId: c.bob.user.id, candidate }]]);
      else if (kind === 5)
        messages.push([
          'call:offer',
          [{ callId: c.callId, targetUserId: c.bob.user.id, offer: { type: 'offer', sdp: `v=0 ${i}` } }],
        ]);
      else if (kind === 6) messages.push(['call:quality-report', [{ nonsense: MARK }]]);
      else messages.push([`call:unknown-${i}`, []]);
    }
    const acks = (await Promise.all(
      messages.map(([event, args]) => emitWithAck(c.alice.socket, event, args)),
    )) as z.infer<typeof AckSchema>[];
    const outcome = (event: string) => {
      const counts: Record<string, number> = {};
      acks.forEach((ack, i) => {
        if (messages[i]![0] !== event) return;
        const key = ack.ok ? 'ok' : ack.error.code;
        counts[key] = (counts[key] ?? 0) + 1;
      });
      return counts;
    };
    // 1000 ICE candidates and 120 offers per socket and 10 s; the rest is refused, none is lost.
    expect(outcome('call:ice-candidate')).toEqual({ ok: 1000, rate_limited: 1500 });
    expect(outcome('call:offer')).toEqual({ ok: 120, rate_limited: 380 });
    expect(outcome('call:quality-report')).toEqual({ bad_request: 20, rate_limited: 480 });
    expect(acks.filter((a) => !a.ok && a.error.code === 'internal')).toEqual([]);
    expect(c.alice.socket.connected).toBe(true);

    // Everyone else is served meanwhile, and the relayed candidates all arrived.
    expect((await api(server.url, 'GET', '/healthz')).status).toBe(200);
    expect(
      await emitWithAck(c.bob.socket, 'call:ice-candidate', [
        { callId: c.callId, targetUserId: c.alice.user.id, candidate },
      ]),
    ).toEqual({ ok: true });
    await emitWithAck(c.bob.socket, 'call:unknown', []);
    expect(relayedToBob.count).toBe(1000);
  }, 120_000);
});
