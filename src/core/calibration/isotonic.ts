import type { Orientation } from '../metrics';
import type { IsotonicMap } from './types';

/**
 * Isotonic regression (pool-adjacent-violators) of labels on one scorer's values, the 1-D map of
 * every scorer to P(correct). Why isotonic and not Platt: the scorers here are far from logistic in
 * shape (answer confidence piles up at 1.0, perplexity is skewed, v1 has no signal at all), and a
 * sigmoid in the raw value would be miscalibrated where the mass is; PAV assumes only that a better
 * score never means a lower chance of being right — the assumption AUROC already makes — and with
 * ≥ 30 traces it has enough data. The step function is kept as knots (each block's first and last
 * value at the block's rate) and read by linear interpolation between blocks, flat beyond the ends.
 */
export function fitIsotonic(values: readonly number[], labels: readonly number[], orientation: Orientation): IsotonicMap {
  const n = values.length;
  if (n === 0) return { kind: 'isotonic', x: [], p: [] };
  const sign = orientation === 'lower-is-correct' ? -1 : 1;
  const o = values.map((v) => sign * v);
  const order = o.map((_, i) => i).sort((a, b) => o[a] - o[b] || a - b);
  // Tied values form one starting block: a map cannot tell them apart.
  const lo: number[] = [];
  const hi: number[] = [];
  const sum: number[] = [];
  const cnt: number[] = [];
  for (let k = 0; k < n; ) {
    const v = o[order[k]];
    let s = 0;
    let c = 0;
    while (k < n && o[order[k]] === v) {
      s += labels[order[k]];
      c++;
      k++;
    }
    lo.push(v);
    hi.push(v);
    sum.push(s);
    cnt.push(c);
    // pool while the previous block's rate is not below this one's
    while (lo.length > 1) {
      const j = lo.length - 1;
      if (sum[j - 1] * cnt[j] < sum[j] * cnt[j - 1]) break;
      sum[j - 1] += sum[j];
      cnt[j - 1] += cnt[j];
      hi[j - 1] = hi[j];
      lo.pop();
      hi.pop();
      sum.pop();
      cnt.pop();
    }
  }
  // A rate of exactly 0 or 1 would make log loss infinite on the next trace: keep it within half a trace of either end.
  const eps = 0.5 / (n + 1);
  const xs: number[] = [];
  const ps: number[] = [];
  for (let b = 0; b < lo.length; b++) {
    const p = Math.min(1 - eps, Math.max(eps, sum[b] / cnt[b]));
    xs.push(lo[b]);
    ps.push(p);
    if (hi[b] !== lo[b]) {
      xs.push(hi[b]);
      ps.push(p);
    }
  }
  if (sign === 1) return { kind: 'isotonic', x: xs, p: ps };
  return { kind: 'isotonic', x: xs.map((v) => -v).reverse(), p: ps.reverse() };
}

/** The map at `v`: linear between knots, the end value beyond them. */
export function applyIsotonic(map: IsotonicMap, v: number): number {
  const { x, p } = map;
  if (x.length === 0) return NaN;
  if (v <= x[0]) return p[0];
  if (v >= x[x.length - 1]) return p[p.length - 1];
  let a = 0;
  let b = x.length - 1;
  while (b - a > 1) {
    const mid = (a + b) >> 1;
    if (x[mid] <= v) a = mid;
    else b = mid;
  }
  return p[a] + ((v - x[a]) * (p[b] - p[a])) / (x[b] - x[a]);
}
