/**
 * The measurement shared by the mesh and SFU scenarios: once every client is up, a settling pause, then a
 * window over which each client's bytes and layers (taken inside the client processes), the media server's
 * CPU, the client processes' CPU and the host's UDP drops are measured; plus the join-to-first-frame times
 * collected while the clients joined.
 */
import { loadavg } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { percentile, median, round } from '../signaling/stats.ts';
import type { ClientProcesses } from './clientProcesses.ts';
import type { WindowStats } from './mediaStats.ts';
import { cpuMark, cpuPercentOfOneCore, hostCpuMark, rssBytes } from './processStats.ts';
import { udpCounters, udpDelta, type UdpCounters } from './udpStats.ts';
import type { ClientTimes } from './workerProtocol.ts';

export interface WatchedProcess {
  name: string;
  pid: number;
}

export interface ProcessUsage {
  name: string;
  cpuPercentOfOneCore: number;
  rssBytes: number;
}

export interface ClientResult extends WindowStats {
  index: number;
  joinToFirstFrameMs: number | null;
}

export interface ScenarioMedians {
  uploadKbps: number | null;
  downloadKbps: number | null;
  videoStreams: number | null;
  videoLayers: number | null;
  decodedFps: number | null;
}

export interface ScenarioResult {
  topology: 'mesh' | 'sfu';
  participants: number;
  windowSeconds: number;
  medians: ScenarioMedians;
  /** Clients with a connection that was not 'connected' at the end of the window. */
  clientsWithUnconnectedPeers: number;
  /** Remote frames per second each client would decode if nothing were dropped (visible videos x fps). */
  expectedDecodedFps: number;
  joinToFirstFrame: {
    measuredFor: string;
    count: number;
    missing: number;
    p50Ms: number | null;
    p95Ms: number | null;
  };
  processes: ProcessUsage[];
  clientProcesses: {
    count: number;
    /** CPU of all client processes together (encoding, decoding, signaling), % of one core. */
    cpuPercentOfOneCore: number;
    /**
     * Worst event-loop delay over the window (p99 of each process, ms): the synthetic clients' health. Hundreds
     * of ms mean the clients were starved (frames fed late, signaling answered late) and the figures suffer.
     */
    eventLoopDelayP99Ms: number;
    rssBytes: number;
  };
  /** Host-wide UDP datagrams received and dropped for a full receive buffer over the window (udpStats.ts). */
  udp: UdpCounters | null;
  /**
   * 1-minute load average before, at most during, and after the window. It counts the bench's own runnable
   * threads too, so it rises with the run itself; `otherCpuPercentOfOneCore` is the better gauge of other jobs.
   */
  loadAverage1m: { before: number; maxDuring: number; after: number };
  /**
   * Busy CPU of the whole host over the window, and what is left after Janus, the backend and the client
   * processes: other jobs plus the kernel's packet processing (% of one core; this host has 2 cores = 200%).
   */
  hostCpuPercentOfOneCore: number;
  otherCpuPercentOfOneCore: number;
  errors: { count: number; first: string[] };
  clients: ClientResult[];
  extra: Record<string, unknown>;
}

export interface MeasuredWindow {
  stats: Array<WindowStats & { index: number }>;
  processes: ProcessUsage[];
  clientProcesses: ScenarioResult['clientProcesses'];
  droppedAudioFrames: number;
  udp: UdpCounters | null;
  load: { before: number; maxDuring: number };
  hostCpuPercentOfOneCore: number;
}

/** How often the load average is sampled during the window. */
const LOAD_SAMPLE_MS = 2_000;

