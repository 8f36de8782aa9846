/**
 * `npm start` as a user runs it (scripts/start.ts on the pinned Node, web client only): where to open the web
 * client, what a missing Janus or coturn limits and how to add them, the local Janus and coturn it starts where
 * they are installed, and a clean stop on SIGTERM (nothing left listening).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { acceptsTcp } from '../backend/scripts/ports.ts';
import { connectJanus } from '../backend/src/sfu/janusClient.ts';
import { isCoturnInstalled } from '../backend/test/support/coturn.ts';
import { isJanusInstalled } from '../backend/test/support/janus.ts';
import { TurnCredentialsResponse } from '../src/shared/protocol/index.ts';
import { registerUser } from './support/api.ts';
import { CallClient } from './support/client.ts';
import { expect, test } from './support/fixtures.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
/** A fresh embedded database compiles and migrates first: on a busy 2-core machine that takes a while. */
const START_TIMEOUT_MS = 150_000;
const STOP_TIMEOUT_MS = 20_000;

interface Started {
  child: ChildProcess;
  /** The summary lines after the backend came up, without the `start: ` prefix. */
  summary: string[];
  url: string;
  /** Resolves with the exit code once the process is gone. */
  exited: Promise<number | null>;
}

test.describe.configure({ timeout: 240_000 });

const running = new Set<ChildProcess>();
/** Temporary folders of the test, removed after it. */
const dataDirs: string[] = [];

test.afterEach(async () => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
  for (const dir of dataDirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Starts `npm start -- --web` (what the npm script runs) and waits for its summary. */
async function start(env: Record<string, string>): Promise<Started> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'callbridge-start-'));
  dataDirs.push(dataDir);
  const child = spawn(process.execPath, ['scripts/start.ts', '--web'], {
    cwd: ROOT,
    // Only what a user's shell would have, plus a free port and a throwaway data folder.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const summary = await new Promise<string[]>((resolve, reject) => {
    const lines: string[] = [];
    const timer = setTimeout(
      () => reject(new Error(`no summary within ${START_TIMEOUT_MS} ms:\n${output}`)),
      START_TIMEOUT_MS,
    );
    void exited.then((code) =>
      reject(new Error(`npm start exited (${code}) before its summary:\n${output}`)),
    );
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      output += `${line}\n`;
      if (!line.startsWith('start: ')) return;
      lines.push(line.slice('start: '.length));
      if (line === 'start: press Ctrl+C to stop.') {
        clearTimeout(timer);
        resolve(lines);
      }
    });
  });
  const url = /^open the web client at (http:\/\/127\.0\.0\.1:\d+)\.$/.exec(summary[0] ?? '')?.[1];
  if (url === undefined) throw new Error(`no web client URL in:\n${summary.join('\n')}`);
  return { child, summary, url, exited };
}

/** SIGTERM, as Ctrl+C or a service manager would send: npm start must end, with exit code 0. */
async function stop(started: Started): Promise<void> {
  started.child.kill('SIGTERM');
  const code = await Promise.race([
    started.exited,
    new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS)),
  ]);
  expect(code).toBe(0);
  running.delete(started.child);
}

test('without Janus and coturn: serves the web client, says what each missing one limits and how to add it', async ({
  browser,
}) => {
  // Neither binary on PATH: an empty one (start.ts runs its scripts with its own Node, it needs nothing there).
  const emptyPath = await mkdtemp(path.join(tmpdir(), 'callbridge-path-'));
  dataDirs.push(emptyPath);
  const started = await start({ PATH: emptyPath });
  expect(started.summary).toEqual([
    `open the web client at ${started.url}.`,
    expect.stringMatching(
      /^Janus is not installed, so group calls are limited to 3 people; .*apt-get install janus/,
    ),
    expect.stringMatching(
      /^coturn is not installed, so calls have no relay \(TURN\) .*apt-get install coturn/,
    ),
    'press Ctrl+C to stop.',
  ]);

  const health = await fetch(`${started.url}/healthz`);
  expect(health.ok).toBe(true);
  // The web client at that URL is the app, talking to this backend: someone can sign in.
  const user = await registerUser(started.url, 'Nadia');
  const client = await CallClient.open(browser, started.url, user);
  await client.close();

  await stop(started);
  expect(await acceptsTcp('127.0.0.1', Number(new URL(started.url).port))).toBe(false);
});

test('with Janus and coturn installed: starts both for the backend, and stops them with it', async () => {
  test.skip(
    !(isJanusInstalled() && isCoturnInstalled()) && process.env.CI !== 'true',
    'Janus or coturn is not installed (apt-get install janus coturn); under CI=true this fails instead',
  );
  const started = await start({});
  const janusUrl = /^group calls of more than 3 go through the local Janus on (ws:\/\/[\d.:]+)\.$/.exec(
    started.summary[1] ?? '',
  )?.[1];
  const turn = /^relayed calls go through the local coturn on ([\d.]+):(\d+)\.$/.exec(
    started.summary[2] ?? '',
  );
  expect(janusUrl, started.summary.join('\n')).toBeDefined();
  expect(turn, started.summary.join('\n')).not.toBeNull();
  const [, turnHost, turnPort] = turn!;

  // The Janus answers its API, and the backend hands out credentials for this coturn.
  await (await connectJanus(janusUrl!)).close();
  expect(await acceptsTcp(turnHost!, Number(turnPort))).toBe(true);
  const user = await registerUser(started.url, 'Tomas');
  const response = await fetch(`${started.url}/api/calls/turn-credentials`, {
    headers: { authorization: `Bearer ${user.token}` },
  });
  const credentials = TurnCredentialsResponse.parse(await response.json());
  expect(credentials.turnConfigured).toBe(true);
  expect(credentials.iceServers.flatMap((server) => server.urls)).toContain(
    `turn:${turnHost}:${turnPort}?transport=udp`,
  );

  await stop(started);
  await expect(connectJanus(janusUrl!)).rejects.toThrow(/cannot connect/);
  expect(await acceptsTcp(turnHost!, Number(turnPort))).toBe(false);
});
