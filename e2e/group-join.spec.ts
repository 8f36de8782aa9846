/**
 * Extra: a group call people come and go from (mesh, no SFU configured). A member who declined joins from
 * the "call in progress" banner, without any microphone or camera; someone leaves and rejoins from the
 * banner; a raised hand is seen by all and lowered by the host; a reaction shows on the sender's tile.
 */
import { createConversation, registerUser } from './support/api.ts';
import { CallClient } from './support/client.ts';
import { expect, test } from './support/fixtures.ts';

test.describe.configure({ timeout: 240_000 });

test('join an ongoing call from the banner, leave and rejoin, raise a hand, react', async ({
  browser,
  backend,
}) => {
  const alice = await registerUser(backend.url, 'Alice Standup');
  const bob = await registerUser(backend.url, 'Bob Standup');
  const carol = await registerUser(backend.url, 'Carol Standup');
  await createConversation(backend.url, alice, [bob, carol], 'Standup');
  const a = await CallClient.open(browser, backend.url, alice);
  const b = await CallClient.open(browser, backend.url, bob);
  const c = await CallClient.open(browser, backend.url, carol);

  await a.startGroupCall('Standup');
  await b.answer(true);
  await c.incoming().getByTestId('decline').click();
  await a.expectMediaFrom(bob);

  // Carol changed her mind; her machine has no microphone and no camera at all.
  const banner = c.page.getByTestId('ongoing-call-banner');
  await expect(banner).toContainText('Standup — call in progress, 2 people');
  await expect(c.page.getByTestId('group-row-call')).toContainText('Call in progress · 2 people');
  await c.page.evaluate(() => {
    navigator.mediaDevices.getUserMedia = () =>
      Promise.reject(new DOMException('Requested device not found', 'NotFoundError'));
  });
  await banner.getByTestId('join-ongoing-call').click();
  await expect(c.inCall()).toBeVisible();
  await expect(a.toast(`${carol.name} joined`)).toBeVisible();
  // Present, with avatar and badges, never "connecting" for the ones already in the call.
  for (const client of [a, b]) {
    const tile = client.tileOf(carol);
    await expect(tile).toHaveAttribute('data-sends-media', 'false');
    await expect(tile.getByTestId('badge-muted')).toBeVisible();
    await expect(tile.getByTestId('badge-camera-off')).toBeVisible();
    await expect(tile.getByText('Connecting…')).toBeHidden();
  }

  // Bob leaves and comes back from the banner; Alice sees him and his media again.
  await b.hangUp();
  await expect(a.toast(`${bob.name} left`)).toBeVisible();
  await expect(b.page.getByTestId('ongoing-call-banner')).toContainText('call in progress, 2 people');
  await b.page.getByTestId('join-ongoing-call').click();
  await expect(b.inCall()).toBeVisible();
  await a.expectMediaFlowingFrom(bob);
  await expect(a.page.getByTestId('remote-tile')).toHaveCount(2);

  // Carol raises her hand: everyone sees it on her tile and in the queue; the host (Alice) lowers it.
  await c.page.getByTestId('toggle-hand').click();
  await expect(c.page.getByTestId('toggle-hand')).toHaveAttribute('aria-pressed', 'true');
  for (const client of [a, b]) {
    await expect(client.tileOf(carol).getByTestId('tile-hand')).toHaveText('✋ 1');
    await expect(client.page.getByTestId('hand-queue-entry')).toHaveText(/Carol Standup/);
  }
  await expect(b.page.getByTestId('lower-hand')).toHaveCount(0);
  await a.page.getByTestId('hand-queue-entry').getByTestId('lower-hand').click();
  for (const client of [a, b, c]) await expect(client.page.getByTestId('hand-queue')).toBeHidden();
  await expect(c.page.getByTestId('toggle-hand')).toHaveAttribute('aria-pressed', 'false');

  // Bob reacts: the others see it on his tile, he sees it on his own.
  await b.page.getByTestId('reactions').click();
  await b.page.locator('[data-testid="reaction-choice"][data-reaction="🎉"]').click();
  // Shown for a few seconds only: looked for on every page at once.
  await Promise.all([
    ...[a, c].map((client) => expect(client.tileOf(bob).getByTestId('tile-reaction')).toHaveText('🎉')),
    expect(b.page.getByTestId('local-preview').getByTestId('tile-reaction')).toHaveText('🎉'),
  ]);
  // Shown briefly, then gone.
  await expect(a.tileOf(bob).getByTestId('tile-reaction')).toBeHidden({ timeout: 10_000 });

  // Once everyone left, the banner is gone for all.
  for (const client of [a, b, c]) await client.hangUp();
  for (const client of [a, b, c]) await expect(client.page.getByTestId('ongoing-call-banner')).toBeHidden();
  await Promise.all([a.close(), b.close(), c.close()]);
});
