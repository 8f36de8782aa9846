/**
 * What recording a call costs on the media server: the same call measured again with Janus recording every
 * publisher (started through the backend's REST route, as the app does), Janus CPU beside the window
 * without recording, and the raw bytes Janus wrote per minute of call.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { RecordingResponse } from '../../src/shared/protocol/index.ts';
import { request, type Account } from '../signaling/backendApi.ts';
import type { ClientProcesses } from './clientProcesses.ts';
import { measureWindow, type ProcessUsage } from './measure.ts';

export interface RecordingCost {
  janusCpuPercentOfOneCore: { off: number | null; on: number | null };
  diskBytesPerMinute: number;
}

async function bytesUnder(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const sizes = await Promise.all(
    entries.filter((e) => e.isFile()).map((e) => stat(join(e.parentPath, e.name)).then((s) => s.size)),
  );
  return sizes.reduce((sum, size) => sum + size, 0);
}

export async function measureRecordingCost(args: {
  url: string;
  caller: Account;
  callId: string;
  recordingsDir: string;
  clients: ClientProcesses;
  janusPid: number;
  withoutRecording: readonly ProcessUsage[];
  settleSeconds: number;
  windowSeconds: number;
}): Promise<RecordingCost> {
  const { url, caller, callId } = args;
  await request(url, 'POST', `/api/calls/${callId}/recording/start`, RecordingResponse, {
    token: caller.token,
    body: {},
  });
  await delay(args.settleSeconds * 1000);
  const rawDir = join(args.recordingsDir, 'raw', callId);
  const before = await bytesUnder(rawDir);
  const window = await measureWindow(
    args.clients,
    [{ name: 'janus', pid: args.janusPid }],
    args.windowSeconds,
  );
  const written = (await bytesUnder(rawDir)) - before;
  await request(url, 'POST', `/api/calls/${callId}/recording/stop`, RecordingResponse, {
    token: caller.token,
    body: {},
  });
  // The bench measures recording, not post-processing: without raw tracks the end of the call is quick.
  await rm(rawDir, { recursive: true, force: true });
  const cpu = (usage: readonly ProcessUsage[]) =>
    usage.find((p) => p.name === 'janus')?.cpuPercentOfOneCore ?? null;
  return {
    janusCpuPercentOfOneCore: { off: cpu(args.withoutRecording), on: cpu(window.processes) },
    diskBytesPerMinute: Math.round((written / args.windowSeconds) * 60),
  };
}
