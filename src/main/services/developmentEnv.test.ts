import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { developmentOverrides } from './developmentEnv.ts';

describe('development variables', () => {
  const env = {
    CALLBRIDGE_SERVER_URL: 'http://127.0.0.1:3999/',
    CALLBRIDGE_USER_DATA_DIR: 'tmp/profile-a',
    HOME: '/home/ada',
  };

  it('apply to development runs', () => {
    expect(developmentOverrides(env, false)).toEqual({
      serverUrl: 'http://127.0.0.1:3999',
      userDataDir: path.resolve('tmp/profile-a'),
      ignored: [],
    });
  });

  it('are all ignored, and reported, in a packaged build', () => {
    const packaged = developmentOverrides({ ...env, CALLBRIDGE_ANYTHING: '1' }, true);
    expect(packaged).toMatchObject({ serverUrl: null, userDataDir: null });
    expect(packaged.ignored.map((v) => v.name).sort()).toEqual([
      'CALLBRIDGE_ANYTHING',
      'CALLBRIDGE_SERVER_URL',
      'CALLBRIDGE_USER_DATA_DIR',
    ]);
  });

  it('refuse a cleartext server even in development, saying why', () => {
    const dev = developmentOverrides({ CALLBRIDGE_SERVER_URL: 'http://calls.example.com' }, false);
    expect(dev.serverUrl).toBeNull();
    expect(dev.ignored).toEqual([{ name: 'CALLBRIDGE_SERVER_URL', reason: expect.stringMatching(/https/) }]);
  });
});
