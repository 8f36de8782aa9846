/** Spec "Call persists after page refresh": a reloaded client takes its call back and media flows again. */
import { registerUser } from './support/api.ts';
import { CallClient } from './support/client.ts';
import { expect, test } from './support/fixtures.ts';

test('reloading mid-call rejoins without any click, and both sides get media again', async ({
  browser,
  backend,
}) => {
  const alice = await registerUser(backend.url, 'Alice Reload');
  const bob = await registerUser(backend.url, 'Bob Reload');
  const a = await CallClient.open(browser, backend.url, alice);
  const b = await CallClient.open(browser, backend.url, bob);

  await a.call(bob, 'video');
  await b.answer(true);
  await a.expectMediaFrom(bob);
  await b.expectMediaFrom(alice);
  const callId = await a.inCall().getAttribute('data-call-id');

  await b.page.reload();

  await expect(b.inCall()).toHaveAttribute('data-call-id', callId!);
  await b.expectMediaFrom(alice);
  await a.expectMediaFlowingFrom(bob);
  await b.expectMediaFlowingFrom(alice);
  await expect(a.inCall()).toHaveAttribute('data-phase', 'active');
  await Promise.all([a.close(), b.close()]);
});
