/**
 * Whether the subject of a validly signed token still has an account. A token outlives the row it names (an
 * admin deleted the account): such a token must be refused like a forged one, on every REST request and on
 * the socket, before anything writes a row that references the user.
 *
 * Asked on every request and socket event, so answers are cached per node for `ttlMs`: a deleted account is
 * refused everywhere within that time, without any invalidation message between nodes. Refusals are cached
 * too (ids are random uuids: a deleted one never comes back), so a flood from a stale token costs no query.
 */
export interface AccountCheck {
  exists(userId: string): Promise<boolean>;
}

export interface AccountCacheLimits {
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}

interface Cached {
  exists: Promise<boolean>;
  expiresAt: number;
}

export function createAccountCheck(
  load: (userId: string) => Promise<boolean>,
  limits: AccountCacheLimits,
): AccountCheck {
  const now = limits.now ?? Date.now;
  // Insertion order is age order: the first key is the oldest entry, evicted first when full.
  const cache = new Map<string, Cached>();
  return {
    exists(userId) {
      const hit = cache.get(userId);
      if (hit !== undefined && hit.expiresAt > now()) return hit.exists;
      cache.delete(userId);
      const exists = load(userId);
      const entry = { exists, expiresAt: now() + limits.ttlMs };
      cache.set(userId, entry);
      if (cache.size > limits.maxEntries) cache.delete(cache.keys().next().value!);
      // Concurrent requests share one lookup; a failed one is not remembered.
      exists.catch(() => {
        if (cache.get(userId) === entry) cache.delete(userId);
      });
      return exists;
    },
  };
}
