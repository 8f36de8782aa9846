/**
 * Call recording on a real Janus through a real backend: the initiator starts it (a 1:1 call moves to the
 * SFU first), everyone and a later joiner are told, others may not control it, the finished call becomes
 * one WebM file ffprobe reads as VP8 + Opus, members download it with Range and others cannot, a dying
 * Janus stops the recording but not the call, and the retention sweep removes old files.
 * Needs `janus`, `janus-pp-rec` and `ffprobe` on PATH: skipped without them, failing under CI=true.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallDto, CallTopologyEvent, RecordingResponse } from '../../src/shared/protocol.ts';
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
import type { Db } from '../src/db/db.ts';
import { createLogger } from '../src/logger.ts';
import { createCallService } from '../src/services/calls.service.ts';
import type { CallNotifier } from '../src/services/notifier.ts';
import { createRecordingService } from '../src/services/recording.service.ts';
import { createJanusPool } from '../src/sfu/janusPool.ts';
import { createJanusRooms } from '../src/sfu/janusRooms.ts';
import { janusRoomsPort } from '../src/sfu/janusRoomsPort.ts';
import { databaseTargets } from './support/databases.ts';
import { isJanusInstalled, startJanus, type RunningJanus } from './support/janus.ts';
import { SfuTestClient, waitFor } from './support/sfuClient.ts';
import { api, nextEvent, startTestServer, type TestServer } from './support/testServer.ts';

const installed = (tool: string) => spawnSync(tool, ['--help'], { stdio: 'ignore' }).error === undefined;
const toolsInstalled = isJanusInstalled() && installed('janus-pp-rec') && installed('ffprobe');
const required = process.env.CI === 'true';
const silent = createLogger('silent');

describe.skipIf(!toolsInstalled && !required).each(databaseTargets())(
  'call recording on a real Janus, $name',
  (target) => {
    const adminKey = randomBytes(24).toString('base64url');
    let janusA: RunningJanus;
    let janusB: RunningJanus;
    let server: TestServer;
    let recordingsDir: string;
    const everyone: Member[] = [];
    const clients: SfuTestClient[] = [];

    beforeAll(async () => {
      recordingsDir = await mkdtemp(path.join(tmpdir(), 'callbridge-recordings-'));
      [janusA, janusB] = await Promise.all([startJanus({ adminKey }), startJanus({ adminKey })]);
      server = await startTestServer({
        ...(await target.setUp()),
        JANUS_URLS: `${janusA.url},${janusB.url}`,
        JANUS_ADMIN_KEY: adminKey,
        RECORDINGS_DIR: recordingsDir,
        RECORDING_RETENTION_DAYS: '30',
        RECORDING_MIN_FREE_MB: '1',
        LOG_LEVEL: process.env.SFU_TEST_LOG_LEVEL ?? 'silent',
      });
    }, 90_000);

    afterAll(async () => {
      for (const client of clients) client.close();
      closeAll(everyone);
      await server?.close();
      await Promise.all([janusA?.stop(), janusB?.stop()]);
      await rm(recordingsDir, { recursive: true, force: true });
      await target.tearDown();
    }, 60_000);

    async function people(...names: string[]): Promise<Member[]> {
      const list = await members(server.url, ...names);
      everyone.push(...list);
      return list;
    }

    const recording = (m: Member, callId: string, action: 'start' | 'stop') =>
      api<RecordingResponse>(server.url, 'POST', `/api/calls/${callId}/recording/${action}`, {
        token: m.token,
      });

    /** A client of `m` that publishes real audio and video in `epoch` and subscribes to the others. */
    async function publishing(m: Member, callId: string, epoch: number): Promise<SfuTestClient> {
      const client = new SfuTestClient(m.socket, callId);
      clients.push(client);
      client.sendMedia();
      expect((await client.publish(epoch)).ok).toBe(true);
      await client.connected('publisher');
      return client;
    }

    async function finishedCall(m: Member, callId: string, until: (c: CallDto) => boolean): Promise<CallDto> {
      let call = await getCall(server.url, m, callId);
      const deadline = Date.now() + 60_000;
      while (!until(call)) {
        if (Date.now() > deadline) throw new Error(`recording stuck: ${JSON.stringify(call.recording)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
        call = await getCall(server.url, m, callId);
      }
      return call;
    }

    /** Until `count` raw video tracks of the call hold some media (a busy machine sends late). */
    async function waitForRawVideo(callId: string, count: number): Promise<void> {
      const dir = path.join(recordingsDir, 'raw', callId);
      const enough = async () => {
        const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.includes('-video-'));
        const sizes = await Promise.all(names.map(async (n) => (await stat(path.join(dir, n))).size));
        return sizes.filter((size) => size > 10_000).length >= count;
      };
      const deadline = Date.now() + 30_000;
      while (!(await enough())) {
        if (Date.now() > deadline)
          throw new Error(`no raw video after 30 s: ${(await readdir(dir).catch(() => [])).join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }

    function probe(file: string): { codecs: string[]; duration: number; width: number | undefined } {
      const out = execFileSync(
        'ffprobe',
        ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file],
        {
          encoding: 'utf8',
        },
      );
      const parsed = JSON.parse(out) as {
        streams: { codec_name: string; width?: number }[];
        format: { duration: string };
      };
      return {
        codecs: parsed.streams.map((s) => s.codec_name).sort(),
        duration: Number(parsed.format.duration),
        width: parsed.streams.find((s) => s.width !== undefined)?.width,
      };
    }

    it('records a 1:1 call on the SFU: started by the initiator, told to all, one VP8 + Opus file for members only', async () => {
      const [alice, bob, carol, mallory] = await people('Alice', 'Bob', 'Carol', 'Mallory');
      const duo = await conversationOf(server.url, alice!, [bob!]);
      const callId = await ring(server.url, alice!, duo, [bob!]);
      expect((await answer(server.url, bob!, callId)).status).toBe(200);
      expect((await getCall(server.url, alice!, callId)).sfuRoomId).toBeNull();

      // Only the initiator controls it; strangers get 403 like for every other call action.
      expect((await recording(bob!, callId, 'start')).status).toBe(403);
      expect((await recording(mallory!, callId, 'start')).status).toBe(403);
      expect((await recording(alice!, callId, 'stop')).status).toBe(409);

      const told = [alice!, bob!].map((m) =>
        nextEvent(m.socket, 'call:recording', (e) => e.callId === callId),
      );
      const moved = [alice!, bob!].map((m) =>
        nextEvent(m.socket, 'call:topology', (e: CallTopologyEvent) => e.callId === callId, 15_000),
      );
      const started = await recording(alice!, callId, 'start');
      expect(started.status).toBe(200);
      expect(started.body.recording).toMatchObject({ state: 'recording', startedBy: alice!.user.id });
      for (const event of await Promise.all(told)) {
        expect(event).toEqual({ callId, state: 'recording', byUserId: alice!.user.id, message: null });
      }
      // The 1:1 call moved to the SFU so that Janus can record it.
      const topology = await Promise.all(moved);
      expect(topology[0]).toMatchObject({ topology: 'sfu', reason: 'recording-started' });
      const epoch = topology[0]!.epoch;
      expect((await recording(alice!, callId, 'start')).status).toBe(409);

      await Promise.all([publishing(alice!, callId, epoch), publishing(bob!, callId, epoch)]);
      const recordedFrom = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      const stopped = await recording(alice!, callId, 'stop');
      const recordedSeconds = (Date.now() - recordedFrom) / 1000;
      expect(stopped.body.recording.state).toBe('stopped');
      await callAction(server.url, alice!, callId, 'end');

      const done = await finishedCall(
        alice!,
        callId,
        (c) => c.recording?.state === 'ready' || c.recording?.state === 'failed',
      );
      expect(done.recording?.state).toBe('ready');
      expect(done.recordingUrl).toBe(`/api/calls/${callId}/recording`);

      // Whole file, for a member.
      const whole = await fetch(`${server.url}${done.recordingUrl}`, {
        headers: { authorization: `Bearer ${bob!.token}` },
      });
      expect(whole.status).toBe(200);
      expect(whole.headers.get('accept-ranges')).toBe('bytes');
      const bytes = Buffer.from(await whole.arrayBuffer());
      const file = path.join(recordingsDir, 'downloaded.webm');
      await writeFile(file, bytes);
      const probed = probe(file);
      expect(probed.codecs).toEqual(['opus', 'vp8']);
      expect(Math.abs(probed.duration - recordedSeconds)).toBeLessThan(2);

      // A range: 206 with exactly those bytes.
      const part = await fetch(`${server.url}${done.recordingUrl}`, {
        headers: { authorization: `Bearer ${alice!.token}`, range: 'bytes=100-199' },
      });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes 100-199/${bytes.length}`);
      expect(Buffer.from(await part.arrayBuffer())).toEqual(bytes.subarray(100, 200));
      const past = await fetch(`${server.url}${done.recordingUrl}`, {
        headers: { authorization: `Bearer ${alice!.token}`, range: `bytes=${bytes.length}-` },
      });
      expect(past.status).toBe(416);

      // Not a member of the conversation: refused; no token: 401; a call without recording: 404.
      const refused = await fetch(`${server.url}${done.recordingUrl}`, {
        headers: { authorization: `Bearer ${carol!.token}` },
      });
      expect(refused.status).toBe(403);
      expect((await fetch(`${server.url}${done.recordingUrl}`)).status).toBe(401);
      const plain = await ring(server.url, alice!, duo, [bob!]);
      await callAction(server.url, bob!, plain, 'reject');
      const none = await api(server.url, 'GET', `/api/calls/${plain}/recording`, { token: alice!.token });
      expect(none.status).toBe(404);

      // History shows it.
      const history = await api<{ calls: CallDto[] }>(server.url, 'GET', '/api/calls', { token: bob!.token });
      expect(history.body.calls.find((c) => c.id === callId)).toMatchObject({
        recordingUrl: done.recordingUrl,
        recording: { state: 'ready' },
      });

      // Retention: once the call is older than RECORDING_RETENTION_DAYS the file goes.
      await server.db.query(`UPDATE calls SET ended_at = NOW() - INTERVAL '31 days' WHERE id = $1`, [callId]);
      const expired = await finishedCall(alice!, callId, (c) => c.recording?.state === 'expired');
      expect(expired.recordingUrl).toBeNull();
      expect(existsSync(path.join(recordingsDir, `${callId}.webm`))).toBe(false);
      const gone = await api(server.url, 'GET', `/api/calls/${callId}/recording`, { token: alice!.token });
      expect(gone.status).toBe(404);
    }, 180_000);

    it('refuses to start on a nearly full disk, and stops (not the call) when the disk fills up meanwhile', async () => {
      const [alice, bob] = await people('Alice', 'Bob');
      const callId = await ring(server.url, alice!, await conversationOf(server.url, alice!, [bob!]), [bob!]);
      expect((await answer(server.url, bob!, callId)).status).toBe(200);
      // The backend's own services on the test server's database, with a disk whose free space the test sets.
      const pool = createJanusPool({ urls: [janusA.url, janusB.url], logger: silent });
      await waitFor(() => (pool.healthy().length > 0 ? true : undefined), 15_000, 'a Janus instance');
      const sfu = janusRoomsPort(pool, createJanusRooms({ pool, adminKey, logger: silent }));
      const told: { event: string; payload: unknown }[] = [];
      const notifier: CallNotifier = {
        toUsers: (_users, event, payload) => void told.push({ event, payload }),
        toOtherDevices: () => undefined,
        toDevice: () => undefined,
        callChanged: () => undefined,
      };
      const db = server.db as Db;
      const calls = createCallService(
        db,
        notifier,
        { ringTimeoutSeconds: 45, reconnectGraceSeconds: 30 },
        { sfu },
      );
      let free = 10;
      const recordings = createRecordingService({
        db,
        calls,
        sfu,
        config: { dir: recordingsDir, retentionDays: 30, minFreeBytes: 100 },
        logger: silent,
        freeBytes: async () => free,
      });
      try {
        await expect(recordings.start(alice!.user.id, callId)).rejects.toMatchObject({ code: 'unavailable' });
        // Nothing changed: still peer to peer, not recorded.
        expect(await getCall(server.url, alice!, callId)).toMatchObject({ sfuRoomId: null, recording: null });

        free = 1_000;
        expect((await recordings.start(alice!.user.id, callId)).recording.state).toBe('recording');
        free = 50;
        await recordings.sweep();
        const call = await getCall(server.url, alice!, callId);
        expect(call.status).toBe('active');
        expect(call.recording).toMatchObject({
          state: 'stopped',
          message: expect.stringMatching(/disk space/),
        });
        expect(told.filter((t) => t.event === 'call:recording').map((t) => t.payload)).toEqual([
          { callId, state: 'recording', byUserId: alice!.user.id, message: null },
          { callId, state: 'stopped', byUserId: null, message: call.recording!.message },
        ]);
      } finally {
        await callAction(server.url, alice!, callId, 'end');
        await pool.close();
      }
    }, 60_000);

    it('tells a late joiner before its media flows, and a dying Janus stops the recording, never the call', async () => {
      const [alice, bob, carol, dave] = await people('Alice', 'Bob', 'Carol', 'Dave');
      const group = await conversationOf(server.url, alice!, [bob!, carol!, dave!]);
      const callId = await ring(server.url, alice!, group, [bob!, carol!, dave!]);
      expect((await answer(server.url, bob!, callId)).status).toBe(200);
      const moved = nextEvent(alice!.socket, 'call:topology', (e) => e.callId === callId, 15_000);
      expect((await answer(server.url, carol!, callId)).status).toBe(200);
      const { epoch } = await moved;
      expect((await recording(alice!, callId, 'start')).status).toBe(200);

      // Dave joins while it records: the answer says so, and call:recording reaches him before call:topology.
      const order: string[] = [];
      dave!.socket.on('call:recording', () => order.push('recording'));
      dave!.socket.on('call:topology', () => order.push('topology'));
      const joined = await answer(server.url, dave!, callId);
      expect(joined.body.recording).toMatchObject({ state: 'recording', startedBy: alice!.user.id });
      await waitFor(() => (order.length >= 2 ? true : undefined), 10_000, 'events to Dave');
      expect(order.slice(0, 2)).toEqual(['recording', 'topology']);

      // Two of them send media until the dying instance has video of both on disk.
      await Promise.all([publishing(alice!, callId, epoch), publishing(bob!, callId, epoch)]);
      await waitForRawVideo(callId, 2);

      // The room's Janus dies: the call moves on to the other instance, the recording stops with a message.
      const room = (
        await server.db.query<{ sfu_room_id: string }>('SELECT sfu_room_id FROM calls WHERE id = $1', [
          callId,
        ])
      )[0]!;
      const victim = room.sfu_room_id.startsWith(janusA.url) ? janusA : janusB;
      const stoppedEvent = nextEvent(bob!.socket, 'call:recording', (e) => e.callId === callId, 30_000);
      await victim.kill();
      expect(await stoppedEvent).toMatchObject({
        state: 'stopped',
        byUserId: null,
        message: expect.stringMatching(/media server failed/),
      });
      const after = await getCall(server.url, alice!, callId);
      expect(after.status).toBe('active');
      expect(after.sfuRoomId).not.toBe(String(epoch));
      expect(after.recording).toMatchObject({
        state: 'stopped',
        message: expect.stringMatching(/call goes on/),
      });

      // What the dead instance wrote until then still becomes a playable file once the call is over.
      for (const m of [alice!, bob!, carol!, dave!]) await callAction(server.url, m, callId, 'end');
      const done = await finishedCall(alice!, callId, (c) =>
        ['ready', 'failed'].includes(c.recording?.state ?? ''),
      );
      expect(done.recording?.state).toBe('ready');
      const file = path.join(recordingsDir, `${callId}.webm`);
      // One mixed audio stream, one video: Alice and Bob side by side (two 480-pixel tiles).
      expect(probe(file)).toMatchObject({ codecs: ['opus', 'vp8'], width: 960 });
    }, 120_000);
  },
);
