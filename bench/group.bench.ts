/**
 * npm run bench:group [-- --sfu 20 --mesh 6 --width 960 --height 540 --fps 10 --seconds 20 --settle 5
 *                        --join-interval-ms 2000 --visible 9 --clients-per-process 4 --wait-quiet 3
 *                        --no-simulcast --only sfu|mesh]
 *
 * Group calls with synthetic media clients (@roamhq/wrtc in client processes, `--clients-per-process` each:
 * generated camera frames and microphone audio, real encoders, real ICE/DTLS/SRTP), in the same run:
 * - SFU: `--sfu` participants in one call through the real backend and a real Janus VideoRoom it starts,
 *   each publishing audio + camera once (simulcast h/m/l) and subscribing to the others through one
 *   connection, watching a grid of `--visible` tiles (first camera high, the rest of the page low, others off);
 * - mesh (the baseline): `--mesh` participants, each sending to every other one on its own connection.
 * Per topology: video streams and simulcast layers each client uploads (outbound-rtp encodings with bytes
 * flowing), upload/download bitrate per client (median, transport bytes), Janus CPU (/proc, % of one core)
 * and RSS, and time from joining (answer) to the first decoded remote frame (median, p95). Health of the
 * clients (connections, decoded frames, event-loop delay, the host's UDP receive-buffer drops, load average)
 * decides whether a goal counts as measured.
 * `--wait-quiet L` first waits (polling every 30 s, at most 30 min) until the 1-minute load average is below L.
 * Results: bench/results/group-*.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readIntegerOptions } from './integerOptions.ts';
import { setTimeout as delay } from 'node:timers/promises';
import type { ScenarioResult } from './group/measure.ts';
import { runMeshScenario, type ScenarioOptions } from './group/meshScenario.ts';
import { runSfuScenario } from './group/sfuScenario.ts';
import { raiseReceiveBuffers } from './group/udpStats.ts';
import { round } from './signaling/stats.ts';

const GOAL_SFU_PARTICIPANTS = 20;
const GOAL_SIMULCAST_LAYERS = 3;
const GOAL_JANUS_CPU_PERCENT = 100;
const MIB = 1024 ** 2;
/** Share of the sent remote frames a client must decode for the run to count as healthy. */
const MIN_DECODED_SHARE = 0.5;
/** Receive-buffer limits asked for while the bench runs (udpStats.ts): room for bursts of many streams. */
const RECEIVE_BUFFER_BYTES = 4 * MIB;
const QUIET_POLL_MS = 30_000;
const QUIET_MAX_WAIT_MS = 30 * 60_000;

interface Options {
  sfu: number;
  mesh: number;
  width: number;
  height: number;
  fps: number;
  seconds: number;
  settle: number;
  joinIntervalMs: number;
  visible: number;
  clientsPerProcess: number;
  /** Wait until the 1-minute load average is below this before starting (0: do not wait). */
  waitQuiet: number;
  simulcast: boolean;
  only: 'sfu' | 'mesh' | null;
}

const options = parseOptions();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
await waitForQuiet();
const workDir = await mkdtemp(join(tmpdir(), 'callbridge-bench-group-'));
const loadAtStart = loadavg();
const receiveBuffers = raiseReceiveBuffers(RECEIVE_BUFFER_BYTES);
process.once('exit', () => receiveBuffers.restore());

try {
  await main();
} catch (error) {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
} finally {
  receiveBuffers.restore();
  await rm(workDir, { recursive: true, force: true });
}
process.exit(process.exitCode ?? 0);

