/**
 * Rooms on the real Janus (VideoRoom plugin): what the backend creates, lists, destroys and sweeps. Needs
 * `janus` on PATH: skipped without it, failing under CI=true.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isJanusInstalled, startJanus, type RunningJanus } from '../../test/support/janus.ts';
import { createLogger } from '../logger.ts';
import { attachVideoRoom, createJanusPool, type JanusPool, type VideoRoomHandle } from './janusPool.ts';
import { createJanusRooms, janusErrorCode, roomSecret, type JanusRooms } from './janusRooms.ts';

const janusRequired = process.env.CI === 'true';
const janusInstalled = isJanusInstalled();
const suite =
  janusInstalled || janusRequired
    ? 'Janus rooms against the real Janus'
    : 'Janus rooms against the real Janus (skipped: janus not installed)';

/** VideoRoom error codes: a missing admin_key/secret is a missing element, a wrong one unauthorized. */
const JANUS_MISSING_ELEMENT = 429;
const JANUS_UNAUTHORIZED = 433;

describe.skipIf(!janusInstalled && !janusRequired)(suite, () => {
  let janus: RunningJanus;
  let pool: JanusPool;
  let rooms: JanusRooms;
  /** A handle that is not the backend's: it knows no admin key and no room secret. */
  let outsider: VideoRoomHandle;
  const logger = createLogger('silent');

  beforeAll(async () => {
    janus = await startJanus();
    pool = createJanusPool({ urls: [janus.url], logger });
    rooms = createJanusRooms({ pool, adminKey: janus.adminKey, logger });
    outsider = await attachVideoRoom(await pool.session(janus.url));
  });

  afterAll(async () => {
    await pool?.close();
    await janus?.stop();
  });

  it('creates a private room for a call, lists it, and destroys it', async () => {
    const callId = randomUUID();
    const before = Date.now();
    const roomId = await rooms.create(janus.url, { callId });
    expect(Number.isSafeInteger(roomId)).toBe(true);
    expect(roomId).toBeGreaterThan(0);

    const listed = (await rooms.list(janus.url)).find((room) => room.roomId === roomId);
    expect(listed).toMatchObject({ url: janus.url, roomId, callId });
    expect(listed!.createdAt.getTime()).toBeGreaterThanOrEqual(before);

    // Private: a plain list (no admin key) does not show it.
    const publicList = await outsider.message({ request: 'list' });
    const publicRooms = (publicList.plugindata?.data.list ?? []) as Array<{ room: number }>;
    expect(publicRooms.map((room) => room.room)).not.toContain(roomId);

    const info = await outsider.message({ request: 'exists', room: roomId });
    expect(info.plugindata?.data.exists).toBe(true);

    await rooms.destroy(janus.url, roomId);
    expect((await rooms.list(janus.url)).map((room) => room.roomId)).not.toContain(roomId);
  });

  it('treats destroying a room that is already gone as done', async () => {
    const roomId = await rooms.create(janus.url, { callId: randomUUID() });
    await rooms.destroy(janus.url, roomId);
    await expect(rooms.destroy(janus.url, roomId)).resolves.toBeUndefined();
    await expect(rooms.destroy(janus.url, 424_242)).resolves.toBeUndefined();
  });

  it('configures the room for group calls', async () => {
    const roomId = await rooms.create(janus.url, { callId: randomUUID() });
    try {
      const raw = await outsider.message({ request: 'list', admin_key: janus.adminKey });
      const room = (raw.plugindata?.data.list as Array<Record<string, unknown>>).find(
        (r) => r.room === roomId,
      );
      expect(room).toMatchObject({
        max_publishers: 20,
        videocodec: 'vp8',
        audiocodec: 'opus',
        fir_freq: 10,
        notify_joining: true,
        audiolevel_ext: true,
      });
      expect(room!.bitrate).toBeGreaterThanOrEqual(1_500_000);
    } finally {
      await rooms.destroy(janus.url, roomId);
    }
  });

  it('is the only one able to create rooms: Janus refuses a create without the admin key', async () => {
    const room = 777_000 + Math.floor(Math.random() * 1000);
    const attempt = (body: Record<string, unknown>) => outsider.message({ request: 'create', room, ...body });
    const withoutKey = await attempt({}).catch((error: unknown) => error);
    expect(janusErrorCode(withoutKey)).toBe(JANUS_MISSING_ELEMENT);
    const wrongKey = await attempt({ admin_key: 'not-the-admin-key' }).catch((error: unknown) => error);
    expect(janusErrorCode(wrongKey)).toBe(JANUS_UNAUTHORIZED);
    const exists = await outsider.message({ request: 'exists', room });
    expect(exists.plugindata?.data.exists).toBe(false);
  });

  it('is the only one able to destroy rooms: Janus refuses a destroy without the room secret', async () => {
    const roomId = await rooms.create(janus.url, { callId: randomUUID() });
    const refused = await outsider
      .message({ request: 'destroy', room: roomId })
      .catch((error: unknown) => error);
    expect(janusErrorCode(refused)).toBe(JANUS_MISSING_ELEMENT);
    const otherSecret = await outsider
      .message({ request: 'destroy', room: roomId, secret: roomSecret('another-admin-key', roomId) })
      .catch((error: unknown) => error);
    expect(janusErrorCode(otherSecret)).toBe(JANUS_UNAUTHORIZED);
    expect((await rooms.list(janus.url)).map((room) => room.roomId)).toContain(roomId);
    await rooms.destroy(janus.url, roomId);
  });

  it('sweeps only the old rooms of calls that are over, and leaves rooms that are not ours', async () => {
    let clock = Date.now() - 5 * 60_000;
    const oldRooms = createJanusRooms({ pool, adminKey: janus.adminKey, logger, now: () => clock });
    const liveCall = randomUUID();
    const endedCall = randomUUID();
    const live = await oldRooms.create(janus.url, { callId: liveCall });
    const ended = await oldRooms.create(janus.url, { callId: endedCall });
    clock = Date.now() - 10_000;
    const young = await oldRooms.create(janus.url, { callId: randomUUID() });
    // Someone else's room on the same Janus (created with the key, but without our description).
    const foreign = 880_000 + Math.floor(Math.random() * 1000);
    await outsider.message({
      request: 'create',
      room: foreign,
      admin_key: janus.adminKey,
      description: 'not ours',
    });

    const asked: number[] = [];
    const destroyed = await rooms.sweepOrphans(async ({ url, roomId, callId }) => {
      expect(url).toBe(janus.url);
      asked.push(roomId);
      return callId === liveCall;
    });

    expect(destroyed.map((room) => room.roomId)).toEqual([ended]);
    expect(asked).not.toContain(young);
    const left = (await rooms.list(janus.url)).map((room) => room.roomId);
    expect(left).toEqual(expect.arrayContaining([live, young]));
    expect(left).not.toContain(ended);
    const foreignExists = await outsider.message({ request: 'exists', room: foreign });
    expect(foreignExists.plugindata?.data.exists).toBe(true);

    for (const roomId of [live, young]) await rooms.destroy(janus.url, roomId);
    await outsider.message({ request: 'destroy', room: foreign });
  });

  it('reports an unreachable instance as unavailable', async () => {
    const downPool = createJanusPool({ urls: ['ws://127.0.0.1:1'], logger, reconnectDelayMs: 60_000 });
    try {
      const downRooms = createJanusRooms({ pool: downPool, adminKey: janus.adminKey, logger });
      await expect(downRooms.create('ws://127.0.0.1:1', { callId: randomUUID() })).rejects.toMatchObject({
        code: 'unavailable',
      });
      // The sweep only visits healthy instances.
      await expect(downRooms.sweepOrphans(async () => false)).resolves.toEqual([]);
    } finally {
      await downPool.close();
    }
  });
});
