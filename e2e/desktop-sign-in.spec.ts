/**
 * The renderer on the desktop platform (support/fakeDesktop.ts stands in for the preload): choosing the
 * server before signing in, the notice when the session cannot outlive this run, and settings locked by an
 * administrator's policy that could not be read.
 */
import type { Browser, Page } from '@playwright/test';
import { SettingsPatch } from '../src/shared/desktopApi.ts';
import { registerUser } from './support/api.ts';
import { installFakeDesktop, type FakeDesktopOptions } from './support/fakeDesktop.ts';
import { expect, test } from './support/fixtures.ts';

async function desktopPage(browser: Browser, url: string, options: FakeDesktopOptions): Promise<Page> {
  const context = await browser.newContext();
  await context.addInitScript(installFakeDesktop, options);
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

test('the desktop sign-in asks for the server first and refuses cleartext to another machine', async ({
  browser,
  backend,
}) => {
  const page = await desktopPage(browser, backend.url, { serverUrl: null });
  const form = page.getByTestId('sign-in');
  await expect(form.getByLabel('Email')).toHaveCount(0);

  await form.getByLabel('Server').fill('http://calls.example.com');
  await form.getByRole('button', { name: 'Continue' }).click();
  await expect(form.getByRole('alert')).toContainText('Use https://');
  await form.getByLabel('Server').fill('https://user:secret@calls.example.com');
  await form.getByRole('button', { name: 'Continue' }).click();
  await expect(form.getByRole('alert')).toContainText('user name and password');
  expect(await page.evaluate(() => window.__fakeDesktop!.settingsPatches)).toEqual([]);

  // A server on this machine may use http (development). Main saves it, then reloads the app under it.
  await form.getByLabel('Server').fill(`${backend.url}/`);
  await form.getByRole('button', { name: 'Continue' }).click();
  await expect
    .poll(() => page.evaluate(() => window.__fakeDesktop!.settingsPatches))
    .toEqual([{ serverUrl: backend.url }]);
  await page.context().close();
});

test('signing in tells the user when the session will not survive a restart', async ({
  browser,
  backend,
}) => {
  const user = await registerUser(backend.url, 'Kim Keyringless');
  const reason =
    'No keyring (such as GNOME Keyring or KWallet) is running, so CallBridge cannot store your sign-in securely.';
  const page = await desktopPage(browser, backend.url, {
    serverUrl: backend.url,
    notPersistedReason: reason,
  });
  const form = page.getByTestId('sign-in');
  await expect(form.getByLabel('Server')).toHaveValue(backend.url);
  await expect(form.getByLabel('Server')).not.toBeEditable();
  await form.getByLabel('Email').fill(user.email);
  await form.getByLabel('Password').fill(user.password);
  await form.locator('button[type="submit"]').click();
  await expect(page.getByTestId('contacts')).toBeVisible();
  await expect(page.getByTestId('toast')).toContainText(
    `You will have to sign in again next time. ${reason}`,
  );
  await page.context().close();
});

test('an administrator policy that could not be read locks every setting, and the app says so', async ({
  browser,
  backend,
}) => {
  const user = await registerUser(backend.url, 'Pat Policy');
  const page = await desktopPage(browser, backend.url, {
    serverUrl: backend.url,
    settings: {
      serverUrlLocked: true,
      policy: { status: 'unreadable', lockedKeys: Object.keys(SettingsPatch.shape) },
    },
  });
  const form = page.getByTestId('sign-in');
  await expect(form.getByRole('alert')).toContainText('administrator’s policy, which could not be read');
  await expect(form.getByRole('button', { name: 'Change' })).toHaveCount(0);
  await form.getByLabel('Email').fill(user.email);
  await form.getByLabel('Password').fill(user.password);
  await form.locator('button[type="submit"]').click();

  await page.getByTestId('nav-settings').click();
  const settings = page.getByTestId('settings');
  await expect(settings.getByTestId('policy-unreadable')).toBeVisible();
  for (const toggle of ['Do not disturb', 'Missed call notifications', 'Start at login']) {
    await expect(settings.getByRole('switch', { name: toggle })).toBeDisabled();
  }
  await expect(settings.getByLabel('Ringtone')).toBeDisabled();
  await expect(settings.getByLabel('Server')).not.toBeEditable();
  await expect(settings.getByRole('button', { name: 'Switch' })).toHaveCount(0);
  await page.context().close();
});
