/** A group (mesh) call with three people: created in the UI, everyone sees and hears everyone. */
import { registerUser } from './support/api.ts';
import { CallClient } from './support/client.ts';
import { expect, test } from './support/fixtures.ts';

test('a 3-person group call: everyone receives everyone, a leaver is announced', async ({
  browser,
  backend,
}, testInfo) => {
  const alice = await registerUser(backend.url, 'Alice Group');
  const bob = await registerUser(backend.url, 'Bob Group');
  const carol = await registerUser(backend.url, 'Carol Group');
  const b = await CallClient.open(browser, backend.url, bob);
  const c = await CallClient.open(browser, backend.url, carol);
  const a = await CallClient.open(browser, backend.url, alice);

  await a.page.getByTestId('new-group').click();
  const dialog = a.page.getByTestId('new-group-dialog');
  await dialog.getByLabel('Group name (optional)').fill('Design review');
  await dialog.locator(`input[data-email="${bob.email}"]`).check();
  await dialog.locator(`input[data-email="${carol.email}"]`).check();
  await dialog.getByTestId('create-group').click();
  const group = a.page.getByTestId('group-row').filter({ hasText: 'Design review' });
  await group.getByTestId('call-video').click();
  await expect(a.inCall()).toBeVisible();

  await expect(b.incoming()).toContainText('group');
  await b.answer(true);
  await expect(c.incoming()).toBeVisible();
  await c.answer(true);

  for (const [client, others] of [
    [a, [bob, carol]],
    [b, [alice, carol]],
    [c, [alice, bob]],
  ] as const) {
    for (const other of others) await client.expectMediaFrom(other);
    await expect(client.page.getByTestId('remote-tile')).toHaveCount(2);
  }
  await a.screenshot('in-call-grid', testInfo);

  await c.hangUp();
  await expect(a.toast(`${carol.name} left`)).toBeVisible();
  await expect(a.page.getByTestId('remote-tile')).toHaveCount(1);
  await expect(b.page.getByTestId('remote-tile')).toHaveCount(1);
  await a.expectMediaFlowingFrom(bob);
  await Promise.all([a.close(), b.close(), c.close()]);
});
