/**
 * A call between Alice (client 'a') and Bob (client 'b') of a NatLab: coturn and the backend on the lab's
 * public address, each browser inside its client's namespace. Used by e2e/nat.spec.ts and
 * bench/network.bench.ts. Everything started is pushed on `running` (close in reverse order).
 */
import { chromium } from '@playwright/test';
import type { Browser } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { findFreePort } from '../../backend/scripts/ports.ts';
import { startCoturn } from '../../backend/test/support/coturn.ts';
import type { RunningCoturn } from '../../backend/test/support/coturn.ts';
import { registerUser } from './api.ts';
import type { TestUser } from './api.ts';
import { startBackend } from './backend.ts';
import { CallClient } from './client.ts';
import { CHROMIUM_FLAGS, chromiumArgs } from './fakeCamera.ts';
import { LAB_PUBLIC_HOST } from './natLab.ts';
import type { LabClient, NatLab } from './natLab.ts';

export type Closable = { close(): Promise<void> };

/**
 * 'moving' is Chromium's own animated fake camera (a moving pattern at the size asked for, 1280x720), whose
 * encoder really needs bandwidth; 'still' the suite's usual still picture, which costs little CPU.
 */
export type FakeCamera = 'still' | 'moving';

export interface LabCall {
  a: CallClient;
  b: CallClient;
  alice: TestUser;
  bob: TestUser;
  browsers: Record<LabClient, Browser>;
  origin: string;
  coturn: RunningCoturn;
  /** Milliseconds from Bob's answer to Alice decoding his video. */
  connectMs: number;
}

async function launchIn(
  lab: NatLab,
  client: LabClient,
  origin: string,
  camera: FakeCamera,
): Promise<Browser> {
  const cameraArgs = camera === 'moving' ? [...CHROMIUM_FLAGS] : chromiumArgs();
  return chromium.launch({
    executablePath: lab.chromiumFor(client),
    // The lab serves the app over plain http on a non-loopback address: let it use the camera anyway.
    args: [...cameraArgs, `--unsafely-treat-insecure-origin-as-secure=${origin}`],
  });
}

/** Coturn, the backend and both clients signed in, without a call yet. */
export async function openLabClients(
  lab: NatLab,
  running: Closable[],
  bobCamera: FakeCamera = 'still',
): Promise<Omit<LabCall, 'connectMs'>> {
  const secret = randomBytes(24).toString('hex');
  const coturn = await startCoturn({ secret, host: LAB_PUBLIC_HOST });
  running.push({ close: () => coturn.stop() });
  // The browsers load the app from the lab address, which must then be an allowed origin of the socket.
  const port = await findFreePort(LAB_PUBLIC_HOST);
  const origin = `http://${LAB_PUBLIC_HOST}:${port}`;
  const backend = await startBackend({
    HOST: LAB_PUBLIC_HOST,
    PORT: String(port),
    CORS_ORIGINS: origin,
    TURN_SERVER_HOST: LAB_PUBLIC_HOST,
    TURN_SERVER_PORT: String(coturn.port),
    TURN_SECRET: secret,
  });
  running.push({ close: () => backend.stop() });
  const [alice, bob] = await Promise.all([
    registerUser(origin, 'Alice Nat'),
    registerUser(origin, 'Bob Nat'),
  ]);
  const [browserA, browserB] = await Promise.all([
    launchIn(lab, 'a', origin, 'still'),
    launchIn(lab, 'b', origin, bobCamera),
  ]);
  running.push({ close: () => browserA.close() }, { close: () => browserB.close() });
  const a = await CallClient.open(browserA, origin, alice);
  const b = await CallClient.open(browserB, origin, bob);
  return { a, b, alice, bob, browsers: { a: browserA, b: browserB }, origin, coturn };
}

/** openLabClients, then Alice calls Bob and he answers. */
export async function startLabCall(
  lab: NatLab,
  running: Closable[],
  bobCamera: FakeCamera = 'still',
): Promise<LabCall> {
  const call = await openLabClients(lab, running, bobCamera);
  return { ...call, connectMs: await dial(call) };
}

/** Alice calls Bob, who answers; resolves once media flows both ways, with the time Alice waited for it. */
export async function dial(call: Pick<LabCall, 'a' | 'b' | 'alice' | 'bob'>): Promise<number> {
  const { a, b, alice, bob } = call;
  await a.call(bob, 'video');
  await b.answer(true);
  const answeredAt = Date.now();
  await a.expectMediaFrom(bob);
  const connectMs = Date.now() - answeredAt;
  await b.expectMediaFrom(alice);
  return connectMs;
}

export interface VideoSample {
  at: number;
  frames: number;
  bytes: number;
  height: number | null;
}

export interface VideoWatch {
  samples: VideoSample[];
  longestStallMs: number;
  /** Time without a new frame, summed over the gaps longer than STALL_MS. */
  stalledMs: number;
  /** When the last gap longer than STALL_MS ended, from the first sample (0 without one). */
  steadyAfterMs: number;
}

/** A gap between new frames a viewer notices as a stall (a 2-frame hiccup at 10 fps is not one). */
export const STALL_MS = 500;

/** Polls `read` every 250 ms for `ms`, and where the picture stalled. */
export async function watchVideo(
  read: () => Promise<Omit<VideoSample, 'at'>>,
  ms: number,
): Promise<VideoWatch> {
  const samples: VideoSample[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    samples.push({ at: Date.now(), ...(await read()) });
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  let longestStallMs = 0;
  let stalledMs = 0;
  let steadyAfterMs = 0;
  let lastNewFrameAt = samples[0]?.at ?? 0;
  for (let i = 1; i < samples.length; i++) {
    const sample = samples[i]!;
    if (sample.frames <= samples[i - 1]!.frames) continue;
    const gap = sample.at - lastNewFrameAt;
    longestStallMs = Math.max(longestStallMs, gap);
    if (gap > STALL_MS) {
      stalledMs += gap;
      steadyAfterMs = sample.at - samples[0]!.at;
    }
    lastNewFrameAt = sample.at;
  }
  const trailing = (samples.at(-1)?.at ?? 0) - lastNewFrameAt;
  if (trailing > STALL_MS) stalledMs += trailing;
  return { samples, longestStallMs: Math.max(longestStallMs, trailing), stalledMs, steadyAfterMs };
}

/** What the app's engine receives from `peer`, for watchVideo. */
export function appVideoReader(client: CallClient, peer: TestUser): () => Promise<Omit<VideoSample, 'at'>> {
  return async () => {
    const stats = await client.stats(peer);
    return {
      frames: stats?.framesDecoded ?? 0,
      bytes: stats?.bytesReceived ?? 0,
      height: stats?.frameHeight ?? null,
    };
  };
}
