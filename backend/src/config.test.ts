import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, DESKTOP_APP_ORIGIN, loadConfig } from './config.ts';

const MEMORY = { DATA_DIR: ':memory:' };

describe('loadConfig', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('applies the documented defaults', () => {
    const config = loadConfig(MEMORY);
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      dataDir: null,
      databaseUrl: null,
      redisUrl: null,
      turn: null,
      ringTimeoutSeconds: 45,
      reconnectGraceSeconds: 30,
      corsOrigins: ['http://localhost:3000', 'http://127.0.0.1:3000', DESKTOP_APP_ORIGIN],
    });
    expect(config.jwtSecret.length).toBeGreaterThanOrEqual(32);
  });

  it('builds the TURN config with the spec port and TTL defaults', () => {
    const config = loadConfig({
      ...MEMORY,
      TURN_SERVER_HOST: 'turn.example.com',
      TURN_SECRET: 'x'.repeat(20),
    });
    expect(config.turn).toEqual({
      host: 'turn.example.com',
      port: 3000,
      tlsPort: null,
      secret: 'x'.repeat(20),
      ttlSeconds: 86_400,
      stunUrls: [],
    });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ CALL_RING_TIMEOUT_SECONDS: '-1' }, 'CALL_RING_TIMEOUT_SECONDS'],
    [{ STUN_URLS: 'http://nope' }, 'STUN_URLS'],
    [{ CORS_ORIGINS: 'not an origin' }, 'CORS_ORIGINS'],
    [{ JANUS_URLS: 'http://janus:8088/janus', JANUS_ADMIN_KEY: 'k'.repeat(16) }, 'JANUS_URLS'],
    [{ JANUS_URLS: 'ws://janus:8188,janus-b:8188', JANUS_ADMIN_KEY: 'k'.repeat(16) }, 'JANUS_URLS'],
    [{ JANUS_URLS: 'ws://janus:8188/#x', JANUS_ADMIN_KEY: 'k'.repeat(16) }, 'JANUS_URLS'],
    [{ JANUS_URLS: `ws://${'j'.repeat(240)}:8188`, JANUS_ADMIN_KEY: 'k'.repeat(16) }, 'JANUS_URLS'],
    [{ JANUS_URLS: 'ws://janus:8188', JANUS_ADMIN_KEY: 'short' }, 'JANUS_ADMIN_KEY'],
  ])('names the bad variable in one line: %o', (env, name) => {
    expect(() => loadConfig({ ...MEMORY, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...MEMORY, ...env })).toThrow(
      new RegExp(`^Invalid environment variable ${name}: [^\\n]+$`),
    );
  });

  it('requires JWT_SECRET in production, and TURN_SECRET when TURN is configured', () => {
    expect(() => loadConfig({ ...MEMORY, NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
    expect(() =>
      loadConfig({
        ...MEMORY,
        NODE_ENV: 'production',
        JWT_SECRET: 'j'.repeat(32),
        TURN_SERVER_HOST: 'turn.example.com',
      }),
    ).toThrow(/TURN_SECRET/);
    expect(loadConfig({ ...MEMORY, NODE_ENV: 'production', JWT_SECRET: 'j'.repeat(32) }).jwtSecret).toBe(
      'j'.repeat(32),
    );
  });

  it('has no SFU unless JANUS_URLS is set', () => {
    expect(loadConfig(MEMORY).janus).toBeNull();
    expect(loadConfig({ ...MEMORY, JANUS_URLS: ' , ', JANUS_ADMIN_KEY: 'k'.repeat(16) }).janus).toBeNull();
  });

  it('parses JANUS_URLS in order, without repeats, with the admin key', () => {
    const config = loadConfig({
      ...MEMORY,
      JANUS_URLS:
        ' ws://10.0.0.5:8188 , wss://janus-b.example.com/janus,ws://10.0.0.5:8188/,WS://10.0.0.5:8188',
      JANUS_ADMIN_KEY: 'admin-key-of-16+',
    });
    expect(config.janus).toEqual({
      urls: ['ws://10.0.0.5:8188', 'wss://janus-b.example.com/janus'],
      adminKey: 'admin-key-of-16+',
    });
  });

  it('requires JANUS_ADMIN_KEY with JANUS_URLS, and never repeats the key in an error', () => {
    expect(() => loadConfig({ ...MEMORY, JANUS_URLS: 'ws://127.0.0.1:8188' })).toThrow(
      /^Missing environment variable JANUS_ADMIN_KEY: /,
    );
    const key = 'not-long-enough';
    expect(() => loadConfig({ ...MEMORY, JANUS_URLS: 'ws://127.0.0.1:8188', JANUS_ADMIN_KEY: key })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(key) }),
    );
  });

  it('generates development secrets once and keeps them in DATA_DIR with mode 0600', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'callbridge-config-'));
    dirs.push(dir);
    const first = loadConfig({ DATA_DIR: dir, TURN_SERVER_HOST: 'localhost' });
    const second = loadConfig({ DATA_DIR: dir, TURN_SERVER_HOST: 'localhost' });
    expect(second.jwtSecret).toBe(first.jwtSecret);
    expect(second.turn?.secret).toBe(first.turn?.secret);
    const file = path.join(dir, 'secrets.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      jwtSecret: first.jwtSecret,
      turnSecret: first.turn?.secret,
    });
  });
});

describe('recording config', () => {
  const SFU = { DATA_DIR: ':memory:', JANUS_URLS: 'ws://127.0.0.1:8188', JANUS_ADMIN_KEY: 'k'.repeat(20) };

  it('is off without an SFU, or with the database in memory and no RECORDINGS_DIR', () => {
    expect(loadConfig({ ...MEMORY, RECORDINGS_DIR: '/srv/rec' }).recording).toBeNull();
    expect(loadConfig(SFU).recording).toBeNull();
  });

  it('takes RECORDINGS_DIR, the retention in days and the free-space floor', () => {
    expect(
      loadConfig({
        ...SFU,
        RECORDINGS_DIR: '/srv/rec',
        RECORDING_RETENTION_DAYS: '7',
        RECORDING_MIN_FREE_MB: '2',
      }).recording,
    ).toEqual({ dir: '/srv/rec', retentionDays: 7, minFreeBytes: 2 * 1024 * 1024 });
    expect(loadConfig({ ...SFU, RECORDINGS_DIR: '/srv/rec' }).recording).toMatchObject({ retentionDays: 30 });
  });

  it('refuses a retention that is not a positive number of days', () => {
    for (const bad of ['0', '-1', 'soon', '100000']) {
      expect(() => loadConfig({ ...SFU, RECORDINGS_DIR: '/srv/rec', RECORDING_RETENTION_DAYS: bad })).toThrow(
        /RECORDING_RETENTION_DAYS/,
      );
    }
    expect(() => loadConfig({ ...SFU, RECORDING_MIN_FREE_MB: '-5' })).toThrow(/RECORDING_MIN_FREE_MB/);
  });
});
