import { describe, expect, it, vi } from 'vitest';
import type { IceServersInfo } from '../webrtc/index.ts';
import { IceServerPrefetch, PREFETCH_MAX_AGE_MS } from './iceServerPrefetch.ts';

const HOUR = 3_600_000;

function setup(lifetimeMs: number | null = HOUR) {
  let now = 1_000_000;
  let fetches = 0;
  const fetch = vi.fn(async (): Promise<IceServersInfo> => ({
    iceServers: [{ urls: `turn:relay.test?n=${++fetches}` }],
    expiresAt: lifetimeMs === null ? null : new Date(now + lifetimeMs),
  }));
  const prefetch = new IceServerPrefetch(fetch, () => now);
  return { prefetch, fetch, advance: (ms: number) => (now += ms) };
}

const url = (info: IceServersInfo) => info.iceServers[0]?.urls;

describe('ICE server prefetch', () => {
  it('hands the servers fetched when the call started to the first connection, once', async () => {
    const { prefetch, fetch } = setup();
    prefetch.warm();
    prefetch.warm(); // ringing and clicking at once: still one request
    expect(url(await prefetch.take())).toBe('turn:relay.test?n=1');
    expect(fetch).toHaveBeenCalledTimes(1);
    // The next call (or a renewal through take) asks the API again.
    expect(url(await prefetch.take())).toBe('turn:relay.test?n=2');
  });

  it('fetches anew when the prefetch is too old or its credentials half used', async () => {
    const old = setup(null);
    old.prefetch.warm();
    old.advance(PREFETCH_MAX_AGE_MS);
    expect(url(await old.prefetch.take())).toBe('turn:relay.test?n=2');

    const shortLived = setup(60_000);
    shortLived.prefetch.warm();
    await Promise.resolve();
    shortLived.advance(40_000);
    expect(url(await shortLived.prefetch.take())).toBe('turn:relay.test?n=2');
  });

  it('a failed prefetch is retried by the connection that needs the servers', async () => {
    const { prefetch, fetch } = setup();
    fetch.mockRejectedValueOnce(new Error('offline'));
    prefetch.warm();
    expect(url(await prefetch.take())).toBe('turn:relay.test?n=1');
    expect(fetch).toHaveBeenCalledTimes(2);
  });
});
