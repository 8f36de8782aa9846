/**
 * `participants` synthetic clients in one group call on the SFU, end to end: a real Janus (started like the
 * backend tests start it, backend/test/support/janus.ts) and the real backend (`node backend/src/server.ts`
 * with JANUS_URLS / JANUS_ADMIN_KEY), accounts and a group conversation over REST, authenticated sockets.
 *
 * The caller initiates, two callees answer (the third participant moves the call to the SFU), then the
 * others answer one every `joinIntervalMs`: each of those joins a call already on the SFU, which is what
 * the join-to-first-frame time measures. The first three only start media on the move to the SFU (these
 * clients do no mesh phase), so their times are reported apart as "move to the SFU".
 *
 * The clients live in client processes (clientProcesses.ts); each joiner answers from its own process, so its
 * join and first frame are timed on the same clock.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { spawnBackend, type ServerProcess } from '../../backend/scripts/backendProcess.ts';
import { startJanus, type RunningJanus } from '../../backend/test/support/janus.ts';
import {
  ConversationResponse,
  EndCallResponse,
  InitiateCallResponse,
} from '../../src/shared/protocol/index.ts';
import { registerAccount, request, type Account } from '../signaling/backendApi.ts';
import { mapConcurrent } from '../signaling/pool.ts';
import { percentile } from '../signaling/stats.ts';
import { ClientProcesses } from './clientProcesses.ts';
import { measureRecordingCost } from './recordingCost.ts';
import {
  joinToFirstFrameMs,
  measureWindow,
  summarize,
  waitForFirstFrames,
  type ScenarioResult,
} from './measure.ts';
import type { ScenarioOptions } from './meshScenario.ts';

export interface SfuScenarioOptions extends ScenarioOptions {
  simulcast: boolean;
  visible: number;
  workDir: string;
}

/** The participant whose answer moves the call to the SFU (the third). */
const SWITCHING_JOINER = 2;

