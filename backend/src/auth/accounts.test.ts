import { describe, expect, it } from 'vitest';
import { createAccountCheck } from './accounts.ts';

function setUp(limits: { ttlMs: number; maxEntries: number }) {
  let now = 0;
  const rows = new Set(['alice', 'bob', 'carol']);
  const lookups: string[] = [];
  let failNext = false;
  const check = createAccountCheck(
    async (userId) => {
      lookups.push(userId);
      if (failNext) {
        failNext = false;
        throw new Error('database down');
      }
      return rows.has(userId);
    },
    { ...limits, now: () => now },
  );
  return {
    check,
    rows,
    lookups,
    advance: (ms: number) => (now += ms),
    failNextLookup: () => (failNext = true),
  };
}

describe('AccountCheck', () => {
  it('answers from the cache until the TTL is over, so a deleted account is refused within it', async () => {
    const { check, rows, lookups, advance } = setUp({ ttlMs: 5000, maxEntries: 10 });
    expect(await check.exists('alice')).toBe(true);
    rows.delete('alice');
    advance(4999);
    expect(await check.exists('alice')).toBe(true);
    advance(1);
    expect(await check.exists('alice')).toBe(false);
    expect(lookups).toEqual(['alice', 'alice']);
  });

  it('remembers refusals too, and shares one lookup between concurrent requests', async () => {
    const { check, lookups } = setUp({ ttlMs: 5000, maxEntries: 10 });
    expect(await Promise.all([check.exists('ghost'), check.exists('ghost'), check.exists('bob')])).toEqual([
      false,
      false,
      true,
    ]);
    expect(await check.exists('ghost')).toBe(false);
    expect(lookups).toEqual(['ghost', 'bob']);
  });

  it('keeps at most maxEntries, dropping the oldest first', async () => {
    const { check, lookups } = setUp({ ttlMs: 60_000, maxEntries: 2 });
    await check.exists('alice');
    await check.exists('bob');
    await check.exists('carol');
    await check.exists('bob');
    await check.exists('alice');
    expect(lookups).toEqual(['alice', 'bob', 'carol', 'alice']);
  });

  it('does not remember a failed lookup', async () => {
    const { check, lookups, failNextLookup } = setUp({ ttlMs: 5000, maxEntries: 10 });
    failNextLookup();
    await expect(check.exists('alice')).rejects.toThrow('database down');
    expect(await check.exists('alice')).toBe(true);
    expect(lookups).toEqual(['alice', 'alice']);
  });
});
