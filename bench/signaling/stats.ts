/** Small statistics helpers for the benches: nearest-rank percentiles and medians over rounds. */

export function percentile(samples: readonly number[], p: number): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(values: readonly (number | null)[]): number | null {
  return percentile(
    values.filter((v): v is number => v !== null),
    50,
  );
}

export interface LatencySummary {
  count: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

export function summarize(samples: readonly number[]): LatencySummary {
  return {
    count: samples.length,
    p50Ms: round(percentile(samples, 50)),
    p99Ms: round(percentile(samples, 99)),
  };
}

export function round(value: number | null, digits = 2): number | null {
  return value === null ? null : Number(value.toFixed(digits));
}
