import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bundledUpdateConfig } from '../services/appUpdateConfig.ts';

type AfterSign = ((context: unknown) => Promise<void>) & {
  updateSigningProblem: (yml: string) => string | null;
};
const afterSign = createRequire(import.meta.url)('../../../build/afterSign.cjs') as AfterSign;

const SIGNED =
  'provider: generic\nurl: https://u.example/cb\npublisherName:\n  - Example Corp\nupdaterCacheDirName: callbridge-updater\n';
const UNSIGNED = 'provider: generic\nurl: https://u.example/cb\nupdaterCacheDirName: callbridge-updater\n';

describe('afterSign hook: a signed Windows build must name its update publisher', () => {
  let appOutDir: string;
  beforeEach(() => {
    appOutDir = mkdtempSync(path.join(tmpdir(), 'callbridge-sign-'));
    mkdirSync(path.join(appOutDir, 'resources'));
  });
  afterEach(() => rmSync(appOutDir, { recursive: true, force: true }));

  const sign = (platform: string) => afterSign({ appOutDir, electronPlatformName: platform });
  const writeYml = (text: string) => writeFileSync(path.join(appOutDir, 'resources', 'app-update.yml'), text);

  it('passes a build whose app-update.yml names the publisher, and one without a feed', async () => {
    await expect(sign('win32')).resolves.toBeUndefined();
    writeYml(SIGNED);
    await expect(sign('win32')).resolves.toBeUndefined();
  });

  it('fails a build whose updates could not be verified', async () => {
    writeYml(UNSIGNED);
    await expect(sign('win32')).rejects.toThrow(/publisherName/);
    writeYml('provider: generic\npublisherName:\n');
    await expect(sign('win32')).rejects.toThrow(/empty publisherName/);
    // Other OSes verify updates their own way.
    await expect(sign('darwin')).resolves.toBeUndefined();
  });

  it('agrees with the app on what counts as a publisher', () => {
    for (const yml of [
      SIGNED,
      UNSIGNED,
      'provider: generic\npublisherName: Single Name\n',
      "provider: x\npublisherName:\n  - ''\n",
    ]) {
      const app = bundledUpdateConfig(yml);
      const appHasPublisher = app.status === 'present' && app.config.publisherNames.length > 0;
      expect(afterSign.updateSigningProblem(yml) === null).toBe(appHasPublisher);
    }
  });
});
