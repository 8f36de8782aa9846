/**
 * Extra: group calls people come and go from (the ongoing-call banner, joining after declining, missing or
 * leaving), raised hands and reactions, over REST and real sockets. Runs on PGlite and, when configured, on
 * PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import type { OngoingCallsResponse, SocketAck } from '../../src/shared/protocol/index.ts';
import {
  answer,
  callAction,
  conversationOf,
  flush,
  getCall,
  ring,
  statusOf,
  useCallSuiteServer,
  type Member,
} from './support/callFixtures.ts';
import { databaseTargets } from './support/databases.ts';
import { api, nextEvent } from './support/testServer.ts';

const ongoing = (url: string, m: Member) =>
  api<OngoingCallsResponse>(url, 'GET', '/api/calls/ongoing', { token: m.token });

const hand = (m: Member, payload: unknown) =>
  m.socket.emitWithAck('call:hand', payload as never) as Promise<SocketAck>;
const react = (m: Member, payload: unknown) =>
  m.socket.emitWithAck('call:reaction', payload as never) as Promise<SocketAck>;

describe.each(databaseTargets())('group calls people come and go from, on $name', (target) => {
  const server = useCallSuiteServer(target);
  const { people } = server;

  /** A group of four, Alice calling Bob and Carol (Dave is a member who was not invited). */
  async function teamCall() {
    const [alice, bob, carol, dave] = await people('Alice', 'Bob', 'Carol', 'Dave');
    const team = await conversationOf(server.url, alice!, [bob!, carol!, dave!], 'Team sync');
    const callId = await ring(server.url, alice!, team, [bob!, carol!]);
    return { alice: alice!, bob: bob!, carol: carol!, dave: dave!, team, callId };
  }

  it('every member sees the ongoing call and its people; an outsider sees nothing of it', async () => {
    const { alice, bob, dave, team, callId } = await teamCall();
    const [outsider] = await people('Mallory');
    const daveHears = nextEvent(dave.socket, 'conversation:call', (e) => e.call?.joinedUserIds.length === 2);
    await answer(server.url, bob, callId);
    expect(await daveHears).toEqual({
      conversationId: team.id,
      call: expect.objectContaining({
        callId,
        status: 'active',
        type: 'video',
        initiatedBy: alice.user.id,
        joinedUserIds: [alice.user.id, bob.user.id],
      }),
    });
    const listed = await ongoing(server.url, dave);
    expect(listed.status).toBe(200);
    expect(listed.body.calls).toEqual([expect.objectContaining({ callId, conversationId: team.id })]);
    expect((await ongoing(server.url, outsider!)).body.calls).toEqual([]);
    // An outsider can neither read nor join it.
    expect((await api(server.url, 'GET', `/api/calls/${callId}`, { token: outsider!.token })).status).toBe(
      403,
    );
    expect((await answer(server.url, outsider!, callId)).status).toBe(403);
    expect((await api(server.url, 'GET', '/api/calls/ongoing')).status).toBe(401);
  });

  it('a member who was not invited joins from the banner, and the others hear it', async () => {
    const { alice, bob, dave, callId } = await teamCall();
    await answer(server.url, bob, callId);
    const aliceHears = nextEvent(alice.socket, 'call:participant-joined', (e) => e.userId === dave.user.id);
    expect((await answer(server.url, dave, callId)).status).toBe(200);
    expect(await aliceHears).toMatchObject({ callId, userName: 'Dave' });
    expect(statusOf(await getCall(server.url, dave, callId), dave)).toBe('joined');
  });

  it('a member who declined, or missed the ring, can still join', async () => {
    const { bob, carol, callId } = await teamCall();
    expect((await callAction(server.url, carol, callId, 'reject')).status).toBe(200);
    expect((await answer(server.url, carol, callId)).status).toBe(200);
    expect((await answer(server.url, bob, callId)).status).toBe(200);
    const call = await getCall(server.url, bob, callId);
    expect([statusOf(call, bob), statusOf(call, carol)]).toEqual(['joined', 'joined']);
  });

  it('a participant who left rejoins; the banner follows; the history shows who was in it', async () => {
    const { alice, bob, carol, dave, team, callId } = await teamCall();
    await answer(server.url, bob, callId);
    await answer(server.url, carol, callId);

    const afterLeave = nextEvent(dave.socket, 'conversation:call', (e) => e.call?.joinedUserIds.length === 2);
    expect((await callAction(server.url, bob, callId, 'end')).body).toMatchObject({ status: 'active' });
    expect((await afterLeave).call?.joinedUserIds).toEqual([alice.user.id, carol.user.id]);

    const aliceHears = nextEvent(alice.socket, 'call:participant-joined', (e) => e.userId === bob.user.id);
    expect((await answer(server.url, bob, callId)).status).toBe(200);
    await aliceHears;
    expect(statusOf(await getCall(server.url, alice, callId), bob)).toBe('joined');

    const gone = nextEvent(dave.socket, 'conversation:call', (e) => e.call === null);
    for (const m of [alice, bob, carol]) await callAction(server.url, m, callId, 'end');
    expect(await gone).toEqual({ conversationId: team.id, call: null });
    expect((await ongoing(server.url, dave)).body.calls).toEqual([]);
    // Finished: nobody joins it any more.
    expect((await answer(server.url, dave, callId)).status).toBe(409);

    const history = await api<{
      calls: { id: string; participants: { userId: string; joinedAt: string | null }[] }[];
    }>(server.url, 'GET', '/api/calls', { token: alice.token });
    const entry = history.body.calls.find((c) => c.id === callId)!;
    const wereIn = entry.participants.filter((p) => p.joinedAt !== null).map((p) => p.userId);
    expect(wereIn.sort()).toEqual([alice.user.id, bob.user.id, carol.user.id].sort());
  });

  it('1:1 calls keep their rules: not listed as ongoing, a hang-up ends them, no rejoin', async () => {
    const [alice, bob] = await people('Alice', 'Bob');
    const callId = await ring(server.url, alice!, await conversationOf(server.url, alice!, [bob!]), [bob!]);
    await answer(server.url, bob!, callId);
    expect((await ongoing(server.url, alice!)).body.calls).toEqual([]);
    expect((await callAction(server.url, bob!, callId, 'end')).body).toMatchObject({ status: 'ended' });
    expect((await answer(server.url, bob!, callId)).status).toBe(409);
  });

  it('raised hands form a queue in raising order that everyone in the call sees', async () => {
    const { alice, bob, carol, callId } = await teamCall();
    await answer(server.url, bob, callId);
    await answer(server.url, carol, callId);
    const queued = nextEvent(alice.socket, 'call:hands', (e) => e.hands.length === 2);
    expect(await hand(carol, { callId, raised: true })).toEqual({ ok: true });
    expect(await hand(bob, { callId, raised: true })).toEqual({ ok: true });
    // Raising again keeps Carol's place.
    expect(await hand(carol, { callId, raised: true })).toEqual({ ok: true });
    expect((await queued).hands.map((h) => h.userId)).toEqual([carol.user.id, bob.user.id]);
    const call = await getCall(server.url, bob, callId);
    expect(call.participants.find((p) => p.userId === carol.user.id)?.handRaisedAt).toEqual(
      expect.any(String),
    );

    const lowered = nextEvent(bob.socket, 'call:hands', (e) => e.hands.length === 1);
    expect(await hand(carol, { callId, raised: false })).toEqual({ ok: true });
    expect(await lowered).toEqual({
      callId,
      hands: [{ userId: bob.user.id, raisedAt: expect.any(String) }],
      changedBy: carol.user.id,
    });
  });

  it("only the host lowers someone else's hand; nobody raises it; leaving lowers it", async () => {
    const { alice, bob, carol, callId } = await teamCall();
    await answer(server.url, bob, callId);
    await answer(server.url, carol, callId);
    await hand(bob, { callId, raised: true });

    expect(await hand(carol, { callId, raised: false, userId: bob.user.id })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(await hand(alice, { callId, raised: true, userId: carol.user.id })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    const byHost = nextEvent(bob.socket, 'call:hands', (e) => e.changedBy === alice.user.id);
    expect(await hand(alice, { callId, raised: false, userId: bob.user.id })).toEqual({ ok: true });
    expect((await byHost).hands).toEqual([]);

    await hand(carol, { callId, raised: true });
    await callAction(server.url, carol, callId, 'end');
    await answer(server.url, carol, callId);
    const call = await getCall(server.url, carol, callId);
    expect(call.participants.find((p) => p.userId === carol.user.id)?.handRaisedAt).toBeNull();
  });

  it('hands and reactions are refused from outside the call and for bad payloads, changing nothing', async () => {
    const { alice, bob, dave, callId } = await teamCall();
    const [outsider] = await people('Mallory');
    await answer(server.url, bob, callId);
    for (const m of [dave, outsider!]) {
      expect(await hand(m, { callId, raised: true })).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      });
      expect(await react(m, { callId, reaction: '👍' })).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      });
    }
    const unknownCall = '00000000-0000-4000-8000-000000000000';
    expect(await hand(bob, { callId: unknownCall, raised: true })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    for (const bad of [{ callId }, { callId, raised: 'yes' }, { callId: 'x', raised: true }, null]) {
      expect(await hand(bob, bad)).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    }
    for (const bad of [{ callId, reaction: '💩' }, { callId, reaction: '<script>' }, { callId }]) {
      expect(await react(bob, bad)).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    }
    // The host cannot lower the hand of someone not in the call.
    expect(await hand(alice, { callId, raised: false, userId: dave.user.id })).toMatchObject({
      ok: false,
      error: { code: 'conflict' },
    });
    expect((await getCall(server.url, alice, callId)).participants.every((p) => !p.handRaisedAt)).toBe(true);
  });

  it("a reaction reaches the others in the call, not the sender's own socket nor outsiders", async () => {
    const { alice, bob, carol, dave, callId } = await teamCall();
    await answer(server.url, bob, callId);
    await answer(server.url, carol, callId);
    const seen: string[] = [];
    for (const m of [alice, bob, dave]) m.socket.on('call:reaction', () => seen.push(m.user.name));
    const aliceSees = nextEvent(alice.socket, 'call:reaction');
    expect(await react(carol, { callId, reaction: '🎉' })).toEqual({ ok: true });
    expect(await aliceSees).toEqual({ callId, userId: carol.user.id, reaction: '🎉' });
    await Promise.all([bob, carol, dave].map((m) => flush(m.socket)));
    expect(seen.sort()).toEqual(['Alice', 'Bob']);
  });
});

