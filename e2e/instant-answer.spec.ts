/**
 * Roles as the spec documents them, with the instant answer: the caller offers with the ring, every ringing
 * device of the callee connects to that offer while it rings, no media leaves either side until the answer,
 * and the devices that did not answer drop their connection.
 */
import { registerUser } from './support/api.ts';
import type { TestUser } from './support/api.ts';
import { CallClient } from './support/client.ts';
import { expect, test } from './support/fixtures.ts';

const NOTHING_SENT = { audio: 0, video: 0 };
/** Long enough for a connected pair to have sent audio and video many times over, had it sent any. */
const RINGING_OBSERVATION_MS = 2_000;

async function expectConnectedWithoutMedia(client: CallClient, peer: TestUser): Promise<void> {
  await expect
    .poll(async () => (await client.linkTo(peer))?.state ?? null, {
      message: `${client.user.name}'s device connects to ${peer.name} while the call rings`,
    })
    .toBe('connected');
  expect((await client.linkTo(peer))?.bytesSent).toEqual(NOTHING_SENT);
}

test('instant answer: the callee connects while it rings, nothing is sent either way until the answer, then media flows both ways', async ({
  browser,
  backend,
}) => {
  const alice = await registerUser(backend.url, 'Alice Instant');
  const bob = await registerUser(backend.url, 'Bob Instant');
  const b = await CallClient.open(browser, backend.url, bob);
  const a = await CallClient.open(browser, backend.url, alice);

  await a.call(bob, 'video');
  await expect(b.incoming()).toBeVisible();
  await expectConnectedWithoutMedia(b, alice);
  await expectConnectedWithoutMedia(a, bob);
  // The caller sees the callee's device reached and ringing.
  await expect(a.page.getByTestId('ringing-status')).toHaveText('Ringing…');

  await a.page.waitForTimeout(RINGING_OBSERVATION_MS);
  expect((await a.linkTo(bob))?.bytesSent).toEqual(NOTHING_SENT);
  expect((await b.linkTo(alice))?.bytesSent).toEqual(NOTHING_SENT);
  expect((await b.stats(alice))?.audioPacketsReceived).toBe(0);
  expect((await a.stats(bob))?.audioPacketsReceived).toBe(0);

  await b.answer(true);
  await a.expectMediaFrom(bob);
  await b.expectMediaFrom(alice);
  await expect(a.page.getByTestId('call-duration')).toHaveText(/^\d\d:\d\d$/);
  await a.hangUp();
  await expect(b.inCall()).toBeHidden();
  await Promise.all([a.close(), b.close()]);
});

test('two ringing devices of the callee each connect; when one answers, the other drops its connection', async ({
  browser,
  backend,
}) => {
  const alice = await registerUser(backend.url, 'Alice Devices');
  const bob = await registerUser(backend.url, 'Bob Devices');
  const desk = await CallClient.open(browser, backend.url, bob);
  const laptop = await CallClient.open(browser, backend.url, bob);
  const a = await CallClient.open(browser, backend.url, alice);

  await a.call(bob, 'video');
  await expect(desk.incoming()).toBeVisible();
  await expect(laptop.incoming()).toBeVisible();
  await expectConnectedWithoutMedia(desk, alice);
  await expectConnectedWithoutMedia(laptop, alice);

  // The notice stays only a few seconds: watched from before the click, since the laptop's call screen may take
  // longer than that to show on a busy machine.
  const deskToasts = await desk.watchToasts();
  await laptop.answer(true);
  await expect
    .poll(deskToasts, { message: 'the desk says the call was answered on another device' })
    .toContainEqual(expect.stringContaining('Answered on another device'));
  await expect(desk.incoming()).toBeHidden();
  await expect.poll(() => desk.hasEngine(), { message: 'the desk drops its connection' }).toBe(false);
  await a.expectMediaFrom(bob);
  await laptop.expectMediaFrom(alice);
  await a.hangUp();
  await Promise.all([a.close(), desk.close(), laptop.close()]);
});
