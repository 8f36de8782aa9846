/**
 * The Janus WebSocket client against real Janus processes: sessions, handles, synchronous and asynchronous
 * plugin answers, errors with their codes, notifications routed to the right handle, keepalives, and what
 * callers see when Janus times a session out, stalls (SIGSTOP) or dies. Needs `janus` on PATH: skipped
 * without it, failing under CI=true.
 */
import { randomInt } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isJanusInstalled, startJanus, type RunningJanus } from '../../test/support/janus.ts';
import {
  connectJanus,
  JANUS_EVENT,
  JanusError,
  parseJanusMessage,
  type JanusClientOptions,
  type JanusConnection,
  type JanusEventData,
  type JanusHandle,
  type JanusSession,
} from './janusClient.ts';
import { attachVideoRoom, VIDEOROOM_EVENT } from './videoRoomHandle.ts';

const janusRequired = process.env.CI === 'true';
const janusInstalled = isJanusInstalled();
const suite =
  janusInstalled || janusRequired
    ? 'Janus client against the real Janus'
    : 'Janus client against the real Janus (skipped: janus not installed)';

/** VideoRoom "no such room", and Janus core "no such plugin". */
const JANUS_NO_SUCH_ROOM = 426;
const JANUS_NO_SUCH_PLUGIN = 460;

