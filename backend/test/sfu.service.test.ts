/**
 * The call service's topology decisions (mesh, SFU, refusals) and SFU room lifecycle, on a real database with
 * an in-memory stand-in for the Janus rooms (the SfuRoomsPort): what the service decides and announces, not
 * whether Janus works. The same flows against a real Janus are in sfu.media.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCall } from '../src/db/calls.repo.ts';
import { insertGroupConversation } from '../src/db/conversations.repo.ts';
import type { Db } from '../src/db/db.ts';
import { migrate } from '../src/db/migrate.ts';
import { openPgliteDb } from '../src/db/pglite.db.ts';
import { openPostgresDb } from '../src/db/postgres.db.ts';
import { insertUser } from '../src/db/users.repo.ts';
import { AppError } from '../src/errors.ts';
import { createCallService, type CallService } from '../src/services/calls.service.ts';
import type { CallNotifier, ServerEvent } from '../src/services/notifier.ts';
import type { SfuRoomsPort } from '../src/services/sfuRoomsPort.ts';
import { databaseTargets } from './support/databases.ts';
import { migratedTemplate } from './support/pgliteTemplate.ts';

interface Sent {
  to: { users: string[] } | { user: string; device: string | null };
  event: ServerEvent;
  payload: Record<string, unknown>;
}

function recordingNotifier(): CallNotifier & {
  sent: Sent[];
  changes: { callId: string; left: string[] }[];
  of(event: ServerEvent): Sent[];
} {
  const sent: Sent[] = [];
  const changes: { callId: string; left: string[] }[] = [];
  return {
    sent,
    changes,
    of: (event) => sent.filter((s) => s.event === event),
    toUsers: (userIds, event, payload) =>
      void sent.push({
        to: { users: [...userIds] },
        event,
        payload: payload as unknown as Record<string, unknown>,
      }),
    toOtherDevices: (userId, _except, event, payload) =>
      void sent.push({
        to: { users: [userId] },
        event,
        payload: payload as unknown as Record<string, unknown>,
      }),
    toDevice: (userId, deviceId, event, payload) =>
      void sent.push({
        to: { user: userId, device: deviceId },
        event,
        payload: payload as unknown as Record<string, unknown>,
      }),
    callChanged: (callId, left = []) => void changes.push({ callId, left: left.map((l) => l.userId) }),
  };
}

/** Rooms in memory, on instances that can be marked down or made to fail. */
function memoryRooms(urls: string[]) {
  const rooms = new Map<string, { url: string; callId: string }>();
  const state = { healthy: [...urls], failing: new Set<string>() };
  let nextRoomId = 1000;
  const port: SfuRoomsPort = {
    healthy: () => state.healthy,
    async create(url, callId) {
      if (state.failing.has(url) || !state.healthy.includes(url)) throw new Error(`${url} is down`);
      const roomId = nextRoomId++;
      rooms.set(`${url}#${roomId}`, { url, callId });
      return roomId;
    },
    async destroy(url, roomId) {
      rooms.delete(`${url}#${roomId}`);
    },
    async setRecording() {
      throw new Error('these tests do not record');
    },
  };
  return { port, rooms, state };
}

const TIMINGS = { ringTimeoutSeconds: 45, reconnectGraceSeconds: 30 };
const JANUS_A = 'ws://janus-a.test:8188';
const JANUS_B = 'ws://janus-b.test:8188';

async function openTargetDb(env: Record<string, string>): Promise<Db> {
  if (env.DATABASE_URL !== undefined) {
    const db = openPostgresDb(env.DATABASE_URL, () => undefined);
    await migrate(db);
    return db;
  }
  return openPgliteDb(null, await migratedTemplate());
}

