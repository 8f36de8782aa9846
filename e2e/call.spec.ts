/**
 * The everyday path, end to end: sign in, call, answer, see and hear each other, mute and camera badges,
 * screen share, hang up, history. Also saves the README screenshots of each screen on the way.
 */
import { FAKE_CAMERA_WIDTH } from './support/fakeCamera.ts';
import { registerUser } from './support/api.ts';
import { CallClient } from './support/client.ts';
import { expect, test } from './support/fixtures.ts';

test('a 1:1 video call: answer, media both ways, mute/camera/share badges, hang up, history', async ({
  browser,
  backend,
}, testInfo) => {
  const alice = await registerUser(backend.url, 'Alice Martin');
  const bob = await registerUser(backend.url, 'Bob Chen');

  const a = await CallClient.open(browser, backend.url, alice, { signIn: false });
  await expect(a.page.getByTestId('sign-in')).toBeVisible();
  await a.screenshot('sign-in', testInfo);
  await a.signIn();
  const b = await CallClient.open(browser, backend.url, bob);
  await a.page.reload(); // the contact list now includes Bob
  await expect(a.person(bob)).toBeVisible();
  await a.screenshot('contacts', testInfo);

  await a.call(bob, 'video');
  await expect(b.incoming()).toBeVisible();
  await expect(b.page.getByTestId('incoming-caller')).toHaveText(alice.name);
  await b.screenshot('incoming-call', testInfo);
  await b.answer(true);

  await a.expectMediaFrom(bob);
  await b.expectMediaFrom(alice);
  await expect(a.page.getByTestId('call-duration')).toHaveText(/^\d\d:\d\d$/);
  await expect(a.tileOf(bob)).toBeVisible();
  await a.screenshot('in-call', testInfo);

  // The connection quality of each peer, sampled every 3 s; hovering shows the numbers behind it.
  const quality = a.tileOf(bob).getByTestId('quality');
  await quality.hover();
  await expect(quality.getByRole('tooltip')).toContainText('Round trip');

  // Mute with the keyboard shortcut, camera off with the button: Bob sees both badges on Alice's tile.
  await a.page.keyboard.press('m');
  await expect(b.tileOf(alice).getByTestId('badge-muted')).toBeVisible();
  await a.page.getByTestId('toggle-camera').click();
  await expect(b.tileOf(alice).getByTestId('badge-camera-off')).toBeVisible();
  await a.page.keyboard.press('v');
  await a.page.keyboard.press('m');
  await expect(b.tileOf(alice).getByTestId('badge-muted')).toBeHidden();
  await expect(b.tileOf(alice).getByTestId('badge-camera-off')).toBeHidden();

  // Bob shares his screen: Alice receives the (larger) screen picture in place of his camera.
  await b.page.getByTestId('toggle-share').click();
  await expect(b.page.getByTestId('sharing-banner')).toBeVisible();
  await expect(a.tileOf(bob).getByTestId('badge-sharing')).toBeVisible();
  await expect
    .poll(async () => (await a.stats(bob))?.frameWidth ?? 0, { message: "Alice decodes Bob's screen" })
    .toBeGreaterThan(FAKE_CAMERA_WIDTH);
  await b.screenshot('screen-share', testInfo);
  await b.page.getByTestId('sharing-banner').getByRole('button', { name: 'Stop sharing' }).click();
  await expect(a.tileOf(bob).getByTestId('badge-sharing')).toBeHidden();
  await expect
    .poll(async () => (await a.stats(bob))?.frameWidth ?? 0, { message: "Alice gets Bob's camera back" })
    .toBe(FAKE_CAMERA_WIDTH);

  await a.hangUp();
  await expect(b.inCall()).toBeHidden();
  await expect(b.toast(`Call with ${alice.name} ended`)).toBeVisible();

  for (const client of [a, b]) {
    await client.page.getByTestId('nav-history').click();
    const row = client.page.getByTestId('history-row').first();
    await expect(row).toHaveAttribute('data-status', 'answered');
  }
  await expect(a.page.getByTestId('history-row').first()).toHaveAttribute('data-direction', 'outgoing');
  await expect(b.page.getByTestId('history-row').first()).toHaveAttribute('data-direction', 'incoming');
  await a.screenshot('history', testInfo);

  await a.page.getByTestId('nav-settings').click();
  await expect(a.page.getByTestId('select-camera')).toBeEnabled();
  await a.screenshot('settings', testInfo);

  await Promise.all([a.close(), b.close()]);
});