async function main(): Promise<void> {
  const { width, height, fps } = options;
  log(
    `group bench: SFU ${options.sfu} / mesh ${options.mesh} synthetic clients, ${width}x${height} at ${fps} fps, ` +
      `simulcast ${options.simulcast ? 'h/m/l' : 'OFF (single layer)'}, ${options.visible} visible tiles, ` +
      `${options.clientsPerProcess} clients per process; node ${process.version}, ${availableParallelism()} cpus ` +
      `(${cpus()[0]?.model ?? '?'}), load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}; ` +
      `UDP receive buffers (rmem_max/rmem_default) ${receiveBuffers.maxBytes}/${receiveBuffers.defaultBytes} ` +
      `bytes, ${receiveBuffers.note}`,
  );
  const common: Omit<ScenarioOptions, 'participants'> = {
    format: { width, height, fps },
    clientsPerProcess: options.clientsPerProcess,
    joinIntervalMs: options.joinIntervalMs,
    settleSeconds: options.settle,
    windowSeconds: options.seconds,
    firstFrameTimeoutMs: 30_000,
    log,
  };

  // Mesh first: the smaller load, and the baseline the SFU figures are read against.
  const mesh =
    options.only === 'sfu' ? null : await runMeshScenario({ ...common, participants: options.mesh });
  if (mesh) printScenario(mesh);
  const sfu =
    options.only === 'mesh'
      ? null
      : await runSfuScenario({
          ...common,
          participants: options.sfu,
          simulcast: options.simulcast,
          visible: options.visible,
          workDir,
        });
  if (sfu) printScenario(sfu);

  const goals = evaluateGoals(sfu, mesh);
  for (const line of goals.lines) log(line);
  const file = await writeResults({ sfu, mesh, goals: goals.results });
  log(`results: ${file}`);
  if ((sfu?.errors.count ?? 0) + (mesh?.errors.count ?? 0) > 0) process.exitCode = 1;
}

function printScenario(r: ScenarioResult): void {
  const name = `${r.topology === 'sfu' ? 'SFU' : 'mesh'}(${r.participants})`;
  const m = r.medians;
  const servers = r.processes
    .map((p) => `${p.name} CPU ${p.cpuPercentOfOneCore}% of one core, RSS ${mib(p.rssBytes)}`)
    .join('; ');
  const layers = layerSummary(r);
  log(
    `${name}: per client (median) ${m.videoStreams} video stream(s) up with ${m.videoLayers} layer(s) flowing` +
      `${layers ? ` [${layers}]` : ''}; up ${m.uploadKbps} kbps, down ${m.downloadKbps} kbps; ` +
      `${m.decodedFps} remote frames decoded/s of ${r.expectedDecodedFps} sent` +
      (r.clientsWithUnconnectedPeers > 0
        ? `; ${r.clientsWithUnconnectedPeers} clients had a connection DOWN`
        : ''),
  );
  log(`${name}: remote videos received per client (mean over clients): ${receivedSummary(r)}`);
  log(
    `${name}: join -> first decoded remote frame p50 ${r.joinToFirstFrame.p50Ms} ms, p95 ` +
      `${r.joinToFirstFrame.p95Ms} ms (${r.joinToFirstFrame.count} ${r.joinToFirstFrame.measuredFor}` +
      `${r.joinToFirstFrame.missing > 0 ? `; ${r.joinToFirstFrame.missing} got NO frame` : ''})`,
  );
  log(
    `${name}: ${servers ? `${servers}; ` : ''}clients (${r.clientProcesses.count} processes) CPU ` +
      `${r.clientProcesses.cpuPercentOfOneCore}% of one core, RSS ${mib(r.clientProcesses.rssBytes)}, worst ` +
      `event-loop delay p99 ${r.clientProcesses.eventLoopDelayP99Ms} ms; host UDP ` +
      (r.udp
        ? `${r.udp.datagramsReceived} datagrams received, ${r.udp.receiveBufferErrors} dropped (receive buffer full)`
        : 'counters unavailable') +
      `; host CPU ${r.hostCpuPercentOfOneCore}% of one core (${r.otherCpuPercentOfOneCore}% other jobs + kernel); ` +
      `load average (1 min) ${r.loadAverage1m.before} before, max ${r.loadAverage1m.maxDuring} during, ` +
      `${r.loadAverage1m.after} after the window` +
      (r.errors.count > 0 ? `; ${r.errors.count} ERRORS (first: ${r.errors.first[0]})` : ''),
  );
}

