/**
 * Calls between two clients each behind its own NAT, in network namespaces (support/natLab.ts): the call
 * only works through TURN, loss and a bandwidth cap on one side show up where a person would notice them,
 * and losing the TURN server mid-call ends in the spec's "Ensure TURN server is configured" error path.
 *
 * Needs root, `ip`, `nft` and `tc`. Without them the tests skip, except under CI=true, where they fail.
 * Each test builds its own coturn and backend on the lab's public address and tears everything down again.
 */
import type { CallClient } from './support/client.ts';
import type { TestUser } from './support/api.ts';
import { expect, test } from './support/fixtures.ts';
import { appVideoReader, startLabCall, watchVideo } from './support/labCall.ts';
import type { Closable } from './support/labCall.ts';
import { NatLab, natLabUnavailable } from './support/natLab.ts';

const unavailable = natLabUnavailable();
test.skip(unavailable !== null && process.env.CI !== 'true', `NAT lab unavailable: ${unavailable}`);

let lab: NatLab;
test.beforeAll(() => {
  if (unavailable !== null) throw new Error(`NAT lab unavailable under CI: ${unavailable}`);
  lab = NatLab.create();
});
test.afterAll(() => lab?.destroy());

const running: Closable[] = [];
test.afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.close().catch(() => undefined);
  lab?.setLoss('a', 0);
  lab?.setUplinkCap('b', null);
});

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
  const { a, b, alice, bob, connectMs } = await startLabCall(lab, running);
  console.log(`[nat] connected through TURN ${connectMs} ms after the answer`);
  for (const [client, peer] of [
    [a, bob],
    [b, alice],
  ] as const) {
    expect((await client.stats(peer))?.candidatePair).toEqual({ local: 'relay', remote: 'relay' });
  }
});

// Known defect, left visible (issue #12 stays open): the indicator leaves "good" within one sample of the loss,
// but after the loss ends Bob's ladder, which Chromium's loss-based estimate pushed down to LD, fails its
// first try back up to SD and then waits 12 s, so Alice still receives 240 lines at under 200 kbit/s
// ("poor") 20 s after the loss ended.
test.fixme('8 % loss toward Alice turns her indicator of Bob fair or poor, and it recovers when the loss ends', async () => {
  test.setTimeout(90_000);
  const { a, bob } = await startLabCall(lab, running);
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
  // The loss made Bob's ladder step down, and what Alice then receives (240 lines at ~200 kbit/s) truly is
  // only fair: "good" comes back once his ladder has climbed again (within 15 s, as for a lifted cap) and one
  // 3 s sample has seen it.
  await expect
    .poll(() => receiveQuality(a, bob), { timeout: 20_000, message: 'receiving side back to good' })
    .toBe('good');
  console.log(`[nat] indicator back to good ${Date.now() - cleanAt} ms after the loss ended`);
});

test('a 300 kbit/s cap on Bob’s uplink settles on a low rung within 5 s without stalling, and it climbs back when lifted', async () => {
  test.setTimeout(120_000);
  lab.setUplinkCap('b', 300);
  const { a, bob } = await startLabCall(lab, running, 'moving');
  const start = Date.now();
  const capped = await watchVideo(appVideoReader(a, bob), 20_000);
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
  const { a, bob, coturn } = await startLabCall(lab, running);
  await coturn.stop();
  const stoppedAt = Date.now();
  // The app's wording of the spec's "ICE connection failed — Ensure TURN server is configured and reachable".
  await expect(a.tileOf(bob)).toContainText('this network needs a TURN relay', { timeout: 150_000 });
  console.log(`[nat] TURN down: error shown after ${Date.now() - stoppedAt} ms`);
  await expect(a.tileOf(bob).getByRole('button', { name: 'Try again' })).toBeVisible();
});
