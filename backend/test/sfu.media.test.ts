/**
 * Group calls on a real Janus through a real backend: the third participant moves the call to the SFU,
 * WebRTC clients (@roamhq/wrtc) publish and subscribe through the backend's JSEP relay until ICE connects,
 * subscriptions follow people leaving, membership and epoch are enforced, a dying Janus moves the call to
 * another instance or ends it as 'media-server-failed', and rooms are destroyed when calls end.
 * Needs `janus` on PATH: skipped without it, failing under CI=true.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallTopologyEvent, SfuStreamDto } from '../../src/shared/protocol/index.ts';
import { createLogger } from '../src/logger.ts';
import { createJanusPool, type JanusPool } from '../src/sfu/janusPool.ts';
import { createJanusRooms, type JanusRooms } from '../src/sfu/janusRooms.ts';
import {
  answer,
  callAction,
  closeAll,
  conversationOf,
  getCall,
  members,
  ring,
  type Member,
} from './support/callFixtures.ts';
import { isJanusInstalled, startJanus, type RunningJanus } from './support/janus.ts';
import { SfuTestClient, waitFor } from './support/sfuClient.ts';
import {
  connectClient,
  nextEvent,
  startTestServer,
  type TestServer,
  type TestSocket,
} from './support/testServer.ts';

const janusRequired = process.env.CI === 'true';
const janusInstalled = isJanusInstalled();
const TOPOLOGY_TIMEOUT_MS = 15_000;

describe.skipIf(!janusInstalled && !janusRequired)('group calls on a real Janus', () => {
  const adminKey = randomBytes(24).toString('base64url');
  const logger = createLogger('silent');
  let janusA: RunningJanus;
  let janusB: RunningJanus;
  let server: TestServer;
  /** The test's own view of the instances, to list rooms. */
  let pool: JanusPool;
  let rooms: JanusRooms;
  const everyone: Member[] = [];
  const clients: SfuTestClient[] = [];
  /** A room a crashed backend left behind two minutes ago, for a call that does not exist. */
  let orphan: number;

  beforeAll(async () => {
    [janusA, janusB] = await Promise.all([startJanus({ adminKey }), startJanus({ adminKey })]);
    pool = createJanusPool({ urls: [janusA.url, janusB.url], logger });
    rooms = createJanusRooms({ pool, adminKey, logger });
    await waitFor(() => (pool.healthy().length === 2 ? true : undefined), 15_000, 'both Janus instances');
    const crashedBackend = createJanusRooms({ pool, adminKey, logger, now: () => Date.now() - 120_000 });
    orphan = await crashedBackend.create(janusA.url, { callId: randomUUID() });
    server = await startTestServer({
      JANUS_URLS: `${janusA.url},${janusB.url}`,
      JANUS_ADMIN_KEY: adminKey,
      LOG_LEVEL: process.env.SFU_TEST_LOG_LEVEL ?? 'silent',
    });
  }, 90_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    closeAll(everyone);
    await server?.close();
    await pool?.close();
    await Promise.all([janusA?.stop(), janusB?.stop()]);
  }, 60_000);

  async function people(...names: string[]): Promise<Member[]> {
    const list = await members(server.url, ...names);
    everyone.push(...list);
    return list;
  }

  /** A call of three answered in order; resolves with the topology event each of them got. */
  async function callOfThree(): Promise<{ callId: string; trio: Member[]; topology: CallTopologyEvent }> {
    const trio = await people('Alice', 'Bob', 'Carol');
    const [alice, bob, carol] = trio as [Member, Member, Member];
    const callId = await ring(server.url, alice, await conversationOf(server.url, alice, [bob, carol]), [
      bob,
      carol,
    ]);
    expect((await answer(server.url, bob, callId)).status).toBe(200);
    const heard = trio.map((m) =>
      nextEvent(m.socket, 'call:topology', (e) => e.callId === callId, TOPOLOGY_TIMEOUT_MS),
    );
    expect((await answer(server.url, carol, callId)).status).toBe(200);
    const events = await Promise.all(heard);
    for (const event of events) expect(event).toEqual(events[0]);
    expect(events[0]).toMatchObject({ callId, topology: 'sfu', reason: 'participant-joined' });
    return { callId, trio, topology: events[0]! };
  }

  /**
   * A new socket of the member's device, listening for the call's topology from the start, as the app does:
   * the event may come with the connection itself.
   */
  function socketOfDevice(m: Member, callId: string) {
    const socket: TestSocket = io(server.url, {
      transports: ['websocket'],
      auth: { token: m.token, deviceId: m.deviceId },
      reconnection: false,
      forceNew: true,
    });
    everyone.push({ ...m, socket });
    const told = nextEvent(socket, 'call:topology', (e) => e.callId === callId, TOPOLOGY_TIMEOUT_MS);
    return { socket, told };
  }

  function clientsFor(trio: readonly Member[], callId: string): SfuTestClient[] {
    const list = trio.map((m) => new SfuTestClient(m.socket, callId));
    clients.push(...list);
    return list;
  }

  /** audio + camera of each of `users`, in any m-line order. */
  const streamsOf = (users: readonly Member[]) =>
    users
      .flatMap((m) => [
        { userId: m.user.id, kind: 'audio', source: 'audio' },
        { userId: m.user.id, kind: 'video', source: 'camera' },
      ])
      .sort(byUserAndKind);
  const byUserAndKind = (a: { userId: string; kind: string }, b: { userId: string; kind: string }) =>
    `${a.userId}${a.kind}`.localeCompare(`${b.userId}${b.kind}`);
  const withoutMids = (streams: readonly SfuStreamDto[]) =>
    streams.map(({ userId, kind, source }) => ({ userId, kind, source })).sort(byUserAndKind);
  const carriesExactly = (users: readonly Member[]) => (e: { streams: SfuStreamDto[] }) =>
    JSON.stringify(withoutMids(e.streams)) === JSON.stringify(streamsOf(users));

  async function roomIdsOn(url: string): Promise<number[]> {
    return (await rooms.list(url)).map((r) => r.roomId);
  }

  /** Waits (a while) for the room to disappear from its instance. */
  async function roomGone(url: string, roomId: number): Promise<boolean> {
    const deadline = Date.now() + 15_000;
    while ((await roomIdsOn(url)).includes(roomId)) {
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return true;
  }

  it('sweeps rooms of calls that are over when it connects to an instance', async () => {
    expect(await roomGone(janusA.url, orphan)).toBe(true);
  });

  it('relays publish and subscription JSEP until ICE connects, following who is in the call', async () => {
    const { callId, trio, topology } = await callOfThree();
    const [alice, bob, carol] = trio as [Member, Member, Member];
    const { epoch } = topology;
    // Clients see the room id (the epoch), never the media server's address.
    expect((await getCall(server.url, alice, callId)).sfuRoomId).toBe(String(epoch));
    expect(await roomIdsOn(janusA.url)).toContain(epoch);

    const [a, b, c] = clientsFor(trio, callId) as [SfuTestClient, SfuTestClient, SfuTestClient];
    const acks = await Promise.all([a, b, c].map((client) => client.publish(epoch)));
    expect(acks.map((ack) => ack.ok)).toEqual([true, true, true]);
    expect(acks[0]).toMatchObject({ answer: { type: 'answer', sdp: expect.stringContaining('v=0') } });

    // Each one ends up subscribed to the other two, whose feeds are named by user and source.
    await a.offer(carriesExactly([bob, carol]));
    await b.offer(carriesExactly([alice, carol]));
    await c.offer(carriesExactly([alice, bob]));
    for (const client of [a, b, c]) {
      await client.connected('publisher');
      await client.connected('subscriber');
      expect(client.offers.every((o) => o.epoch === epoch)).toBe(true);
    }
    await waitFor(() => (a.answerAcks.length > 0 ? true : undefined), 10_000, 'answer ack');
    expect(a.answerAcks.every((ack) => ack.ok)).toBe(true);

    // Bob shares his screen: a renegotiation of his publisher, and a third stream of his for the others.
    const withScreen = (e: { streams: SfuStreamDto[] }) =>
      e.streams.some((s) => s.userId === bob.user.id && s.source === 'screen' && s.kind === 'video');
    const aliceSeesScreen = a.nextOffer(withScreen);
    const shared = await b.shareScreen(epoch);
    expect(shared.ok).toBe(true);
    expect((await aliceSeesScreen).streams).toHaveLength(5);
    await c.offer(withScreen);

    // Layers per remote video: off pauses a stream, low/medium/high pick a simulcast substream.
    const view = await alice.socket.emitWithAck('call:sfu-view', {
      callId,
      epoch,
      streams: [
        { userId: bob.user.id, source: 'camera', layer: 'off' },
        { userId: carol.user.id, source: 'camera', layer: 'low' },
        { userId: bob.user.id, source: 'screen', layer: 'high' },
      ],
    });
    expect(view).toEqual({ ok: true });

    // Carol leaves: her streams disappear from the others' next offers.
    const bobsStreams = (e: { streams: SfuStreamDto[] }) =>
      withoutMids(e.streams).every((s) => s.userId === bob.user.id) && e.streams.length === 3;
    const aliceUpdate = a.nextOffer(bobsStreams);
    const bobUpdate = b.nextOffer(carriesExactly([alice]));
    expect((await callAction(server.url, carol, callId, 'end')).status).toBe(200);
    c.close();
    await Promise.all([aliceUpdate, bobUpdate]);
    // Still on the SFU with two: the same room, no new topology.
    expect((await getCall(server.url, alice, callId)).sfuRoomId).toBe(String(epoch));

    // The room goes with the call.
    await callAction(server.url, alice, callId, 'end');
    expect((await callAction(server.url, bob, callId, 'end')).body).toMatchObject({ status: 'ended' });
    expect(await roomGone(janusA.url, epoch)).toBe(true);
  }, 120_000);

  it('refuses non-participants and other epochs', async () => {
    const { callId, trio, topology } = await callOfThree();
    const [alice, bob] = trio as [Member, Member];
    const [mallory] = await people('Mallory');
    const { epoch } = topology;
    const offer = { type: 'offer' as const, sdp: 'v=0\r\n' };
    const publish = (m: Member, e: number) =>
      m.socket.emitWithAck('call:sfu-publish', {
        callId,
        epoch: e,
        offer,
        sources: [{ mid: '0', source: 'audio' }],
      });

    expect(await publish(mallory!, epoch)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await publish(alice, epoch + 1)).toMatchObject({
      ok: false,
      error: { code: 'conflict', field: 'epoch' },
    });
    expect(
      await bob.socket.emitWithAck('call:sfu-answer', {
        callId,
        epoch: epoch + 1,
        answer: { type: 'answer', sdp: 'v=0\r\n' },
      }),
    ).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(await mallory!.socket.emitWithAck('call:sfu-view', { callId, epoch, streams: [] })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(
      await alice.socket.emitWithAck('call:sfu-ice-candidate', {
        callId,
        epoch: epoch + 1,
        connection: 'publisher',
        candidate: null,
      }),
    ).toMatchObject({ ok: false, error: { code: 'conflict' } });
    // A participant's other device is not in the call either.
    const otherDevice = await connectClient(server.url, alice.token);
    everyone.push({ ...alice, socket: otherDevice });
    expect(await publish({ ...alice, socket: otherDevice }, epoch)).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    // Invalid payloads never reach Janus.
    expect(
      await alice.socket.emitWithAck('call:sfu-view', {
        callId,
        epoch,
        streams: [{ userId: bob.user.id, source: 'camera', layer: 'ultra' }],
      } as never),
    ).toMatchObject({ ok: false, error: { code: 'bad_request' } });

    for (const m of trio) await callAction(server.url, m, callId, 'end');
  }, 60_000);

  it('a device that disconnects takes its feeds along, and publishes again when it is back', async () => {
    const { callId, trio, topology } = await callOfThree();
    const [alice, bob, carol] = trio as [Member, Member, Member];
    const { epoch } = topology;
    const [a, b, c] = clientsFor(trio, callId) as [SfuTestClient, SfuTestClient, SfuTestClient];
    await Promise.all([a, b, c].map((client) => client.publish(epoch)));
    await a.offer(carriesExactly([bob, carol]));

    // Another socket of her device (a second window) is told where the call is, but her media session lives
    // on with the first one: nothing for a page in the room to redo, and closing it ends nothing.
    const second = socketOfDevice(carol, callId);
    expect(await second.told).toEqual({ callId, topology: 'sfu', epoch, reason: 'joined-sfu-call' });
    second.socket.close();

    const carolGone = a.nextOffer(carriesExactly([bob]));
    carol.socket.close();
    c.close();
    await carolGone;

    // Back on the same device (a reload, or the same page reconnecting): told where the call is and that its
    // session there ended, it publishes again and is seen again.
    const { socket, told } = socketOfDevice(carol, callId);
    const back = new SfuTestClient(socket, callId);
    clients.push(back);
    expect(await told).toEqual({
      callId,
      topology: 'sfu',
      epoch,
      reason: 'joined-sfu-call',
      sessionEnded: true,
    });
    const carolBack = a.nextOffer(carriesExactly([bob, carol]));
    expect((await back.publish(epoch)).ok).toBe(true);
    await carolBack;
    await back.offer(carriesExactly([alice, bob]));
    await back.connected('subscriber');

    for (const m of [alice, bob]) await callAction(server.url, m, callId, 'end');
    await callAction(server.url, { ...carol, socket }, callId, 'end');
  }, 120_000);

  it('moves the call to another Janus when its instance dies, with a new epoch', async () => {
    const { callId, trio, topology } = await callOfThree();
    const [alice] = trio as [Member];
    expect(await roomIdsOn(janusA.url)).toContain(topology.epoch);
    const sfuClients = clientsFor(trio, callId);
    await Promise.all(sfuClients.map((client) => client.publish(topology.epoch)));
    await Promise.all(sfuClients.map((client) => client.connected('publisher')));

    const moved = trio.map((m) =>
      nextEvent(m.socket, 'call:topology', (e) => e.callId === callId, TOPOLOGY_TIMEOUT_MS),
    );
    await janusA.kill();
    const events = await Promise.all(moved);
    const epoch = events[0]!.epoch;
    expect(epoch).not.toBe(topology.epoch);
    for (const event of events) {
      expect(event).toEqual({ callId, topology: 'sfu', epoch, reason: 'sfu-failover' });
    }
    expect((await getCall(server.url, alice, callId)).sfuRoomId).toBe(String(epoch));
    expect(await roomIdsOn(janusB.url)).toContain(epoch);

    // Everyone publishes again in the new room and the media flows again.
    const acks = await Promise.all(sfuClients.map((client) => client.publish(epoch)));
    expect(acks.map((ack) => ack.ok)).toEqual([true, true, true]);
    for (const [i, client] of sfuClients.entries()) {
      await client.offer((e) => e.epoch === epoch && carriesExactly(trio.filter((_, j) => j !== i))(e));
      await client.connected('publisher');
      await client.connected('subscriber');
    }
    for (const client of sfuClients) client.close();
    for (const m of trio) await callAction(server.url, m, callId, 'end');
  }, 120_000);

  it('ends the call as media-server-failed when no Janus is left', async () => {
    const { callId, trio, topology } = await callOfThree();
    const [alice] = trio as [Member];
    expect(await roomIdsOn(janusB.url)).toContain(topology.epoch);
    const ended = trio.map((m) => nextEvent(m.socket, 'call:ended', (e) => e.callId === callId, 15_000));
    await janusB.kill();
    for (const event of await Promise.all(ended)) {
      expect(event).toEqual({ callId, reason: 'media-server-failed', endedBy: null });
    }
    expect(await getCall(server.url, alice, callId)).toMatchObject({
      status: 'failed',
      endReason: 'media-server-failed',
    });
  }, 60_000);
});