export async function runSfuScenario(options: SfuScenarioOptions): Promise<ScenarioResult> {
  let janus: RunningJanus | null = null;
  let backend: ServerProcess | null = null;
  let clients: ClientProcesses | null = null;
  let callId: string | null = null;
  let accounts: Account[] = [];
  try {
    janus = await startJanus({ debugLevel: 2 });
    backend = await spawnBackend(backendEnv(options.workDir, janus));
    const url = backend.url;
    options.log(`sfu: Janus pid ${janus.pid} on ${janus.url}, backend pid ${backend.pid} on ${url}`);

    accounts = await mapConcurrent(
      Array.from({ length: options.participants }, (_, i) => i),
      8,
      (i) => registerAccount(url, `group${i}`),
    );
    const [caller, ...callees] = accounts;
    const { conversation } = await request(url, 'POST', '/api/conversations', ConversationResponse, {
      token: caller!.token,
      body: { memberIds: callees.map((a) => a.userId), title: 'bench group' },
    });
    // Every socket is connected before the call exists, so each client hears its own call:topology.
    clients = await ClientProcesses.start(
      Math.ceil(options.participants / options.clientsPerProcess),
      {
        topology: 'sfu',
        url,
        format: options.format,
        simulcast: options.simulcast,
        visible: options.visible,
      },
      accounts.map((a, index) => ({ index, userId: a.userId, token: a.token, deviceId: a.deviceId })),
    );
    options.log(
      `sfu: ${options.participants} clients in ${clients.count} processes (${clients.pids.join(', ')})`,
    );

    ({ callId } = await request(url, 'POST', '/api/calls/initiate', InitiateCallResponse, {
      token: caller!.token,
      body: { conversationId: conversation.id, type: 'video', deviceId: caller!.deviceId },
    }));
    await clients.all({ type: 'attach', callId });
    const joinCall = (i: number) => clients!.to(i, { type: 'join', index: i, answer: i > 0, present: [] });
    for (let i = 0; i <= SWITCHING_JOINER; i++) await joinCall(i);
    const movedTimes = (await waitForFirstFrames(clients, options.firstFrameTimeoutMs)).slice(
      0,
      SWITCHING_JOINER + 1,
    );
    const switchStart = movedTimes[SWITCHING_JOINER]!.joinedAt!;
    const moveMs = movedTimes
      .map((t) => t.firstFrameAt)
      .filter((at): at is number => at !== null)
      .map((at) => Math.round(at - switchStart));
    options.log(
      `sfu: call moved to the SFU; first SFU frame at the first ${movedTimes.length} after the third answer: ` +
        `${moveMs.join(', ')} ms` +
        (movedTimes.some((t) => t.topologyAt === null) ? ' (some got no call:topology!)' : ''),
    );

    for (let i = SWITCHING_JOINER + 1; i < options.participants; i++) {
      await delay(options.joinIntervalMs);
      await joinCall(i);
    }
    const joined = await waitForFirstFrames(clients, options.firstFrameTimeoutMs);
    const late = joined.filter((t) => t.firstFrameAt === null).length;
    options.log(
      `sfu: ${joined.length} joined${late > 0 ? `, ${late} WITHOUT a remote frame` : ''}; ` +
        `settling ${options.settleSeconds} s, measuring ${options.windowSeconds} s`,
    );
    await delay(options.settleSeconds * 1000);
    const window = await measureWindow(
      clients,
      [
        { name: 'janus', pid: janus.pid },
        { name: 'backend', pid: backend.pid },
      ],
      options.windowSeconds,
    );
    if (clients.errors.length > 0 || window.stats.some((s) => s.unconnected > 0)) {
      // The backend's own account of what went wrong (warnings and errors only reach its log).
      const problems = backend
        .logTail()
        .split('\n')
        .filter((line) => /"level":(40|50|60)/.test(line))
        .slice(-8);
      for (const line of problems) options.log(`sfu: backend log: ${line.slice(0, 400)}`);
    }
    const recording = await measureRecordingCost({
      url,
      caller: caller!,
      callId,
      recordingsDir: recordingsDirOf(options.workDir),
      clients,
      janusPid: janus.pid,
      withoutRecording: window.processes,
      settleSeconds: options.settleSeconds,
      windowSeconds: options.windowSeconds,
    });
    options.log(
      `sfu: recording on: Janus ${recording.janusCpuPercentOfOneCore.on}% of one core ` +
        `(off: ${recording.janusCpuPercentOfOneCore.off}%), ${(recording.diskBytesPerMinute / 1024 ** 2).toFixed(1)} MiB ` +
        'written per minute of call',
    );
    const times = await waitForFirstFrames(clients, 0);
    const publishMs = times
      .slice(SWITCHING_JOINER + 1)
      .map((t) => (t.publishedAt === null || t.joinedAt === null ? null : t.publishedAt - t.joinedAt))
      .filter((ms): ms is number => ms !== null);
    return summarize({
      topology: 'sfu',
      times,
      timedFrom: SWITCHING_JOINER + 1,
      measuredFor: `joiners ${SWITCHING_JOINER + 2}-${options.participants} (joining a call already on the SFU)`,
      expectedDecodedFps: Math.min(options.visible, options.participants - 1) * options.format.fps,
      window,
      windowSeconds: options.windowSeconds,
      errors: clients.errors,
      extra: {
        resubscriptions: times.reduce((sum, t) => sum + t.resubscriptions, 0),
        simulcast: options.simulcast,
        visibleTiles: options.visible,
        moveToSfuFirstFrameMs: moveMs,
        joinToPublishAckP50Ms: round0(percentile(publishMs, 50)),
        firstThreeJoinToFirstFrameMs: movedTimes.map(joinToFirstFrameMs),
        recording,
      },
    });
  } finally {
    if (callId !== null && backend !== null) {
      const url = backend.url;
      // Leave like the app does, so the backend tears the room down through its normal path.
      await Promise.all(
        accounts.map((a) =>
          request(url, 'POST', `/api/calls/${callId}/end`, EndCallResponse, { token: a.token }).catch(
            () => null,
          ),
        ),
      );
    }
    await clients?.close();
    await backend?.stop();
    await janus?.stop();
  }
}

function backendEnv(workDir: string, janus: RunningJanus): Record<string, string> {
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: join(workDir, 'sfu-backend'),
    JWT_SECRET: randomBytes(32).toString('hex'),
    // The `listening` line spawnBackend waits for is logged at info.
    LOG_LEVEL: 'info',
    RATE_LIMIT_MULTIPLIER: '1000',
    SCRYPT_LOG2_COST: '10',
    // Twenty joiners one by one take longer than the default 45 s ring: nobody may be marked missed.
    CALL_RING_TIMEOUT_SECONDS: '600',
    JANUS_URLS: janus.url,
    JANUS_ADMIN_KEY: janus.adminKey,
    RECORDINGS_DIR: recordingsDirOf(workDir),
    RECORDING_MIN_FREE_MB: '100',
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
  };
}

const recordingsDirOf = (workDir: string) => join(workDir, 'sfu-recordings');

function round0(value: number | null): number | null {
  return value === null ? null : Math.round(value);
}
