import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';

/**
 * Real WebRTC in real Chromium: the engine's *.browser.test.ts files run in a page of Debian's Chromium with
 * fake capture devices (camera, microphone and screen), so peer connections, codecs and stats are the
 * browser's own. `npm run test:browser`.
 */

/** The browser side declares the same shape in src/renderer/webrtc/testSupport/turnServer.ts. */
interface TestTurnServer {
  urls: string[];
  username: string;
  credential: string;
}

let turnServer: { process: ChildProcess; dir: string } | null = null;
// A run that is interrupted must not leave coturn behind.
process.once('exit', () => turnServer?.process.kill());

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

async function waitForTcp(port: number, child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`turnserver exited with code ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Browser command: starts a loopback coturn with TURN REST (HMAC) authentication, as the backend issues it,
 * and returns valid credentials. Null where coturn is not installed, except in CI, where that fails the run.
 */
async function startTurnServer(): Promise<TestTurnServer | null> {
  if (spawnSync('turnserver', ['--version']).error) {
    if (process.env.CI === 'true')
      throw new Error('turnserver (coturn) is required in CI but is not installed');
    return null;
  }
  await stopTurnServer();
  const port = await freePort();
  const secret = randomBytes(16).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'engine-turn-'));
  const child = spawn(
    'turnserver',
    [
      '-n',
      `--listening-ip=127.0.0.1`,
      `--listening-port=${port}`,
      '--relay-ip=127.0.0.1',
      '--allow-loopback-peers', // both test peers live on this machine
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--realm=callbridge.test',
      '--no-tls',
      '--no-dtls',
      '--no-cli',
      `--userdb=${join(dir, 'turndb')}`,
      `--pidfile=${join(dir, 'turnserver.pid')}`,
      '--log-file=stdout',
    ],
    { stdio: 'ignore' },
  );
  turnServer = { process: child, dir };
  await waitForTcp(port, child);
  const username = `${Math.floor(Date.now() / 1000) + 3600}:engine-test`;
  return {
    urls: [`turn:127.0.0.1:${port}?transport=udp`, `turn:127.0.0.1:${port}?transport=tcp`],
    username,
    credential: createHmac('sha1', secret).update(username).digest('base64'),
  };
}

async function stopTurnServer(): Promise<void> {
  if (!turnServer) return;
  const { process: child, dir } = turnServer;
  turnServer = null;
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
}

export default defineConfig({
  test: {
    include: ['src/renderer/**/*.browser.test.ts'],
    testTimeout: 60_000,
    // One page, one file at a time: two cores shared with the rest of the suite cannot encode more video.
    fileParallelism: false,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      commands: {
        startTurnServer: () => startTurnServer(),
        stopTurnServer: () => stopTurnServer(),
      },
      provider: playwright({
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
            '--use-fake-device-for-media-stream',
            '--use-fake-ui-for-media-stream',
            '--allow-loopback-in-peer-connection',
          ],
        },
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
});