export async function measureWindow(
  clients: ClientProcesses,
  processes: readonly WatchedProcess[],
  windowSeconds: number,
): Promise<MeasuredWindow> {
  const loadBefore = loadavg()[0]!;
  let maxLoad = loadBefore;
  const udpBefore = udpCounters();
  const cpuBefore = processes.map((p) => cpuMark(p.pid));
  const hostBefore = hostCpuMark();
  await clients.all({ type: 'window-start' });
  const sampler = setInterval(() => (maxLoad = Math.max(maxLoad, loadavg()[0]!)), LOAD_SAMPLE_MS);
  await delay(windowSeconds * 1000);
  clearInterval(sampler);
  const cpuAfter = processes.map((p) => cpuMark(p.pid));
  const hostAfter = hostCpuMark();
  const udpAfter = udpCounters();
  const workers = await clients.all({ type: 'window-end' });
  maxLoad = Math.max(maxLoad, loadavg()[0]!);
  return {
    stats: workers.flatMap((w) => w.stats).sort((a, b) => a.index - b.index),
    processes: processes.map((p, i) => ({
      name: p.name,
      cpuPercentOfOneCore: cpuPercentOfOneCore(cpuBefore[i]!, cpuAfter[i]!),
      rssBytes: rssBytes(p.pid),
    })),
    clientProcesses: {
      count: workers.length,
      cpuPercentOfOneCore: round(
        workers.reduce((sum, w) => sum + w.cpuPercentOfOneCore, 0),
        1,
      )!,
      eventLoopDelayP99Ms: Math.max(...workers.map((w) => w.eventLoopDelayP99Ms)),
      rssBytes: workers.reduce((sum, w) => sum + w.rssBytes, 0),
    },
    droppedAudioFrames: workers.reduce((sum, w) => sum + w.droppedAudioFrames, 0),
    udp: udpDelta(udpBefore, udpAfter),
    load: { before: round(loadBefore)!, maxDuring: round(maxLoad)! },
    hostCpuPercentOfOneCore: cpuPercentOfOneCore(hostBefore, hostAfter),
  };
}

/** Waits until every client decoded a remote frame, or `timeoutMs` passed; the clients' times by index. */
export async function waitForFirstFrames(
  clients: ClientProcesses,
  timeoutMs: number,
): Promise<ClientTimes[]> {
  const replies = await clients.all({ type: 'first-frames', timeoutMs });
  return replies.flat().sort((a, b) => a.index - b.index);
}

export function joinToFirstFrameMs(times: ClientTimes): number | null {
  const { joinedAt, firstFrameAt } = times;
  return joinedAt === null || firstFrameAt === null ? null : Math.round(firstFrameAt - joinedAt);
}

export function summarize(args: {
  topology: 'mesh' | 'sfu';
  times: readonly ClientTimes[];
  /** Which clients' join times count (those joining a call whose media is already up). */
  timedFrom: number;
  measuredFor: string;
  expectedDecodedFps: number;
  window: MeasuredWindow;
  windowSeconds: number;
  errors: readonly string[];
  extra?: Record<string, unknown>;
}): ScenarioResult {
  const { times, window } = args;
  const results: ClientResult[] = window.stats.map((stats) => ({
    ...stats,
    joinToFirstFrameMs: joinToFirstFrameMs(times.find((t) => t.index === stats.index)!),
  }));
  const of = (pick: (s: WindowStats) => number) => median(window.stats.map(pick));
  const timed = results.filter((r) => r.index >= args.timedFrom).map((r) => r.joinToFirstFrameMs);
  const samples = timed.filter((ms): ms is number => ms !== null);
  return {
    topology: args.topology,
    participants: times.length,
    windowSeconds: args.windowSeconds,
    medians: {
      uploadKbps: of((s) => s.uploadKbps),
      downloadKbps: of((s) => s.downloadKbps),
      videoStreams: of((s) => s.videoStreams),
      videoLayers: of((s) => s.videoLayers),
      decodedFps: of((s) => s.decodedFps),
    },
    expectedDecodedFps: args.expectedDecodedFps,
    clientsWithUnconnectedPeers: window.stats.filter((s) => s.unconnected > 0).length,
    joinToFirstFrame: {
      measuredFor: args.measuredFor,
      count: samples.length,
      missing: timed.length - samples.length,
      p50Ms: percentile(samples, 50),
      p95Ms: percentile(samples, 95),
    },
    processes: window.processes,
    clientProcesses: window.clientProcesses,
    udp: window.udp,
    loadAverage1m: { ...window.load, after: round(loadavg()[0]!)! },
    hostCpuPercentOfOneCore: window.hostCpuPercentOfOneCore,
    otherCpuPercentOfOneCore: round(
      window.hostCpuPercentOfOneCore -
        window.clientProcesses.cpuPercentOfOneCore -
        window.processes.reduce((sum, p) => sum + p.cpuPercentOfOneCore, 0),
      1,
    )!,
    errors: { count: args.errors.length, first: args.errors.slice(0, 5) },
    clients: results,
    extra: { audioFramesSkippedByStarvedClocks: window.droppedAudioFrames, ...args.extra },
  };
}
