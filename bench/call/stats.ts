/** Nearest-rank percentile (p in 0..100) of a non-empty sample. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export interface Distribution {
  p50: number;
  p95: number;
  samples: number[];
}

export function distribution(samples: number[]): Distribution {
  return { p50: percentile(samples, 50), p95: percentile(samples, 95), samples };
}