/** Resolves with the data of the next `event` on `emitter`, or rejects after timeoutMs. */
function next(
  emitter: Pick<JanusHandle, 'once'>,
  event: string,
  timeoutMs = 10_000,
): Promise<JanusEventData> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    emitter.once(event, (data) => {
      clearTimeout(timer);
      resolve(data);
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('parseJanusMessage', () => {
  it('takes a Janus message and refuses what is not one', () => {
    expect(parseJanusMessage('{"janus":"ack","transaction":"7"}')).toEqual({
      message: { janus: 'ack', transaction: '7' },
    });
    expect(parseJanusMessage('not json')).toEqual({ invalid: 'not JSON' });
    expect(parseJanusMessage('{"transaction":"7"}')).toHaveProperty('invalid');
    expect(parseJanusMessage('{"janus":"success","data":{"id":"12"}}')).toHaveProperty('invalid');
    expect(parseJanusMessage('[1,2]')).toHaveProperty('invalid');
  });
});

describe('connectJanus without a Janus', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  });

  it('fails fast when nothing listens', async () => {
    const started = Date.now();
    await expect(connectJanus('ws://127.0.0.1:1')).rejects.toThrow(/cannot connect to Janus/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('gives up on a server that accepts the connection but never completes the handshake', async () => {
    const sockets: Socket[] = [];
    const server = createServer((socket) => sockets.push(socket));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await expect(connectJanus(`ws://127.0.0.1:${port}`, { connectTimeoutMs: 300 })).rejects.toThrow(
      /no WebSocket handshake within 300 ms/,
    );
    for (const socket of sockets) socket.destroy();
  });
});

describe.skipIf(!janusInstalled && !janusRequired)(suite, () => {
  const januses: RunningJanus[] = [];
  const connections: JanusConnection[] = [];
  const start = async (options?: Parameters<typeof startJanus>[0]) => {
    const janus = await startJanus(options);
    januses.push(janus);
    return janus;
  };
  const connect = async (janus: RunningJanus, options?: JanusClientOptions) => {
    const connection = await connectJanus(janus.url, options);
    connections.push(connection);
    return connection;
  };

  afterEach(async () => {
    for (const connection of connections.splice(0)) await connection.close();
    // SIGKILL also ends a Janus that a test stalled with SIGSTOP (it would never act on SIGTERM).
    for (const janus of januses.splice(0)) await janus.kill();
  });

  /** A room on `janus`, created with its admin key, announcing joins (as the backend's rooms do). */
  const createRoom = async (janus: RunningJanus, session: JanusSession): Promise<number> => {
    const room = randomInt(1, 2 ** 40);
    const manager = await attachVideoRoom(session);
    const answer = await manager.message({
      request: 'create',
      room,
      admin_key: janus.adminKey,
      notify_joining: true,
    });
    expect(answer.plugindata?.data.videoroom).toBe('created');
    return room;
  };

  it('answers plugin requests, synchronous and asynchronous, and routes notifications to their handle', async () => {
    const janus = await start();
    const connection = await connect(janus);
    const session = await connection.createSession();
    const room = await createRoom(janus, session);

    // Synchronous: the answer comes with the request's `success`.
    const alice = await attachVideoRoom(session);
    const listed = await alice.message({ request: 'list', admin_key: janus.adminKey });
    const rooms = listed.plugindata?.data.list as { room: number }[];
    expect(rooms.map((r) => r.room)).toContain(room);

    // Asynchronous: `ack`, then an `event` with the same transaction.
    const aliceJoined = await alice.joinPublisher({ room, display: 'alice' });
    expect(aliceJoined).toMatchObject({ videoroom: 'joined', room, feed: expect.any(Number) });
    expect(alice.feed).toBe(aliceJoined.feed);

    // A second participant in another session: alice hears it join and leave, on her handle only.
    const otherSession = await connection.createSession();
    const bob = await attachVideoRoom(otherSession);
    const bobNoticed = next(alice, VIDEOROOM_EVENT.VIDEOROOM_PUB_PEER_JOINED);
    const bobJoined = await bob.joinPublisher({ room, display: 'bob' });
    expect(await bobNoticed).toMatchObject({ feed: bobJoined.feed, display: 'bob' });
    const bobLeft = next(alice, VIDEOROOM_EVENT.VIDEOROOM_LEAVING);
    await bob.detach();
    expect(await bobLeft).toMatchObject({ feed: bobJoined.feed });

    // Trickle is acknowledged even before any PeerConnection (Janus keeps the candidates).
    await expect(alice.trickleComplete()).resolves.toMatchObject({ janus: 'ack' });

    // Destroying the room tells its participants.
    const destroyed = next(alice, VIDEOROOM_EVENT.VIDEOROOM_DESTROYED);
    const manager = await attachVideoRoom(session);
    await manager.message({ request: 'destroy', room });
    expect(await destroyed).toMatchObject({ videoroom: 'destroyed', room });
  });

  it('rejects with the Janus or plugin error code, and leaves the handle usable', async () => {
    const janus = await start();
    const session = await (await connect(janus)).createSession();
    const handle = await attachVideoRoom(session);

    const noRoom = await handle.joinPublisher({ room: 4242, display: 'x' }).catch((e: unknown) => e);
    expect(noRoom).toBeInstanceOf(JanusError);
    expect((noRoom as JanusError).code).toBe(JANUS_NO_SUCH_ROOM);

    const noPlugin = await session.attach({ id: 'janus.plugin.none', eventOf: () => null }).catch((e) => e);
    expect((noPlugin as JanusError).code).toBe(JANUS_NO_SUCH_PLUGIN);

    expect((await handle.message({ request: 'exists', room: 4242 })).plugindata?.data.exists).toBe(false);
  });

  it('keeps a session alive past the session timeout with keepalives, and ends one that Janus timed out', async () => {
    const janus = await start({ sessionTimeoutSeconds: 2 });
    const kept = await (await connect(janus, { keepaliveIntervalMs: 500 })).createSession();
    const keptHandle = await attachVideoRoom(kept);
    const forgotten = await (await connect(janus, { keepaliveIntervalMs: 60_000 })).createSession();
    const forgottenHandle = await attachVideoRoom(forgotten);
    const detached = next(forgottenHandle, JANUS_EVENT.HANDLE_DETACHED, 15_000);

    const ended = await next(forgotten, JANUS_EVENT.SESSION_DESTROYED, 15_000);
    expect(ended.reason).toBe('timed out in Janus');
    // When its watchdog ends a session, Janus does not order the handle's "detached" against the session's
    // "timeout" (seen both ways under load): either way the handle ended on Janus's side.
    expect((await detached).reason).toMatch(/^(timed out in Janus|detached by Janus)$/);
    await expect(forgottenHandle.message({ request: 'list' })).rejects.toThrow(/detached/);

    // Well past Janus's timeout: the session that sent keepalives still works.
    expect((await keptHandle.message({ request: 'list' })).plugindata?.data.videoroom).toBe('success');
  });

  it('counts an answer that arrived while this process itself was stalled, instead of timing it out', async () => {
    const janus = await start();
    const session = await (await connect(janus, { requestTimeoutMs: 300 })).createSession();
    const handle = await attachVideoRoom(session);
    const answer = handle.message({ request: 'list' });
    // Blocks this event loop well past the timeout while Janus answers: when it runs again, the timer is due
    // and the answer is waiting to be read.
    const blockedUntil = Date.now() + 2000;
    while (Date.now() < blockedUntil) {
      // busy
    }
    expect((await answer).plugindata?.data.videoroom).toBe('success');
  });

  it('ends the session of a stalled Janus when a keepalive goes unanswered, failing what waits on it', async () => {
    const janus = await start();
    const connection = await connect(janus, { keepaliveIntervalMs: 300, keepaliveTimeoutMs: 500 });
    const session = await connection.createSession();
    const handle = await attachVideoRoom(session);

    process.kill(janus.pid, 'SIGSTOP');
    const started = Date.now();
    const waiting = handle.message({ request: 'list' }).catch((e: unknown) => e);
    const ended = await next(session, JANUS_EVENT.SESSION_DESTROYED);
    expect(ended.reason).toMatch(/keepalive not acknowledged/);
    // Failed when the session ended, not after the 30 s request timeout.
    expect(String(await waiting)).toMatch(/session ended/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('fails every pending request, session and handle when Janus dies, and refuses new requests', async () => {
    const janus = await start();
    const connection = await connect(janus);
    const closed = new Promise<string>((resolve) => connection.onClose(resolve));
    const session = await connection.createSession();
    const handle = await attachVideoRoom(session);
    const sessionEnded = next(session, JANUS_EVENT.SESSION_DESTROYED);
    const handleDetached = next(handle, JANUS_EVENT.HANDLE_DETACHED);

    // Stalled first, so that this request is still waiting when the process dies.
    process.kill(janus.pid, 'SIGSTOP');
    const waiting = handle.message({ request: 'list' }).catch((e: unknown) => e);
    await sleep(100);
    await janus.kill();

    expect(await closed).toBeTruthy();
    expect(String(await waiting)).toMatch(/connection closed/);
    expect((await sessionEnded).reason).toMatch(/connection closed/);
    expect((await handleDetached).reason).toMatch(/connection closed/);
    await expect(connection.createSession()).rejects.toThrow(/connection closed/);
    // Detaching what is already gone is not an error: callers clean up without checking first.
    await expect(handle.detach()).resolves.toBeUndefined();
  });
});
