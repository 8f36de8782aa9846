import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { FRESH_FOR_MS, IceServerProvider, RETRY_AFTER_MS, turnCredentialsKey } from './iceServerProvider.ts';
import type { CallEngineError } from './types.ts';
import type { IceServersInfo } from './types.ts';

const HOUR = 3_600_000;

function turn(username: string): RTCIceServer[] {
  return [{ urls: ['turn:turn.example.org:3478'], username, credential: 'secret' }];
}

/** A fake API whose answers the test scripts; the provider under test is real, only time is fake. */
function setup(answers: (() => IceServersInfo)[]) {
  const fetchIceServers = vi.fn(async () => {
    const next = answers.shift();
    if (!next) throw new Error('API unreachable');
    return next();
  });
  const updates: RTCIceServer[][] = [];
  const errors: CallEngineError[] = [];
  const provider = new IceServerProvider({
    fetchIceServers,
    onUpdate: (servers) => updates.push(servers),
    onError: (error) => errors.push(error),
  });
  return { provider, fetchIceServers, updates, errors };
}

const validFor = (ms: number, username: string) => () => ({
  iceServers: turn(username),
  expiresAt: new Date(Date.now() + ms),
});

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('IceServerProvider', () => {
  test('renews the credentials at 80% of their lifetime and hands the new ones to the connections', async () => {
    const { provider, updates } = setup([validFor(10 * HOUR, 'first'), validFor(10 * HOUR, 'second')]);
    expect(await provider.get()).toEqual(turn('first'));

    await vi.advanceTimersByTimeAsync(8 * HOUR - 1);
    expect(updates).toEqual([turn('first')]);
    await vi.advanceTimersByTimeAsync(1);
    expect(updates).toEqual([turn('first'), turn('second')]);
    expect(await provider.get()).toEqual(turn('second'));
    provider.dispose();
  });

  test('concurrent callers share one request', async () => {
    const { provider, fetchIceServers } = setup([validFor(HOUR, 'only')]);
    const [a, b, c] = await Promise.all([provider.get(), provider.get(), provider.refresh()]);
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(fetchIceServers).toHaveBeenCalledTimes(1);
    provider.dispose();
  });

  test('an ICE restart reuses servers fetched moments ago and refetches older ones', async () => {
    const { provider, fetchIceServers } = setup([validFor(HOUR, 'first'), validFor(HOUR, 'second')]);
    await provider.get();
    expect(await provider.fresh()).toEqual(turn('first'));
    await vi.advanceTimersByTimeAsync(FRESH_FOR_MS);
    expect(await provider.fresh()).toEqual(turn('second'));
    expect(fetchIceServers).toHaveBeenCalledTimes(2);
    provider.dispose();
  });

  test('without the API it connects with no servers, says so once, and keeps retrying', async () => {
    const { provider, errors, fetchIceServers } = setup([]);
    expect(await provider.get()).toEqual([]);
    expect(errors.map((e) => e.kind)).toEqual(['turn-expired']);

    await vi.advanceTimersByTimeAsync(RETRY_AFTER_MS * 2);
    expect(fetchIceServers).toHaveBeenCalledTimes(3);
    expect(errors).toHaveLength(1);
    provider.dispose();
  });

  test('reports expiry when renewal keeps failing past the expiry time, once', async () => {
    const { provider, errors } = setup([validFor(100_000, 'short')]);
    await provider.get();
    // Renewal at 80 s fails; retries every 30 s; the credentials expire at 100 s.
    await vi.advanceTimersByTimeAsync(80_000);
    expect(errors).toEqual([]);
    await vi.advanceTimersByTimeAsync(RETRY_AFTER_MS);
    expect(errors.map((e) => e.kind)).toEqual(['turn-expired']);
    await vi.advanceTimersByTimeAsync(RETRY_AFTER_MS * 3);
    expect(errors).toHaveLength(1);
    // The old servers stay in use meanwhile: a running allocation outlives its credentials.
    expect(await provider.get()).toEqual(turn('short'));
    provider.dispose();
  });

  test('STUN-only configurations (no expiry) are never refetched on a timer', async () => {
    const { provider, fetchIceServers } = setup([
      () => ({ iceServers: [{ urls: 'stun:stun.example.org' }], expiresAt: null }),
    ]);
    await provider.get();
    await vi.advanceTimersByTimeAsync(48 * HOUR);
    expect(fetchIceServers).toHaveBeenCalledTimes(1);
    provider.dispose();
  });

  test('dispose stops the renewal timer', async () => {
    const { provider, fetchIceServers } = setup([validFor(HOUR, 'first'), validFor(HOUR, 'second')]);
    await provider.get();
    provider.dispose();
    await vi.advanceTimersByTimeAsync(2 * HOUR);
    expect(fetchIceServers).toHaveBeenCalledTimes(1);
  });
});

describe('turnCredentialsKey', () => {
  test('tells TURN credentials apart and ignores STUN servers', () => {
    const stun = { urls: 'stun:stun.example.org' };
    expect(turnCredentialsKey([stun, ...turn('a')])).toBe(turnCredentialsKey(turn('a')));
    expect(turnCredentialsKey(turn('a'))).not.toBe(turnCredentialsKey(turn('b')));
    expect(turnCredentialsKey([stun])).toBe('');
  });
});
