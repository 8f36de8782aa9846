import { describe, expect, it, vi } from 'vitest';
import { createRelayDirectory, type CallSignalers } from './relayDirectory.ts';

function setup() {
  let clock = 0;
  const on = (deviceId: string) => ({ deviceId, joined: true, stay: 1 });
  let joined: CallSignalers = new Map([['alice', on('dev-a')]]);
  const load = vi.fn(async () => joined);
  const directory = createRelayDirectory(load, { ttlMs: 1000, maxEntries: 2, now: () => clock });
  return {
    directory,
    load,
    on,
    advance: (ms: number) => (clock += ms),
    setJoined: (next: CallSignalers) => (joined = next),
  };
}

describe('relay directory', () => {
  it('serves repeated lookups of a call from one load until it is invalidated', async () => {
    const { directory, load, setJoined, on } = setup();
    expect(await directory.participants('call-1', false)).toEqual(new Map([['alice', on('dev-a')]]));
    setJoined(new Map([['alice', on('dev-b')]]));
    expect((await directory.participants('call-1', false)).get('alice')?.deviceId).toBe('dev-a');
    expect(load).toHaveBeenCalledTimes(1);

    directory.invalidate('call-1');
    expect((await directory.participants('call-1', false)).get('alice')?.deviceId).toBe('dev-b');
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('reloads after the TTL, on request, and after a failed load', async () => {
    const { directory, load, advance } = setup();
    await directory.participants('call-1', false);
    advance(1000);
    await directory.participants('call-1', false);
    await directory.participants('call-1', true);
    expect(load).toHaveBeenCalledTimes(3);

    load.mockRejectedValueOnce(new Error('db down'));
    await expect(directory.participants('call-2', false)).rejects.toThrow('db down');
    expect(await directory.participants('call-2', false)).toBeDefined();
    expect(load).toHaveBeenCalledTimes(5);
  });

  it('forgets the oldest call beyond its capacity', async () => {
    const { directory, load } = setup();
    for (const id of ['call-1', 'call-2', 'call-3']) await directory.participants(id, false);
    await directory.participants('call-1', false);
    expect(load).toHaveBeenCalledTimes(4);
  });
});
