/** Nearest-rank percentile (p in 0..100) of `values`; undefined when there are none. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** Seeded exponential inter-arrival times (Poisson arrivals) with the given mean. */
export function exponential(random: () => number, meanMs: number): number {
  return Math.round(-Math.log(1 - random()) * meanMs);
}
