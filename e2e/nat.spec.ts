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
import { appVideoReader, openLabClients, startLabCall, watchVideo } from './support/labCall.ts';
import type { Closable } from './support/labCall.ts';
import { LAB_PUBLIC_HOST, NatLab, natLabUnavailable } from './support/natLab.ts';

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
  lab?.blockServer('b', null);
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

test('8 % loss toward Alice turns her indicator of Bob fair or poor, and it recovers when the loss ends', async () => {
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
  // Hovered again until the tooltip shows: when Chromium's estimate falls low enough for Bob's ladder to
  // pause his video, his tile swaps the picture for the avatar, and a badge drawn anew under a resting mouse
  // is not hovered until the mouse moves (CI saw the tooltip missing for 20 s that way).
  const badge = a.tileOf(bob).getByTestId('quality');
  await expect(async () => {
    await a.page.mouse.move(0, 0);
    await badge.hover();
    await expect(a.tileOf(bob).getByRole('tooltip')).toContainText('You receive them', { timeout: 1000 });
  }).toPass({ timeout: 10_000 });

  lab.setLoss('a', 0);
  const cleanAt = Date.now();
  // Random loss that NACKs repair costs Bob's ladder at most SD, and should loss NACKs could not repair
  // have pushed it to LD (240 lines at ~200 kbit/s, only fair), its try back up is judged over up to three
  // samples while Chromium's loss-based estimate recovers: "good" is back within 15 s plus one 3 s sample.
  await expect
    .poll(() => receiveQuality(a, bob), { timeout: 20_000, message: 'receiving side back to good' })
    .toBe('good');
  console.log(`[nat] indicator back to good ${Date.now() - cleanAt} ms after the loss ended`);
});

/**
 * What the hover of Alice's badge of Bob says of how she receives him: the grade and the loss it shows, both
 * read from one text so that they belong to the same 3 s sample.
 */
async function receivedSample(client: CallClient, peer: TestUser) {
  const direction = client.tileOf(peer).locator('.quality-direction').first();
  const text = await direction.textContent({ timeout: 1000 }).catch(() => null);
  const read = text?.match(/You receive them: (good|fair|poor).*Packet loss ([\d.]+) %/);
  return text && read ? { quality: read[1]!, lossPct: Number(read[2]), text } : null;
}

test('2 % loss toward Alice shows as about 2 % on her side while Bob climbs to HD, never as a poor loss', async () => {
  test.setTimeout(90_000);
  lab.setLoss('a', 2);
  // Chromium's animated camera: Bob's sender climbs the ladder and Chromium probes with RTX padding meanwhile.
  const { a, bob } = await startLabCall(lab, running, 'moving');
  const samples: { quality: string; lossPct: number; text: string }[] = [];
  let last = '';
  for (const end = Date.now() + 27_000; Date.now() < end; await a.page.waitForTimeout(500)) {
    const sample = await receivedSample(a, bob);
    // A new 3 s sample is told from the last one by its numbers (two in a row with the same are rare).
    if (sample && JSON.stringify(sample) !== last) samples.push(sample);
    last = JSON.stringify(sample);
  }
  console.log(`[nat] at 2 % loss: ${samples.map((s) => `${s.quality} ${s.lossPct} %`).join(', ')}`);
  for (const s of samples) if (s.quality === 'poor') console.log(`[nat] poor: ${s.text}`);
  expect(samples.length).toBeGreaterThanOrEqual(6);
  // The spec's "poor" is over 5 % loss: at most one sample in eight may cross it by chance. (The grade itself
  // also follows RTT and a held-back sender's bitrate, which a loaded machine's encoder can drag down.)
  expect(samples.filter((s) => s.lossPct > 5).length).toBeLessThanOrEqual(samples.length / 8);
  const losses = samples.map((s) => s.lossPct).sort((x, y) => x - y);
  const median = losses[Math.floor(losses.length / 2)]!;
  expect(median).toBeGreaterThanOrEqual(0.5);
  expect(median).toBeLessThanOrEqual(3.5);
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

test('a cap too small even for LD pauses Bob’s video with a notice on both sides, and it resumes when lifted', async () => {
  test.setTimeout(150_000);
  const { a, b, alice, bob } = await startLabCall(lab, running, 'moving');
  lab.setUplinkCap('b', 80);
  const cappedAt = Date.now();
  // Bob's ladder pauses his video toward Alice (its audio-only rung) and says so on his tile of her...
  await expect(b.tileOf(alice).getByTestId('video-paused')).toBeVisible({ timeout: 40_000 });
  console.log(`[nat] 80 kbit/s: video paused after ${Date.now() - cappedAt} ms`);
  // ...and Alice is told too, through his media state: not a frozen picture, the reason. That message leaves
  // over the same 80 kbit/s, of which his audio with its packet headers takes more than half: its TCP
  // segments queue and back off behind the audio, and it took over 10 s once in CI.
  const notice = a.tileOf(bob).getByTestId('peer-video-paused');
  await expect(notice).toHaveText('Video paused: poor connection', { timeout: 25_000 });
  await expect(a.tileOf(bob).locator('video.tile-video')).toHaveClass(/hidden/);

  lab.setUplinkCap('b', null);
  const liftedAt = Date.now();
  await expect(notice).toBeHidden({ timeout: 40_000 });
  await expect(b.tileOf(alice).getByTestId('video-paused')).toBeHidden();
  await expect
    .poll(async () => (await a.stats(bob))?.framesDecoded ?? 0, { timeout: 10_000 })
    .toBeGreaterThan((await a.stats(bob))?.framesDecoded ?? 0);
  console.log(`[nat] cap lifted: video resumed after ${Date.now() - liftedAt} ms`);
});

test('a callee whose network reaches no TURN server: the caller reads “Can’t reach” while it still rings', async () => {
  test.setTimeout(120_000);
  const { a, b, bob, coturn } = await openLabClients(lab, running);
  // Bob's network lets nothing through to the relay: behind his NAT no path to Alice can work.
  lab.blockServer('b', { host: LAB_PUBLIC_HOST, port: coturn.port });
  await a.call(bob, 'video');
  await expect(b.incoming()).toBeVisible();
  const ringingAt = Date.now();
  const status = a.page.getByTestId('ringing-status');
  // Bounded well within the backend's 45 s ring (iceRecovery.ts: a 12 s first deadline, one restart).
  await expect(status).toHaveText(/^(Calling|Connecting)…$/);
  await expect(status).toHaveText(`Can't reach ${bob.name}`, { timeout: 40_000 });
  console.log(`[nat] no relay for the callee: "Can't reach" ${Date.now() - ringingAt} ms into the ring`);
  // Said while it still rings: Bob has not answered and his device still rings.
  await expect(b.incoming()).toBeVisible();
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
