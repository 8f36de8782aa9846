/**
 * The renderer on the desktop platform, with a stand-in for Electron's preload (support/fakeDesktop.ts):
 * the renderer's half of the contract: picker modal, presence, local history, the session handed to main.
 */
import type { Page } from '@playwright/test';
import type { ScreenPickerRequest } from '../src/shared/desktopApi.ts';
import { registerUser } from './support/api.ts';
import { CallClient } from './support/client.ts';
import { installFakeDesktop } from './support/fakeDesktop.ts';
import { expect, test } from './support/fixtures.ts';

async function thumbnail(page: Page, color: string, label: string): Promise<string> {
  return page.evaluate(
    ([fill, text]) => {
      const canvas = document.createElement('canvas');
      canvas.width = 320;
      canvas.height = 200;
      const g = canvas.getContext('2d')!;
      g.fillStyle = fill!;
      g.fillRect(0, 0, 320, 200);
      g.fillStyle = 'rgba(255,255,255,0.85)';
      g.fillRect(16, 16, 288, 24);
      g.fillRect(16, 56, 180, 120);
      g.fillStyle = '#111';
      g.font = '14px sans-serif';
      g.fillText(text!, 24, 33);
      return canvas.toDataURL('image/png');
    },
    [color, label],
  );
}

test('desktop platform: the screen picker lists screens and windows and answers the choice', async ({
  browser,
  backend,
}, testInfo) => {
  const alice = await registerUser(backend.url, 'Alice Desktop');
  const bob = await registerUser(backend.url, 'Bob Web');
  const b = await CallClient.open(browser, backend.url, bob);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(installFakeDesktop, { serverUrl: backend.url });
  const page = await context.newPage();
  await page.goto(`${backend.url}/?debug=1`);
  const form = page.getByTestId('sign-in');
  await expect(form.getByLabel('Server')).toHaveValue(backend.url);
  await form.getByLabel('Email').fill(alice.email);
  await form.getByLabel('Password').fill(alice.password);
  await form.locator('button[type="submit"]').click();
  // On the desktop platform the session goes to main; the page keeps no copy of the token.
  await expect
    .poll(() => page.evaluate(() => window.__fakeDesktop!.session))
    .toMatchObject({ serverUrl: backend.url });
  const saved = await page.evaluate(() => window.__fakeDesktop!.session!.token);
  expect(await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }))).not.toContain(
    saved,
  );
  await page
    .locator(`[data-testid="person-row"][data-email="${bob.email}"]`)
    .getByTestId('call-video')
    .click();
  await b.answer(true);
  await expect(page.getByTestId('in-call')).toHaveAttribute('data-phase', 'active');
  await expect.poll(() => page.evaluate(() => window.__fakeDesktop!.presences.at(-1)?.state)).toBe('in-call');

  const request: ScreenPickerRequest = {
    requestId: 'req-1',
    systemAudioAvailable: true,
    sources: [
      {
        id: 'screen:0',
        name: 'Entire screen',
        kind: 'screen',
        thumbnailDataUrl: await thumbnail(page, '#3b5bdb', 'Desktop'),
        appIconDataUrl: null,
      },
      {
        id: 'window:42',
        name: 'Quarterly plan — Editor',
        kind: 'window',
        thumbnailDataUrl: await thumbnail(page, '#2b8a3e', 'Quarterly plan'),
        appIconDataUrl: null,
      },
      {
        id: 'window:43',
        name: 'Terminal',
        kind: 'window',
        thumbnailDataUrl: await thumbnail(page, '#343a40', 'Terminal'),
        appIconDataUrl: null,
      },
    ],
  };
  await page.evaluate((r) => window.__fakeDesktop!.emitPickerRequest(r), request);
  const picker = page.getByTestId('screen-picker');
  await expect(picker.getByTestId('screen-source')).toHaveCount(3);
  await picker.locator('[data-source-id="window:42"]').click();
  await page.screenshot({ path: 'docs/screenshots/screen-picker.png' });
  await testInfo.attach('screen-picker', {
    path: 'docs/screenshots/screen-picker.png',
    contentType: 'image/png',
  });
  await picker.getByTestId('picker-share').click();
  await expect(picker).toBeHidden();
  expect(await page.evaluate(() => window.__fakeDesktop!.choices)).toEqual([
    { requestId: 'req-1', sourceId: 'window:42', withSystemAudio: false },
  ]);

  // Cancelling answers null, so main can reject the parked getDisplayMedia.
  await page.evaluate((r) => window.__fakeDesktop!.emitPickerRequest({ ...r, requestId: 'req-2' }), request);
  await page.getByTestId('picker-cancel').click();
  expect((await page.evaluate(() => window.__fakeDesktop!.choices)).at(-1)).toEqual({
    requestId: 'req-2',
    sourceId: null,
    withSystemAudio: false,
  });

  // Main gave up on a request (timeout, window closed): the picker closes without answering.
  await page.evaluate((r) => window.__fakeDesktop!.emitPickerRequest({ ...r, requestId: 'req-3' }), request);
  await expect(picker).toBeVisible();
  await page.evaluate(() => window.__fakeDesktop!.emitPickerClosed('req-3'));
  await expect(picker).toBeHidden();
  expect(await page.evaluate(() => window.__fakeDesktop!.choices.length)).toBe(2);

  // Hanging up records the call in the desktop's own history and returns presence to idle.
  await page.getByTestId('hang-up').click();
  await expect
    .poll(() => page.evaluate(() => window.__fakeDesktop!.recorded.map((e) => e.status)))
    .toEqual(['answered']);
  await expect.poll(() => page.evaluate(() => window.__fakeDesktop!.presences.at(-1)?.state)).toBe('idle');
  await Promise.all([context.close(), b.close()]);
});
