/**
 * Where a new group call's room goes: the healthy Janus instance carrying the fewest participants now
 * (counted from the database by the caller), ties broken by configuration order so that placement is
 * predictable and the first instance listed fills first among equals.
 */
export function pickInstance(healthy: readonly string[], load: ReadonlyMap<string, number>): string | null {
  let best: string | null = null;
  let bestLoad = Infinity;
  for (const url of healthy) {
    const participants = load.get(url) ?? 0;
    if (participants < bestLoad) {
      best = url;
      bestLoad = participants;
    }
  }
  return best;
}
