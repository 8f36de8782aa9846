/**
 * Calls between two clients each behind its own NAT, in network namespaces (support/natLab.ts): the call
 * only works through TURN, loss and a bandwidth cap on one side show up where a person would notice them,
 * and losing the TURN server mid-call ends in the spec's "Ensure TURN server is configured" error path.
 *
 * Needs root, `ip`, `nft` and `tc`. Without them the tests skip, except under CI=true, where they fail.
 * Each test builds its own coturn and backend on the lab's public address and tears everything down again.
 */
import { chromium } from '@playwright/test';
import type { Browser } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { findFreePort } from '../backend/scripts/ports.ts';
import { startCoturn } from '../backend/test/support/coturn.ts';
import type { RunningCoturn } from '../backend/test/support/coturn.ts';
import { registerUser } from './support/api.ts';
import type { TestUser } from './support/api.ts';
import { startBackend } from './support/backend.ts';
import type { RunningBackend } from './support/backend.ts';
import { CallClient } from './support/client.ts';
import { CHROMIUM_FLAGS, chromiumArgs } from './support/fakeCamera.ts';
import { expect, test } from './support/fixtures.ts';
import { LAB_PUBLIC_HOST, NatLab, natLabUnavailable } from './support/natLab.ts';
import type { LabClient } from './support/natLab.ts';

const unavailable = natLabUnavailable();
test.skip(unavailable !== null && process.env.CI !== 'true', `NAT lab unavailable: ${unavailable}`);

let lab: NatLab;
test.beforeAll(() => {
  if (unavailable !== null) throw new Error(`NAT lab unavailable under CI: ${unavailable}`);
  lab = NatLab.create();
});
test.afterAll(() => lab?.destroy());

interface LabCall {
  a: CallClient;
  b: CallClient;
  alice: TestUser;
  bob: TestUser;
  coturn: RunningCoturn;
  /** Milliseconds from Bob's answer to Alice decoding his video. */
  connectMs: number;
}

const running: { close(): Promise<void> }[] = [];
test.afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.close().catch(() => undefined);
  lab?.setLoss('a', 0);
  lab?.setUplinkCap('b', null);
});

/**
 * 'moving' is Chromium's own animated fake camera (a moving pattern at the size asked for, 1280x720), whose
 * encoder really needs bandwidth; 'still' the suite's usual still picture, which costs little CPU.
 */
type FakeCamera = 'still' | 'moving';

async function launchIn(client: LabClient, origin: string, camera: FakeCamera): Promise<Browser> {
  const cameraArgs = camera === 'moving' ? [...CHROMIUM_FLAGS] : chromiumArgs();
  const browser = await chromium.launch({
    executablePath: lab.chromiumFor(client),
    // The lab serves the app over plain http on a non-loopback address: let it use the camera anyway.
    args: [...cameraArgs, `--unsafely-treat-insecure-origin-as-secure=${origin}`],
  });
  running.push({ close: () => browser.close() });
  return browser;
}

async function startLabCall(bobCamera: FakeCamera = 'still'): Promise<LabCall> {
  const secret = randomBytes(24).toString('hex');
  const coturn = await startCoturn({ secret, host: LAB_PUBLIC_HOST });
  running.push({ close: () => coturn.stop() });
  // The browsers load the app from the lab address, which must then be an allowed origin of the socket.
  const port = await findFreePort(LAB_PUBLIC_HOST);
  const origin = `http://${LAB_PUBLIC_HOST}:${port}`;
  const backend: RunningBackend = await startBackend({
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
    launchIn('a', origin, 'still'),
    launchIn('b', origin, bobCamera),
  ]);
  const a = await CallClient.open(browserA, origin, alice);
  const b = await CallClient.open(browserB, origin, bob);
  await a.call(bob, 'video');
  await b.answer(true);
  const answeredAt = Date.now();
  await a.expectMediaFrom(bob);
  const connectMs = Date.now() - answeredAt;
  await b.expectMediaFrom(alice);
  return { a, b, alice, bob, coturn, connectMs };
}

function receiveQuality(client: CallClient, peer: TestUser) {
  return client
    .tileOf(peer)
    .locator('.quality-direction')
    .first()
    .getAttribute('data-direction-quality', { timeout: 1000 })
    .catch(() => null);
}

test('two clients behind NATs that drop unsolicited traffic connect through TURN, relay to relay', async () => {
  test.setTimeout(60_000);
  const { a, b, alice, bob, connectMs } = await startLabCall();
  console.log(`[nat] connected through TURN ${connectMs} ms after the answer`);
  for (const [client, peer] of [
    [a, bob],
    [b, alice],
  ] as const) {
    expect((await client.stats(peer))?.candidatePair).toEqual({ local: 'relay', remote: 'relay' });
  }
});

