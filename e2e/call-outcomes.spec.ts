/** The ways a call can go other than "answered": declined, and both sides calling each other at once. */
import { registerUser } from './support/api.ts';
import { CallClient } from './support/client.ts';
import { expect, test } from './support/fixtures.ts';

test('declining: the caller is told, the ringing stops, both histories show it', async ({
  browser,
  backend,
}) => {
  const alice = await registerUser(backend.url, 'Alice Decline');
  const bob = await registerUser(backend.url, 'Bob Decline');
  const b = await CallClient.open(browser, backend.url, bob);
  const a = await CallClient.open(browser, backend.url, alice);

  await a.call(bob, 'audio');
  await expect(b.incoming()).toContainText('Incoming audio call');
  await b.incoming().getByTestId('decline').click();

  await expect(b.incoming()).toBeHidden();
  await expect(a.inCall()).toBeHidden();
  await expect(a.toast(`${bob.name} declined the call`)).toBeVisible();

  await a.page.getByTestId('nav-history').click();
  await expect(a.page.getByTestId('history-row').first()).toHaveAttribute('data-status', 'rejected');
  await b.page.getByTestId('nav-history').click();
  await expect(b.page.getByTestId('history-row').first()).toHaveAttribute('data-status', 'rejected');
  await Promise.all([a.close(), b.close()]);
});

test('glare: both call each other at the same moment and still end up in one connected call', async ({
  browser,
  backend,
}) => {
  const alice = await registerUser(backend.url, 'Alice Glare');
  const bob = await registerUser(backend.url, 'Bob Glare');
  const a = await CallClient.open(browser, backend.url, alice);
  const b = await CallClient.open(browser, backend.url, bob);

  // Both clicks are already on their way when the other's call arrives: dispatched straight to the buttons,
  // as a real click would be if the incoming-call screen appeared a moment after it.
  await Promise.all([
    a.person(bob).getByTestId('call-video').dispatchEvent('click'),
    b.person(alice).getByTestId('call-video').dispatchEvent('click'),
  ]);

  await expect(a.inCall()).toHaveAttribute('data-phase', 'active');
  await expect(b.inCall()).toHaveAttribute('data-phase', 'active');
  const callId = await a.inCall().getAttribute('data-call-id');
  await expect(b.inCall()).toHaveAttribute('data-call-id', callId!);
  await expect(a.incoming()).toBeHidden();
  await expect(b.incoming()).toBeHidden();
  await a.expectMediaFrom(bob);
  await b.expectMediaFrom(alice);
  await Promise.all([a.close(), b.close()]);
});

test('camera access denied: the callee is told how to fix it and can go on with audio only', async ({
  browser,
  backend,
}) => {
  const alice = await registerUser(backend.url, 'Alice Denied');
  const bob = await registerUser(backend.url, 'Bob Denied');
  const a = await CallClient.open(browser, backend.url, alice);
  const b = await CallClient.open(browser, backend.url, bob);
  // Bob's browser refuses any capture that includes the camera, as after "Block" on the permission prompt.
  await b.page.evaluate(() => {
    const capture = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = (constraints) =>
      constraints?.video
        ? Promise.reject(new DOMException('Permission denied', 'NotAllowedError'))
        : capture(constraints);
  });

  await a.call(bob, 'video');
  await b.answer(true);
  const problem = b.page.getByTestId('media-problem');
  await expect(problem).toHaveAttribute('data-kind', 'media-denied');
  await expect(problem).toContainText('denied');

  await problem.getByTestId('audio-only').click();
  await expect(problem).toBeHidden();
  await expect(a.tileOf(bob).getByTestId('badge-camera-off')).toBeVisible();
  await expect
    .poll(async () => (await a.stats(bob))?.audioPacketsReceived ?? 0, { message: 'Alice hears Bob' })
    .toBeGreaterThan(0);
  await b.expectMediaFrom(alice);
  await Promise.all([a.close(), b.close()]);
});
