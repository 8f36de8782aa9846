/** Nobody answers: after the ring timeout the callee sees a missed call and the caller is told. */
import { registerUser } from './support/api.ts';
import { startBackend } from './support/backend.ts';
import type { RunningBackend } from './support/backend.ts';
import { CallClient } from './support/client.ts';
import { expect, test } from './support/fixtures.ts';

let backend: RunningBackend;
test.beforeAll(async () => {
  backend = await startBackend({ CALL_RING_TIMEOUT_SECONDS: '3' });
});
test.afterAll(async () => backend?.stop());

test('an unanswered call times out: missed for the callee, "no answer" for the caller', async ({
  browser,
}) => {
  const alice = await registerUser(backend.url, 'Alice Missed');
  const bob = await registerUser(backend.url, 'Bob Missed');
  const b = await CallClient.open(browser, backend.url, bob);
  const a = await CallClient.open(browser, backend.url, alice);

  await a.call(bob, 'video');
  await expect(b.incoming()).toBeVisible();

  await expect(b.incoming()).toBeHidden();
  await expect(b.toast(`Missed video call from ${alice.name}`)).toBeVisible();
  await expect(b.page.getByTestId('missed-badge')).toHaveText('1');
  await expect(a.inCall()).toBeHidden();
  await expect(a.toast(`No answer from ${bob.name}`)).toBeVisible();

  await b.page.getByTestId('nav-history').click();
  const row = b.page.getByTestId('history-row').first();
  await expect(row).toHaveAttribute('data-status', 'missed');
  await expect(row).toHaveAttribute('data-direction', 'incoming');
  await expect(row).toContainText('Missed video call');
  // Looking at the history counts the missed call as seen.
  await expect(b.page.getByTestId('missed-badge')).toBeHidden();
  await Promise.all([a.close(), b.close()]);
});
