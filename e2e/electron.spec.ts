/**
 * The desktop app itself, end to end: Playwright launches Electron on the built app (dist/main/index.cjs,
 * dist/preload/index.cjs, dist/web), which signs in against a real backend (the token kept by main, not in
 * the page's storage), shares a real screen through the app's own picker (sources from desktopCapturer)
 * with a peer in Chromium while main's sharing indicator is up, stops it from that indicator, and records
 * the call in its SQLite history.
 *
 * Machines without an Electron binary (CI here installs with ELECTRON_SKIP_BINARY_DOWNLOAD) skip it and say
 * why. Set ELECTRON_PATH to run it against an Electron installed elsewhere.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { _electron as electron } from '@playwright/test';
import type { ElectronApplication, Page } from '@playwright/test';
import type { DesktopApi } from '../src/shared/desktopApi.ts';
import { registerUser } from './support/api.ts';
import { CallClient } from './support/client.ts';
import { chromiumArgs } from './support/fakeCamera.ts';
import { expect, test } from './support/fixtures.ts';

declare global {
  interface Window {
    desktop?: DesktopApi;
  }
}

const ROOT = path.resolve(import.meta.dirname, '..');

/**
 * The Electron binary, or why there is none. Reads what `require('electron')` would return (the electron
 * package's path.txt) without requiring it: with no binary, requiring it starts a download.
 */
function findElectron(): { binary: string } | { reason: string } {
  const fromEnv = process.env.ELECTRON_PATH;
  if (fromEnv)
    return existsSync(fromEnv) ? { binary: fromEnv } : { reason: `ELECTRON_PATH=${fromEnv} does not exist` };
  const packageDir = path.join(ROOT, 'node_modules', 'electron');
  const pathFile = path.join(packageDir, 'path.txt');
  if (!existsSync(pathFile)) {
    return {
      reason:
        'node_modules/electron has no binary (installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1); set ELECTRON_PATH',
    };
  }
  const binary = path.join(packageDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? { binary } : { reason: `${binary} is missing` };
}

function skipReason(): string | null {
  const found = findElectron();
  if ('reason' in found) return `No Electron binary on this machine: ${found.reason}`;
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return 'Electron needs a display: run under xvfb-run';
  }
  return null;
}

/** Main's sharing indicator: its own window, titled after what is shared. */
async function sharingIndicator(app: ElectronApplication): Promise<Page> {
  let found: Page | undefined;
  await expect
    .poll(async () => {
      for (const win of app.windows()) {
        if (/^You are sharing/.test(await win.title().catch(() => ''))) found = win;
      }
      return found !== undefined;
    })
    .toBe(true);
  return found!;
}

const reason = skipReason();
if (reason) console.log(`electron.spec.ts skipped: ${reason}`);

test.describe('desktop app (Electron)', () => {
  test.skip(reason !== null, reason ?? '');

  test('signs in, shares a real screen through its own picker and records the call', async ({
    backend,
    browser,
  }) => {
    const found = findElectron();
    if ('reason' in found) throw new Error(found.reason);
    const dana = await registerUser(backend.url, 'Dana Desk');
    const wes = await registerUser(backend.url, 'Wes Web');
    const userData = mkdtempSync(path.join(tmpdir(), 'callbridge-electron-'));
    const web = await CallClient.open(browser, backend.url, wes);
    const app = await electron.launch({
      executablePath: found.binary,
      // Chromium's fake camera/microphone switches work in Electron too. Not the fake media UI: it would
      // answer getDisplayMedia itself, and the point here is the app's own picker.
      args: [ROOT, ...chromiumArgs().filter((arg) => arg !== '--use-fake-ui-for-media-stream')],
      cwd: ROOT,
      env: { ...process.env, CALLBRIDGE_SERVER_URL: backend.url, CALLBRIDGE_USER_DATA_DIR: userData },
    });
    try {
      const page = await app.firstWindow();
      expect(page.url()).toMatch(/^app:\/\/callbridge\//);
      // The preload exposes the DesktopApi and nothing of Node or IPC.
      expect(
        await page.evaluate(() => [
          typeof window.desktop?.listHistory,
          typeof (window as { require?: unknown }).require,
        ]),
      ).toEqual(['function', 'undefined']);

      const signIn = page.getByTestId('sign-in');
      await signIn.getByLabel('Email').fill(dana.email);
      await signIn.getByLabel('Password').fill(dana.password);
      await signIn.locator('button[type="submit"]').click();
      await expect(page.getByTestId('contacts')).toBeVisible();

      // The session lives in main (encrypted where the OS has a keyring); the page keeps no copy of it.
      const session = await page.evaluate(() => window.desktop!.loadSession());
      const token = session.ok && session.value ? session.value.token : null;
      expect(token).toBeTruthy();
      const pageStorage = await page.evaluate(async () => ({
        local: JSON.stringify({ ...localStorage }),
        session: JSON.stringify({ ...sessionStorage }),
        indexedDb: (await indexedDB.databases()).map((db) => db.name),
      }));
      expect(pageStorage.local).not.toContain(token);
      expect(pageStorage.session).not.toContain(token);
      expect(pageStorage.indexedDb).toEqual([]);
      const sessionFile = path.join(userData, 'session.bin');
      if (existsSync(sessionFile)) expect(readFileSync(sessionFile).toString('latin1')).not.toContain(token);

      await page
        .locator(`[data-testid="person-row"][data-email="${wes.email}"]`)
        .getByTestId('call-audio')
        .click();
      await web.answer(false);
      await expect(page.getByTestId('in-call')).toBeVisible();

      // getDisplayMedia goes to main's display-media handler, which feeds the renderer's picker real sources.
      await page.getByTestId('toggle-share').click();
      const picker = page.getByTestId('screen-picker');
      await expect(picker).toBeVisible();
      const sources = picker.getByTestId('screen-source');
      await expect(sources.first()).toBeVisible();
      await sources.first().click();
      await picker.getByTestId('picker-share').click();
      await expect(picker).toBeHidden();
      await expect(web.tileOf(dana).getByTestId('badge-sharing')).toBeVisible();

      // Main's own indicator is up for as long as the capture runs; its Stop ends the share in the page.
      const indicator = await sharingIndicator(app);
      await expect(indicator.getByText(/^You are sharing /)).toBeVisible();
      const closed = indicator.waitForEvent('close');
      await indicator.getByRole('link', { name: 'Stop' }).click();
      await expect(web.tileOf(dana).getByTestId('badge-sharing')).toBeHidden();
      await expect(page.getByTestId('in-call')).toBeVisible();
      await closed;

      await page.getByTestId('hang-up').click();
      await page.getByTestId('nav-history').click();
      await expect(page.getByTestId('history-row').first()).toHaveAttribute('data-status', 'answered');
      const stored = await page.evaluate(() => window.desktop!.listHistory({ limit: 1 }));
      expect(stored.ok && stored.value.entries[0]).toMatchObject({
        status: 'answered',
        direction: 'outgoing',
      });
    } finally {
      await app.close();
      await web.close();
      rmSync(userData, { recursive: true, force: true });
    }
  });
});
