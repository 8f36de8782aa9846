/**
 * The baseline: `participants` synthetic clients in a full mesh. Signaling goes through the signaling
 * bench's bare relay (bench/signaling/bareRelay.ts), not the backend: since group calls move to the SFU at
 * the third participant, the backend no longer carries a mesh of six. The media, which is what this compares,
 * is the same peer-to-peer media the app's mesh sends (one connection per peer, one camera encode each).
 *
 * Clients join one after the other; a joiner announces itself to everyone present (`bare:answer` ->
 * `call:participant-joined`), then each pair's non-polite side offers.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { spawnNodeServer } from '../../backend/scripts/backendProcess.ts';
import { ClientProcesses } from './clientProcesses.ts';
import { measureWindow, summarize, waitForFirstFrames, type ScenarioResult } from './measure.ts';
import type { VideoFormat } from '../../e2e/spec-client/syntheticMedia.ts';

export interface ScenarioOptions {
  participants: number;
  /** The synthetic cameras (the frame rate also sets the decoded-frames health check). */
  format: VideoFormat;
  /** Synthetic clients per client process (clientWorker.ts). */
  clientsPerProcess: number;
  joinIntervalMs: number;
  settleSeconds: number;
  windowSeconds: number;
  firstFrameTimeoutMs: number;
  log: (line: string) => void;
}

const BARE_RELAY = new URL('../signaling/bareRelay.ts', import.meta.url).pathname;

export async function runMeshScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const relay = await spawnNodeServer(BARE_RELAY, {}, (line) => {
    const port = /^listening (\d+)$/.exec(line)?.[1];
    return port === undefined ? null : Number(port);
  });
  let clients: ClientProcesses | null = null;
  try {
    const callId = randomUUID();
    const userIds = Array.from({ length: options.participants }, () => randomUUID());
    clients = await ClientProcesses.start(
      Math.ceil(options.participants / options.clientsPerProcess),
      { topology: 'mesh', url: relay.url, format: options.format, simulcast: false, visible: 0 },
      userIds.map((userId, index) => ({ index, userId })),
    );
    options.log(
      `mesh: ${options.participants} clients in ${clients.count} processes (${clients.pids.join(', ')})`,
    );
    await clients.all({ type: 'attach', callId });

    for (let i = 0; i < userIds.length; i++) {
      if (i > 0) await delay(options.joinIntervalMs);
      await clients.to(i, { type: 'join', index: i, answer: false, present: userIds.slice(0, i) });
    }
    await waitForFirstFrames(clients, options.firstFrameTimeoutMs);
    options.log(
      `mesh: ${userIds.length} joined; settling ${options.settleSeconds} s, measuring ${options.windowSeconds} s`,
    );
    await delay(options.settleSeconds * 1000);
    const window = await measureWindow(clients, [], options.windowSeconds);
    const times = await waitForFirstFrames(clients, 0);
    return summarize({
      topology: 'mesh',
      times,
      timedFrom: 1,
      measuredFor: 'every joiner after the first (joining a call with media already flowing)',
      expectedDecodedFps: (options.participants - 1) * options.format.fps,
      window,
      windowSeconds: options.windowSeconds,
      errors: clients.errors,
    });
  } finally {
    await clients?.close();
    await relay.stop();
  }
}
