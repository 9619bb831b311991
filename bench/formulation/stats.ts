/**
 * Metrics with intervals for the formulation harness. The metrics are src/core/metrics.ts's own
 * (binaryMetrics on scores oriented so that higher = correct); the bootstrap is the percentile
 * method over resamples of traces, drawn as NumPy draws them (numpyRandom.ts), so every scorer and
 * both harnesses (this one and scripts/reference/explore.py) see the same resamples.
 */
import { auroc, binaryMetrics, type BinaryMetrics } from '../../src/core/metrics';

export type Interval = readonly [number, number];

export interface MetricsWithCi {
  readonly n: number;
  readonly positives: number;
  readonly point: BinaryMetrics;
  readonly ci: { readonly auroc: Interval; readonly aupr: Interval; readonly fpr95: Interval };
}

/** NumPy's default `np.percentile` (linear interpolation between closest ranks). */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const v = [...values].sort((a, b) => a - b);
  const h = ((v.length - 1) * q) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, v.length - 1);
  return v[lo] + (h - lo) * (v[hi] - v[lo]);
}

/** Average ranks (1-based), ties sharing their mean rank. */
export function averageRanks(x: readonly number[]): Float64Array {
  const order = x.map((_, i) => i).sort((a, b) => x[a] - x[b]);
  const r = new Float64Array(x.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && x[order[j + 1]] === x[order[i]]) j++;
    for (let k = i; k <= j; k++) r[order[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

/** Spearman's ρ: Pearson's correlation of the average ranks. */
export function spearman(a: readonly number[], b: readonly number[]): number {
  const ra = averageRanks(a);
  const rb = averageRanks(b);
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += ra[i];
    mb += rb[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (ra[i] - ma) * (rb[i] - mb);
    saa += (ra[i] - ma) ** 2;
    sbb += (rb[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

function take(xs: readonly number[], idx: Int32Array, row: number, n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = xs[idx[row * n + i]];
  return out;
}

/** Resamples drawn with only one label carry no metric; they are skipped, as metrics.py skips them. */
function bothLabels(labels: readonly number[]): boolean {
  let s = 0;
  for (const y of labels) s += y;
  return s > 0 && s < labels.length;
}

/**
 * Point metrics and 95 % percentile intervals. `scores` are oriented (higher = correct), `idx` is
 * [rows][n] resample indices into them.
 */
export function metricsWithCi(scores: readonly number[], labels: readonly number[], idx: Int32Array, rows: number): MetricsWithCi {
  const n = scores.length;
  const point = binaryMetrics(scores, labels);
  const a: number[] = [];
  const p: number[] = [];
  const f: number[] = [];
  for (let b = 0; b < rows; b++) {
    const yb = take(labels, idx, b, n);
    if (!bothLabels(yb)) continue;
    const m = binaryMetrics(take(scores, idx, b, n), yb);
    a.push(m.auroc);
    p.push(m.aupr);
    f.push(m.fpr95);
  }
  const ci = (v: number[]): Interval => [percentile(v, 2.5), percentile(v, 97.5)];
  let positives = 0;
  for (const y of labels) positives += y;
  return { n, positives, point, ci: { auroc: ci(a), aupr: ci(p), fpr95: ci(f) } };
}

export interface PairedDelta {
  readonly delta: number;
  readonly ci: Interval;
  /** Share of resamples with Δ > 0. */
  readonly pGt0: number;
}

/** Paired bootstrap of AUROC(a) − AUROC(b) on the same resamples (both oriented). */
export function pairedAurocDelta(a: readonly number[], b: readonly number[], labels: readonly number[], idx: Int32Array, rows: number): PairedDelta {
  const n = a.length;
  const d: number[] = [];
  for (let r = 0; r < rows; r++) {
    const yb = take(labels, idx, r, n);
    if (!bothLabels(yb)) continue;
    d.push(auroc(take(a, idx, r, n), yb) - auroc(take(b, idx, r, n), yb));
  }
  return { delta: auroc(a, labels) - auroc(b, labels), ci: [percentile(d, 2.5), percentile(d, 97.5)], pGt0: d.filter((x) => x > 0).length / d.length };
}