describe.each(databaseTargets())('call service topology on $name', (target) => {
  let db: Db;
  beforeAll(async () => {
    db = await openTargetDb(await target.setUp());
  });
  afterAll(async () => {
    await db.close();
    await target.tearDown();
  });

  /** `n` users in one group conversation; user 0 created it. */
  async function group(n: number): Promise<{ users: string[]; conversationId: string }> {
    const users: string[] = [];
    for (let i = 0; i < n; i++) {
      const user = await insertUser(db, {
        email: `u${i}.${randomUUID()}@example.test`,
        name: `User ${i}`,
        passwordHash: 'x',
      });
      users.push(user!.id);
    }
    const conversationId = await insertGroupConversation(db, {
      createdBy: users[0]!,
      title: 'Team',
      memberIds: users,
    });
    return { users, conversationId };
  }

  function service(sfu: SfuRoomsPort | null) {
    const notifier = recordingNotifier();
    return { notifier, calls: createCallService(db, notifier, TIMINGS, { sfu }) };
  }

  const deviceOf = (userId: string) => `dev-${userId}`;
  const initiate = (calls: CallService, users: string[], conversationId: string, invited: number) =>
    calls.initiate(users[0]!, {
      conversationId,
      type: 'video',
      participantIds: users.slice(1, invited + 1),
      deviceId: deviceOf(users[0]!),
    });
  const answer = (calls: CallService, callId: string, userId: string) =>
    calls.answer(userId, callId, deviceOf(userId));
  const refusal = (work: Promise<unknown>) =>
    work.then(
      () => null,
      (err: unknown) => (err instanceof AppError ? err.toJSON() : err),
    );

  it('moves the call to the SFU when the third joins, telling all three on their devices', async () => {
    const { port, rooms } = memoryRooms([JANUS_A]);
    const { calls, notifier } = service(port);
    const { users, conversationId } = await group(3);
    const { callId } = await initiate(calls, users, conversationId, 2);
    await answer(calls, callId, users[1]!);
    expect(notifier.of('call:topology')).toEqual([]);
    expect((await findCall(db, callId))!.sfuRoomId).toBeNull();

    notifier.sent.length = 0;
    await answer(calls, callId, users[2]!);
    const call = await findCall(db, callId);
    const [ref] = [...rooms.keys()];
    expect(call!.sfuRoomId).toBe(ref);
    const epoch = Number(ref!.split('#')[1]);
    expect(notifier.of('call:topology')).toEqual(
      users.map((user) => ({
        to: { user, device: deviceOf(user) },
        event: 'call:topology',
        payload: { callId, topology: 'sfu', epoch, reason: 'participant-joined' },
      })),
    );
    // Announced before the join itself, so nobody starts meshing with the newcomer.
    const order = notifier.sent.map((s) => s.event);
    expect(order.indexOf('call:topology')).toBeLessThan(order.indexOf('call:participant-joined'));
  });

  it('stays on the SFU when it drops back to two, and tells later joiners which room', async () => {
    const { port, rooms } = memoryRooms([JANUS_A]);
    const { calls, notifier } = service(port);
    const { users, conversationId } = await group(4);
    const { callId } = await initiate(calls, users, conversationId, 2);
    await answer(calls, callId, users[1]!);
    await answer(calls, callId, users[2]!);
    const room = (await findCall(db, callId))!.sfuRoomId;

    await calls.end(users[2]!, callId);
    expect((await findCall(db, callId))!.sfuRoomId).toBe(room);
    expect(rooms.has(room!)).toBe(true);

    notifier.sent.length = 0;
    // Back to three: no new room, the joiner (a member who was not invited) is told where the call is.
    await answer(calls, callId, users[3]!);
    expect((await findCall(db, callId))!.sfuRoomId).toBe(room);
    expect(rooms.size).toBe(1);
    expect(notifier.of('call:topology')).toEqual([
      {
        to: { user: users[3], device: deviceOf(users[3]!) },
        event: 'call:topology',
        payload: { callId, topology: 'sfu', epoch: Number(room!.split('#')[1]), reason: 'joined-sfu-call' },
      },
    ]);
  });

  it('a leave is reported with who left, so their media sessions end even when they rejoin at once', async () => {
    const { port } = memoryRooms([JANUS_A]);
    const { calls, notifier } = service(port);
    const { users, conversationId } = await group(3);
    const { callId } = await initiate(calls, users, conversationId, 2);
    await answer(calls, callId, users[1]!);
    await answer(calls, callId, users[2]!);
    notifier.changes.length = 0;
    await calls.end(users[2]!, callId);
    await answer(calls, callId, users[2]!);
    expect(notifier.changes).toEqual([
      { callId, left: [users[2]] },
      { callId, left: [] },
    ]);
  });

  it('destroys the room after the call ended, once', async () => {
    const { port, rooms } = memoryRooms([JANUS_A]);
    const { calls } = service(port);
    const { users, conversationId } = await group(3);
    const { callId } = await initiate(calls, users, conversationId, 2);
    for (const user of users.slice(1)) await answer(calls, callId, user);
    expect(rooms.size).toBe(1);
    for (const user of users) await calls.end(user, callId);
    expect((await findCall(db, callId))!.status).toBe('ended');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(rooms.size).toBe(0);
  });

  it('places the room on the least-loaded healthy instance', async () => {
    const { port, rooms, state } = memoryRooms([JANUS_A, JANUS_B]);
    const { calls } = service(port);
    // Whatever other tests left open counts too: load A with a call of three first.
    state.healthy = [JANUS_A];
    const first = await group(3);
    const one = await initiate(calls, first.users, first.conversationId, 2);
    for (const user of first.users.slice(1)) await answer(calls, one.callId, user);
    state.healthy = [JANUS_A, JANUS_B];
    const second = await group(3);
    const two = await initiate(calls, second.users, second.conversationId, 2);
    for (const user of second.users.slice(1)) await answer(calls, two.callId, user);
    expect((await findCall(db, two.callId))!.sfuRoomId).toMatch(/^ws:\/\/janus-b\.test:8188#\d+$/);
    expect([...rooms.values()].map((r) => r.url).sort()).toEqual([JANUS_A, JANUS_B]);
    for (const { users, callId } of [
      { ...first, callId: one.callId },
      { ...second, callId: two.callId },
    ]) {
      for (const user of users) await calls.end(user, callId);
    }
  });

  it('refuses the 21st participant', async () => {
    const { port } = memoryRooms([JANUS_A]);
    const { calls } = service(port);
    const { users, conversationId } = await group(21);
    const { callId } = await initiate(calls, users, conversationId, 19);
    for (const user of users.slice(1, 20)) await answer(calls, callId, user);
    expect(await refusal(answer(calls, callId, users[20]!))).toEqual({
      code: 'call_full',
      message: 'the call already has 20 participants',
    });
  });

  it('without an SFU configured: three mesh, the fourth is refused with a clear message', async () => {
    const { calls, notifier } = service(null);
    const { users, conversationId } = await group(4);
    const { callId } = await initiate(calls, users, conversationId, 2);
    for (const user of users.slice(1, 3)) await answer(calls, callId, user);
    expect((await findCall(db, callId))!.sfuRoomId).toBeNull();
    expect(notifier.of('call:topology')).toEqual([]);
    expect(await refusal(answer(calls, callId, users[3]!))).toEqual({
      code: 'call_full',
      message:
        'Group calls of more than 3 people need a media server (SFU); ask your administrator to configure JANUS_URLS',
    });
  });

  it('without an SFU configured: initiating with more than three participants is refused', async () => {
    const { calls } = service(null);
    const { users, conversationId } = await group(4);
    expect(await refusal(initiate(calls, users, conversationId, 3))).toMatchObject({
      code: 'call_full',
      message: expect.stringMatching(/more than 3 people need a media server \(SFU\)/),
      field: 'participantIds',
    });
    // Three is fine.
    expect(await initiate(calls, users, conversationId, 2)).toMatchObject({ status: 'initiated' });
  });

  it('with the SFU unreachable: three stay meshed, the fourth is refused as unavailable', async () => {
    const { port, rooms, state } = memoryRooms([JANUS_A]);
    state.healthy = [];
    const { calls } = service(port);
    const { users, conversationId } = await group(4);
    const { callId } = await initiate(calls, users, conversationId, 3);
    for (const user of users.slice(1, 3)) await answer(calls, callId, user);
    expect((await findCall(db, callId))!.sfuRoomId).toBeNull();
    expect(await refusal(answer(calls, callId, users[3]!))).toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/media server is unreachable/),
    });
    // An instance that is up but fails to create the room counts as unreachable.
    state.healthy = [JANUS_A];
    state.failing.add(JANUS_A);
    expect(await refusal(answer(calls, callId, users[3]!))).toMatchObject({ code: 'unavailable' });
    expect(rooms.size).toBe(0);
    // Back: the fourth joins and takes the three with them to the SFU.
    state.failing.clear();
    await answer(calls, callId, users[3]!);
    expect((await findCall(db, callId))!.sfuRoomId).toMatch(/#\d+$/);
  });

  it('fails over to another instance, or ends the call as media-server-failed without one', async () => {
    const { port, rooms, state } = memoryRooms([JANUS_A, JANUS_B]);
    const { calls, notifier } = service(port);
    const { users, conversationId } = await group(3);
    state.healthy = [JANUS_A];
    const { callId } = await initiate(calls, users, conversationId, 2);
    for (const user of users.slice(1)) await answer(calls, callId, user);
    const onA = (await findCall(db, callId))!.sfuRoomId!;
    expect(onA.startsWith(`${JANUS_A}#`)).toBe(true);

    state.healthy = [JANUS_B];
    notifier.sent.length = 0;
    expect(await calls.failOverSfuRoom(callId, onA)).toBe('moved');
    const onB = (await findCall(db, callId))!.sfuRoomId!;
    expect(onB.startsWith(`${JANUS_B}#`)).toBe(true);
    expect(notifier.of('call:topology').map((s) => s.payload)).toEqual(
      users.map(() => ({
        callId,
        topology: 'sfu',
        epoch: Number(onB.split('#')[1]),
        reason: 'sfu-failover',
      })),
    );
    // A second node reacting to the same failure finds the call moved already.
    expect(await calls.failOverSfuRoom(callId, onA)).toBe('unchanged');
    // The dead instance is not asked to destroy anything (the sweep does when it comes back).
    expect([...rooms.keys()].filter((ref) => ref.startsWith(JANUS_B))).toEqual([onB]);

    state.healthy = [];
    notifier.sent.length = 0;
    expect(await calls.failOverSfuRoom(callId, onB)).toBe('ended');
    const ended = await findCall(db, callId);
    expect(ended).toMatchObject({ status: 'failed', endReason: 'media-server-failed' });
    expect(notifier.of('call:ended')).toEqual([
      {
        to: { users: expect.arrayContaining(users) },
        event: 'call:ended',
        payload: { callId, reason: 'media-server-failed', endedBy: null },
      },
    ]);
    expect(await calls.failOverSfuRoom(callId, onB)).toBe('unchanged');
  });
});
