import { describe, expect, it } from 'vitest';
import { bundledUpdateConfig, parseAppUpdateYml } from './appUpdateConfig.ts';

// What electron-builder 26 writes (builder-util's serializeToYaml, i.e. js-yaml's dump), captured verbatim.
const SIGNED_GENERIC =
  'provider: generic\nurl: https://updates.example.org/callbridge\npublisherName:\n  - Example Corp\nupdaterCacheDirName: callbridge-updater\n';
const SIGNED_GITHUB_DN =
  'owner: acme\nrepo: callbridge\nprovider: github\npublisherName:\n  - CN=Acme, Inc., O="Acme, Inc.", L=Berlin, C=DE\n' +
  "  - 'O''Neil & Söhne: GmbH'\nupdaterCacheDirName: callbridge-updater\n";
const UNSIGNED = 'provider: generic\nurl: https://u.example/x\nupdaterCacheDirName: callbridge-updater\n';
const SCALARS =
  "provider: generic\nurl: https://u.example/x\npublisherName: Single Name\npublishAutoUpdate: true\nx: 'yes'\n'n': '123'\ne: ''\n";

describe('app-update.yml', () => {
  it('reads the publishers an update must be signed by', () => {
    expect(bundledUpdateConfig(SIGNED_GENERIC)).toEqual({
      status: 'present',
      config: { provider: 'generic', publisherNames: ['Example Corp'] },
    });
    expect(bundledUpdateConfig(SIGNED_GITHUB_DN)).toEqual({
      status: 'present',
      config: {
        provider: 'github',
        publisherNames: ['CN=Acme, Inc., O="Acme, Inc.", L=Berlin, C=DE', "O'Neil & Söhne: GmbH"],
      },
    });
    expect(bundledUpdateConfig(SCALARS)).toMatchObject({ config: { publisherNames: ['Single Name'] } });
    expect(parseAppUpdateYml(SCALARS)).toMatchObject({ x: 'yes', n: '123', e: '' });
  });

  it('reports a build without a publisher as such', () => {
    expect(bundledUpdateConfig(UNSIGNED)).toEqual({
      status: 'present',
      config: { provider: 'generic', publisherNames: [] },
    });
    expect(bundledUpdateConfig('provider: generic\npublisherName:\n')).toMatchObject({
      config: { publisherNames: [] },
    });
  });

  it('treats anything but the flat shape electron-builder writes as unreadable', () => {
    for (const text of [
      'provider: generic\nrequestHeaders:\n  Authorization: x\n',
      'provider: generic\npublisherName: [a, b]\n',
      'provider: generic\nprovider: github\n',
      '  - orphan item\n',
      'provider: &anchor generic\n',
      "provider: 'unterminated\n",
      'url: https://u.example/x\n',
      'not yaml at all',
    ]) {
      expect(bundledUpdateConfig(text).status).toBe('unreadable');
    }
  });
});
