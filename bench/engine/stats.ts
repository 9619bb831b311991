/** Small statistics for benchmark series: medians and spreads, and ratios taken pair by pair. */

export function quantile(xs: readonly number[], q: number): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return s[lo] + (s[hi] - s[lo]) * (i - lo);
}

export const median = (xs: readonly number[]): number => quantile(xs, 0.5);

export interface Summary {
  readonly median: number;
  readonly q1: number;
  readonly q3: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
}

export function summarize(xs: readonly number[]): Summary {
  return { median: median(xs), q1: quantile(xs, 0.25), q3: quantile(xs, 0.75), min: quantile(xs, 0), max: quantile(xs, 1), n: xs.filter(Number.isFinite).length };
}

/**
 * Ratio a[i] / b[i] of the i-th repetitions. The variants of a repetition ran back to back, so a
 * pair shares the machine's momentary load (this 2-core box is shared); the median of the pair
 * ratios is steadier than a ratio of two medians.
 */
export function pairRatios(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.min(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(a[i] / b[i]);
  return out;
}
