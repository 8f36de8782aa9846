import { describe, expect, it } from 'vitest';
import { deriveLocalCoturnConfig, readProductionCoturnConfig } from './coturnConfig.ts';

const options = {
  listenIp: '127.0.0.1',
  port: 34_780,
  secret: 'dev-secret',
  realm: 'dev.test',
  workDir: '/tmp/x',
};

function values(config: string, key: string): string[] {
  return config
    .split('\n')
    .filter((line) => line.startsWith(`${key}=`) || line === key)
    .map((line) => line.slice(key.length + 1));
}

describe('production coturn config', () => {
  it('commits no secret, only the placeholder the deploy fills', async () => {
    const production = await readProductionCoturnConfig();
    expect(values(production, 'static-auth-secret')).toEqual(['${TURN_SECRET}']);
    expect(production).toMatch(/^use-auth-secret$/m);
  });
});

describe('deriveLocalCoturnConfig', () => {
  it('keeps the production hardening and re-allows only the local address as a peer', async () => {
    const local = deriveLocalCoturnConfig(await readProductionCoturnConfig(), options);
    expect(values(local, 'static-auth-secret')).toEqual(['dev-secret']);
    expect(values(local, 'listening-port')).toEqual(['34780']);
    expect(values(local, 'denied-peer-ip')).toEqual(
      expect.arrayContaining([
        '10.0.0.0-10.255.255.255',
        '169.254.0.0-169.254.255.255',
        '127.0.0.0-127.255.255.255',
      ]),
    );
    expect(values(local, 'allowed-peer-ip')).toEqual(['127.0.0.1']);
    for (const key of ['fingerprint', 'no-cli', 'no-multicast-peers', 'no-tlsv1', 'no-tlsv1_1']) {
      expect(values(local, key)).toHaveLength(1);
    }
    expect(values(local, 'user-quota')).toEqual(['12']);
    expect(local).not.toContain('${');
    expect(values(local, 'cert')).toEqual([]);
  });

  it('refuses a value that would smuggle in another coturn option', () => {
    expect(() => deriveLocalCoturnConfig('', { ...options, secret: 'x\nallow-loopback-peers' })).toThrow(
      'coturn secret must be a non-empty single line',
    );
  });

  it('refuses a production placeholder it does not know how to fill', () => {
    expect(() => deriveLocalCoturnConfig('alt-listening-ip=${TURN_ALT_IP}\n', options)).toThrow(
      'alt-listening-ip=${TURN_ALT_IP}',
    );
  });
});
