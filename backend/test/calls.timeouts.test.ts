/**
 * What the sweeper does over time: ring timeouts, reconnect graces, and both surviving a restart (they are
 * read from the database, not from timers). Runs on PGlite and, when configured, on PostgreSQL.
 */
import { describe, expect, it, vi } from 'vitest';
import type { ListCallsResponse } from '../../src/shared/protocol/index.ts';
import {
  answer,
  closeAll,
  conversationOf,
  getCall,
  member,
  members,
  ring,
  statusOf,
  useCallSuiteServer,
} from './support/callFixtures.ts';
import { databaseTargets } from './support/databases.ts';
import { api, connectClient, nextEvent, startTestServer } from './support/testServer.ts';

describe.each(databaseTargets())('timeouts on $name', (target) => {
  const server = useCallSuiteServer(target, { CALL_RING_TIMEOUT_SECONDS: '3', RECONNECT_GRACE_SECONDS: '1' });
  const { people } = server;

  it('an unanswered call turns missed at the ring timeout, and both sides hear it', async () => {
    const [alice, bob] = await people('Alice', 'Bob');
    const callId = await ring(server.url, alice!, await conversationOf(server.url, alice!, [bob!]), [bob!]);
    const missed = nextEvent(alice!.socket, 'call:participants-missed');
    const aliceEnded = nextEvent(alice!.socket, 'call:ended');
    const bobEnded = nextEvent(bob!.socket, 'call:ended');

    expect(await missed).toEqual({ callId, userIds: [bob!.user.id] });
    expect(await aliceEnded).toEqual({ callId, reason: 'missed', endedBy: null });
    expect(await bobEnded).toEqual({ callId, reason: 'missed', endedBy: null });
    const call = await getCall(server.url, alice!, callId);
    expect(call).toMatchObject({ status: 'missed', endReason: 'missed', durationSeconds: 0 });
    expect(statusOf(call, bob!)).toBe('missed');
    const history = await api<ListCallsResponse>(server.url, 'GET', '/api/calls?filter=missed', {
      token: bob!.token,
    });
    expect(history.body.calls.map((c) => c.id)).toEqual([callId]);
  });

  it('in an active group call only the invitees who never answered are missed', async () => {
    const [alice, bob, carol] = await people('Alice', 'Bob', 'Carol');
    const callId = await ring(server.url, alice!, await conversationOf(server.url, alice!, [bob!, carol!]), [
      bob!,
      carol!,
    ]);
    await answer(server.url, bob!, callId);
    const aliceHears = nextEvent(alice!.socket, 'call:participants-missed');
    const carolHears = nextEvent(carol!.socket, 'call:participants-missed');

    expect(await aliceHears).toEqual({ callId, userIds: [carol!.user.id] });
    expect(await carolHears).toEqual({ callId, userIds: [carol!.user.id] });
    const call = await getCall(server.url, alice!, callId);
    expect(call.status).toBe('active');
    expect(statusOf(call, carol!)).toBe('missed');
  });

  it('a 1:1 call fails when the peer dropped and did not come back within the grace', async () => {
    const [alice, bob] = await people('Alice', 'Bob');
    const callId = await ring(server.url, alice!, await conversationOf(server.url, alice!, [bob!]), [bob!]);
    await answer(server.url, bob!, callId);
    const ended = nextEvent(alice!.socket, 'call:ended');
    bob!.socket.close();

    expect(await ended).toEqual({ callId, reason: 'connection-failed', endedBy: null });
    const call = await getCall(server.url, alice!, callId);
    expect(call).toMatchObject({ status: 'failed', endReason: 'connection-failed' });
    expect(call.durationSeconds).toEqual(expect.any(Number));
    expect(statusOf(call, bob!)).toBe('left');
  });

  it('a group participant who dropped for good is announced as left; the call goes on', async () => {
    const [alice, bob, carol] = await people('Alice', 'Bob', 'Carol');
    const callId = await ring(server.url, alice!, await conversationOf(server.url, alice!, [bob!, carol!]), [
      bob!,
      carol!,
    ]);
    await Promise.all([answer(server.url, bob!, callId), answer(server.url, carol!, callId)]);
    const left = nextEvent(alice!.socket, 'call:participant-left');
    carol!.socket.close();

    expect(await left).toEqual({ callId, userId: carol!.user.id });
    const call = await getCall(server.url, alice!, callId);
    expect(call.status).toBe('active');
    expect(statusOf(call, carol!)).toBe('left');
  });

  it('a restart ends no call; the ring timeout and the reconnect grace resume from the database', async () => {
    // Storage of its own: this suite's server, with its 1 s grace, must not sweep these calls.
    const storage = await target.persistentStorage();
    const persistent = {
      ...storage.env,
      JWT_SECRET: 'restart-test-secret-restart-test-secret',
      RECONNECT_GRACE_SECONDS: '600',
    };
    const first = await startTestServer({ ...persistent, CALL_RING_TIMEOUT_SECONDS: '600' });
    const alice = await member(first.url, 'Alice');
    const [bob, carol] = await members(first.url, 'Bob', 'Carol');
    const answered = await ring(first.url, alice, await conversationOf(first.url, alice, [bob!]), [bob!]);
    await answer(first.url, bob!, answered);
    const ringing = await ring(first.url, alice, await conversationOf(first.url, alice, [carol!]), [carol!]);
    closeAll([alice, bob!, carol!]);
    await first.close();

    // Back with a 1 s ring timeout: the call that rang through the restart is now overdue.
    const second = await startTestServer({ ...persistent, CALL_RING_TIMEOUT_SECONDS: '1' });
    try {
      await vi.waitFor(
        async () => expect((await getCall(second.url, alice, ringing)).status).toBe('missed'),
        {
          timeout: 10_000,
          interval: 100,
        },
      );
      const kept = await getCall(second.url, alice, answered);
      expect(kept.status).toBe('active');
      expect(kept.participants.map((p) => p.status)).toEqual(['joined', 'joined']);

      alice.socket = await connectClient(second.url, alice.token, alice.deviceId);
      const reconnected = nextEvent(alice.socket, 'call:participant-reconnected');
      bob!.socket = await connectClient(second.url, bob!.token, bob!.deviceId);
      expect(await reconnected).toEqual({ callId: answered, userId: bob!.user.id });
      closeAll([alice, bob!]);
    } finally {
      await second.close();
      await storage.remove();
    }
  });
});