describe('hand and reaction rate limits', () => {
  // RATE_LIMIT_MULTIPLIER 0.5: 5 of each per 10 s per socket.
  const server = useCallSuiteServer(databaseTargets()[0]!, { RATE_LIMIT_MULTIPLIER: '0.5' });

  it('a flood of reactions or hand changes is refused past the limit', async () => {
    const [alice, bob, carol] = await server.people('Alice', 'Bob', 'Carol');
    const team = await conversationOf(server.url, alice!, [bob!, carol!]);
    const callId = await ring(server.url, alice!, team, [bob!, carol!]);
    await answer(server.url, bob!, callId);
    const reactions = await Promise.all(
      Array.from({ length: 8 }, () => react(bob!, { callId, reaction: '👏' })),
    );
    expect(reactions.filter((r) => r.ok)).toHaveLength(5);
    expect(reactions.filter((r) => !r.ok)).toEqual(
      Array(3).fill({
        ok: false,
        error: { code: 'rate_limited', message: 'too many call:reaction messages' },
      }),
    );
    const hands = [];
    for (let i = 0; i < 7; i++) hands.push(await hand(bob!, { callId, raised: i % 2 === 0 }));
    expect(hands.filter((r) => !r.ok).map((r) => !r.ok && r.error.code)).toEqual([
      'rate_limited',
      'rate_limited',
    ]);
  });
});
