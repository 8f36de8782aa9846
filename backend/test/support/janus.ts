/**
 * Test support for the real Janus: start a throwaway Janus (VideoRoom + WebSocket transport only) from the
 * config backend/src/sfu/janusConfig.ts generates, with its API WebSocket on a free loopback port and its
 * media on the default route's interface (Janus offers no loopback ICE candidates).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '../../scripts/ports.ts';
import { writeJanusConfig } from '../../src/sfu/janusConfig.ts';
import { startTestDaemon } from './daemon.ts';

export interface RunningJanus {
  /** The API WebSocket, e.g. ws://127.0.0.1:40123 (what JANUS_URLS lists). */
  url: string;
  adminKey: string;
  wsPort: number;
  pid: number;
  /** Graceful stop (SIGTERM), then removes the config folder. */
  stop(): Promise<void>;
  /** SIGKILL: a crash, for failover tests. Resolves once the process is gone. */
  kill(): Promise<void>;
}

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 20_000;

/** True when the `janus` binary is on PATH. Tests skip without it, except under CI=true where they fail. */
export function isJanusInstalled(): boolean {
  return spawnSync('janus', ['--version'], { stdio: 'ignore' }).error === undefined;
}

export async function startJanus(
  options: { adminKey?: string; wsPort?: number; debugLevel?: number; sessionTimeoutSeconds?: number } = {},
): Promise<RunningJanus> {
  if (!isJanusInstalled()) {
    throw new Error('Janus is not installed: `janus` is not on PATH (apt-get install janus)');
  }
  const adminKey = options.adminKey ?? randomBytes(24).toString('base64url');
  const wsPort = options.wsPort ?? (await findFreePort(HOST));
  const workDir = await mkdtemp(join(tmpdir(), 'callbridge-janus-'));
  // A random block of UDP ports per instance: parallel test files each run their own Janus.
  const rtpMin = 20_000 + randomInt(0, 400) * 100;
  const configPath = await writeJanusConfig(workDir, {
    wsPort,
    adminKey,
    rtpPortRange: { min: rtpMin, max: rtpMin + 99 },
    serverName: 'callbridge-test',
    debugLevel: options.debugLevel ?? 3,
    sessionTimeoutSeconds: options.sessionTimeoutSeconds,
  });

  const url = `ws://${HOST}:${wsPort}`;
  const daemon = await startTestDaemon({
    name: `Janus on ${url}`,
    command: 'janus',
    args: ['-F', workDir, '-C', configPath, '-o'],
    workDir,
    // Ready = the API WebSocket answers `info` (the VideoRoom plugin loads before the transport).
    ready: () => answersInfo(url),
    readyTimeoutMs: READY_TIMEOUT_MS,
  });
  return { url, adminKey, wsPort, pid: daemon.pid, stop: daemon.stop, kill: daemon.kill };
}

function answersInfo(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, 'janus-protocol');
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      ws.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 1000);
    ws.addEventListener('open', () => ws.send(JSON.stringify({ janus: 'info', transaction: 'ready' })));
    ws.addEventListener('message', (event) => done(String(event.data).includes('"server_info"')));
    ws.addEventListener('error', () => done(false));
  });
}