/** The most common set of flowing layers, e.g. "h 960x540 610 kbps, m 480x270 ..." (medians per rid). */
function layerSummary(r: ScenarioResult): string {
  const byRid = new Map<string, { kbps: number[]; size: string; limits: string[] }>();
  for (const client of r.clients) {
    for (const layer of client.layers) {
      const key = layer.rid ?? '-';
      const entry = byRid.get(key) ?? { kbps: [], size: '', limits: [] };
      entry.kbps.push(layer.kbps);
      entry.size = `${layer.width ?? '?'}x${layer.height ?? '?'}`;
      if (layer.qualityLimitationReason && layer.qualityLimitationReason !== 'none') {
        entry.limits.push(layer.qualityLimitationReason);
      }
      byRid.set(key, entry);
    }
  }
  if (r.topology === 'mesh') return '';
  return [...byRid]
    .map(([rid, e]) => {
      const sorted = [...e.kbps].sort((a, b) => a - b);
      const limited =
        e.limits.length > 0 ? `, ${e.limits.length}x limited by ${[...new Set(e.limits)].join('/')}` : '';
      return `${rid} ${e.size} ${sorted[Math.floor(sorted.length / 2)]} kbps on ${e.kbps.length} clients${limited}`;
    })
    .join('; ');
}

/** E.g. "1 at 960x540 (~905 kbps), 6 at 240x135 (~80 kbps)": which layers the tiles actually get. */
function receivedSummary(r: ScenarioResult): string {
  const bySize = new Map<string, number[]>();
  for (const client of r.clients) {
    for (const video of client.received) {
      const size = `${video.width ?? '?'}x${video.height ?? '?'}`;
      bySize.set(size, [...(bySize.get(size) ?? []), video.kbps]);
    }
  }
  const clients = Math.max(1, r.clients.length);
  const summary = [...bySize]
    .sort(([, a], [, b]) => b.length - a.length)
    .map(([size, kbps]) => {
      const mean = Math.round(kbps.reduce((sum, k) => sum + k, 0) / kbps.length);
      return `${round(kbps.length / clients, 1)} at ${size} (~${mean} kbps)`;
    });
  return summary.length > 0 ? summary.join(', ') : 'none';
}

function evaluateGoals(sfu: ScenarioResult | null, mesh: ScenarioResult | null) {
  const lines: string[] = [];
  const results: Record<string, unknown> = {};
  if (sfu && mesh) {
    const streamsMeasured = clientsKeptUp(sfu) && clientsKeptUp(mesh);
    const streamsMet =
      streamsMeasured &&
      sfu.medians.videoStreams === 1 &&
      sfu.medians.videoLayers === GOAL_SIMULCAST_LAYERS &&
      mesh.medians.videoStreams === mesh.participants - 1;
    results.oneUploadedStream = {
      met: streamsMet,
      measured: streamsMeasured,
      sfuStreams: sfu.medians.videoStreams,
      sfuLayers: sfu.medians.videoLayers,
      meshStreams: mesh.medians.videoStreams,
    };
    lines.push(
      `goal: one uploaded video stream per client (${GOAL_SIMULCAST_LAYERS} simulcast layers) vs N-1 in mesh: ` +
        `SFU ${sfu.medians.videoStreams} stream (${sfu.medians.videoLayers} layers), mesh(${mesh.participants}) ` +
        `${mesh.medians.videoStreams} streams: ` +
        (streamsMeasured ? (streamsMet ? 'MET' : 'MISSED') : 'NOT MEASURED (clients could not keep up)') +
        (options.simulcast ? '' : ' (simulcast was OFF: single layer published)'),
    );
    const ratio = (a: number | null, b: number | null) => (a === null || !b ? null : round(a / b));
    results.ratios = {
      uploadSfuOverMesh: ratio(sfu.medians.uploadKbps, mesh.medians.uploadKbps),
      downloadSfuOverMesh: ratio(sfu.medians.downloadKbps, mesh.medians.downloadKbps),
    };
    lines.push(
      `upload per client SFU(${sfu.participants})/mesh(${mesh.participants}) = ` +
        `${ratio(sfu.medians.uploadKbps, mesh.medians.uploadKbps)}; download ` +
        `${ratio(sfu.medians.downloadKbps, mesh.medians.downloadKbps)}`,
    );
  }
  if (sfu) {
    const janus = sfu.processes.find((p) => p.name === 'janus');
    const healthy = clientsKeptUp(sfu);
    const met =
      janus !== undefined &&
      healthy &&
      sfu.participants >= GOAL_SFU_PARTICIPANTS &&
      janus.cpuPercentOfOneCore < GOAL_JANUS_CPU_PERCENT;
    results.janusUnderOneCore = {
      met,
      measured: healthy,
      cpuPercentOfOneCore: janus?.cpuPercentOfOneCore ?? null,
    };
    lines.push(
      `goal: Janus under one core at ${GOAL_SFU_PARTICIPANTS} participants: ${janus?.cpuPercentOfOneCore}% ` +
        `of one core with ${sfu.participants}: ` +
        (!healthy
          ? 'NOT MEASURED (the synthetic clients could not keep up, see above)'
          : sfu.participants < GOAL_SFU_PARTICIPANTS
            ? `NOT MEASURED at ${GOAL_SFU_PARTICIPANTS} (only ${sfu.participants} participants ran)`
            : met
              ? 'MET'
              : 'MISSED'),
    );
  }
  return { lines, results };
}