test('8 % loss toward Alice turns her indicator of Bob fair or poor, and it recovers when the loss ends', async () => {
  test.setTimeout(90_000);
  const { a, bob } = await startLabCall();
  await expect.poll(() => receiveQuality(a, bob), { timeout: 15_000 }).toBe('good');

  lab.setLoss('a', 8);
  const lossAt = Date.now();
  await expect
    .poll(() => receiveQuality(a, bob), { timeout: 10_000, message: 'receiving side leaves good' })
    .toMatch(/^(fair|poor)$/);
  console.log(`[nat] indicator left good ${Date.now() - lossAt} ms after 8 % loss began`);
  // The badge shows the worse direction, so it is at least as bad as what she receives.
  await expect(a.tileOf(bob).getByTestId('quality')).toHaveAttribute('data-quality', /^(fair|poor)$/);
  await a.tileOf(bob).getByTestId('quality').hover();
  await expect(a.tileOf(bob).getByRole('tooltip')).toContainText('You receive them');

  lab.setLoss('a', 0);
  const cleanAt = Date.now();
  await expect
    .poll(() => receiveQuality(a, bob), { timeout: 10_000, message: 'receiving side back to good' })
    .toBe('good');
  console.log(`[nat] indicator back to good ${Date.now() - cleanAt} ms after the loss ended`);
});

/** Alice's view of Bob's video, polled every 250 ms: when frames arrive, and at what height. */
async function watchVideo(client: CallClient, peer: TestUser, ms: number) {
  const samples: { at: number; frames: number; height: number | null }[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const stats = await client.stats(peer);
    samples.push({ at: Date.now(), frames: stats?.framesDecoded ?? 0, height: stats?.frameHeight ?? null });
    await client.page.waitForTimeout(250);
  }
  let longestStallMs = 0;
  let lastNewFrameAt = samples[0]?.at ?? 0;
  for (let i = 1; i < samples.length; i++) {
    if (samples[i]!.frames > samples[i - 1]!.frames) lastNewFrameAt = samples[i]!.at;
    longestStallMs = Math.max(longestStallMs, samples[i]!.at - lastNewFrameAt);
  }
  return { samples, longestStallMs };
}

test('a 300 kbit/s cap on Bob’s uplink settles on a low rung within 5 s without stalling, and it climbs back when lifted', async () => {
  test.setTimeout(120_000);
  lab.setUplinkCap('b', 300);
  const { a, bob } = await startLabCall('moving');
  const start = Date.now();
  const capped = await watchVideo(a, bob, 20_000);
  const settled = capped.samples.find((s) => s.height !== null && s.height <= 240);
  const last = capped.samples.at(-1)!;
  console.log(
    `[nat] 300 kbit/s: settled at ${settled ? settled.at - start : 'never'} ms, longest stall ` +
      `${capped.longestStallMs} ms, ${((last.frames - capped.samples[0]!.frames) / 20).toFixed(1)} fps, ` +
      `heights ${[...new Set(capped.samples.map((s) => s.height))].join('/')}`,
  );
  expect(settled, 'Bob’s video reaches the LD rung (240 lines)').toBeDefined();
  expect(settled!.at - start).toBeLessThanOrEqual(5000);
  expect(capped.longestStallMs).toBeLessThanOrEqual(2000);
  // Frames keep flowing (the bar is low: on 2 shared cores the animated 720p camera alone can cost frames).
  expect((last.frames - capped.samples[0]!.frames) / 20).toBeGreaterThanOrEqual(5);

  lab.setUplinkCap('b', null);
  const liftedAt = Date.now();
  await expect
    .poll(async () => (await a.stats(bob))?.frameHeight ?? 0, { timeout: 15_000, intervals: [500] })
    .toBeGreaterThan(240);
  console.log(`[nat] cap lifted: above LD after ${Date.now() - liftedAt} ms`);
});

test('the TURN server going away mid-call ends in the “Ensure TURN server is configured” error path', async () => {
  test.setTimeout(180_000);
  const { a, bob, coturn } = await startLabCall();
  await coturn.stop();
  const stoppedAt = Date.now();
  // The app's wording of the spec's "ICE connection failed — Ensure TURN server is configured and reachable".
  await expect(a.tileOf(bob)).toContainText('this network needs a TURN relay', { timeout: 150_000 });
  console.log(`[nat] TURN down: error shown after ${Date.now() - stoppedAt} ms`);
  await expect(a.tileOf(bob).getByRole('button', { name: 'Try again' })).toBeVisible();
});