/**
 * A run whose clients were starved (connections down, most frames never decoded, joins without a frame)
 * measures this machine, not the topology: its goals are reported as not measured.
 */
function clientsKeptUp(r: ScenarioResult): boolean {
  return (
    r.clientsWithUnconnectedPeers === 0 &&
    r.joinToFirstFrame.missing === 0 &&
    (r.medians.decodedFps ?? 0) >= r.expectedDecodedFps * MIN_DECODED_SHARE
  );
}

async function writeResults(results: Record<string, unknown>): Promise<string> {
  const dir = new URL('./results/', import.meta.url).pathname;
  await mkdir(dir, { recursive: true });
  const file = join(dir, `group-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const machine = {
    node: process.version,
    cpus: availableParallelism(),
    totalMemBytes: totalmem(),
    loadAverageAtStart: loadAtStart,
    receiveBuffers: {
      rmemMaxBytes: receiveBuffers.maxBytes,
      rmemDefaultBytes: receiveBuffers.defaultBytes,
      note: receiveBuffers.note,
    },
    loadAverageAtEnd: loadavg(),
  };
  await writeFile(file, JSON.stringify({ benchmark: 'group', options, machine, ...results }, null, 2) + '\n');
  return file;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      sfu: { type: 'string', default: '20' },
      mesh: { type: 'string', default: '6' },
      width: { type: 'string', default: '960' },
      height: { type: 'string', default: '540' },
      fps: { type: 'string', default: '10' },
      seconds: { type: 'string', default: '20' },
      settle: { type: 'string', default: '5' },
      'join-interval-ms': { type: 'string', default: '2000' },
      visible: { type: 'string', default: '9' },
      'clients-per-process': { type: 'string', default: '4' },
      'wait-quiet': { type: 'string', default: '0' },
      'no-simulcast': { type: 'boolean', default: false },
      only: { type: 'string' },
    },
  });
  const limits: Record<Exclude<keyof Options, 'simulcast' | 'only'>, [number, number]> = {
    sfu: [3, 20],
    mesh: [2, 12],
    width: [160, 1920],
    height: [90, 1080],
    fps: [1, 30],
    seconds: [1, 600],
    settle: [0, 120],
    joinIntervalMs: [0, 60_000],
    visible: [1, 19],
    clientsPerProcess: [1, 20],
    waitQuiet: [0, 100],
  };
  const integers = readIntegerOptions(values, limits);
  if (integers.width % 2 !== 0 || integers.height % 2 !== 0) {
    process.stderr.write('--width and --height must be even (I420 frames)\n');
    process.exit(2);
  }
  if (values.only !== undefined && values.only !== 'sfu' && values.only !== 'mesh') {
    process.stderr.write('--only must be sfu or mesh\n');
    process.exit(2);
  }
  return { ...integers, simulcast: !values['no-simulcast'], only: values.only ?? null };
}

/** Other jobs on a shared machine skew every figure: start when the 1-minute load average is below the bar. */
async function waitForQuiet(): Promise<void> {
  if (options.waitQuiet === 0) return;
  const deadline = performance.now() + QUIET_MAX_WAIT_MS;
  for (;;) {
    const load = loadavg()[0]!;
    if (load < options.waitQuiet) {
      log(`load average (1 min) ${load.toFixed(2)} < ${options.waitQuiet}: starting`);
      return;
    }
    if (performance.now() >= deadline) {
      log(`load average (1 min) still ${load.toFixed(2)} after 30 min: starting anyway (figures suspect)`);
      return;
    }
    log(`load average (1 min) ${load.toFixed(2)} >= ${options.waitQuiet}: waiting 30 s`);
    await delay(QUIET_POLL_MS);
  }
}

function mib(bytes: number): string {
  return `${(bytes / MIB).toFixed(0)} MiB`;
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}
