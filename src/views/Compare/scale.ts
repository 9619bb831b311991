import { scaleLinear, type ScaleLinear, type ScaleSequential } from 'd3';
import { metricValue, type RowSegment, type TokenRow } from '../../state/derive';
import type { TintMetric } from '../../state/slices';
import { stepArea, stepLine } from '../EnergyStrip/layout';
import { robustDomain, sequentialScale } from '../shared/palette';

/**
 * The scales both runs share, so a colour or a height means the same number in A as in B: one
 * colour scale for the two texts, one y-domain and one token axis for the two strips. Pure.
 */

/** Finite values of the metric over both runs' rows, A's first. */
function finiteValues(runs: readonly (readonly TokenRow[])[], metric: TintMetric): number[] {
  const out: number[] = [];
  for (const rows of runs) for (const r of rows) {
    const v = metricValue(r, metric);
    if (Number.isFinite(v)) out.push(v);
  }
  return out;
}

/**
 * The y-domain both strips share: both runs' minimum to both runs' maximum, so neither run's
 * extreme is clipped; it starts at 0 for a quantity that is never negative there (surprise, v1
 * energy), so heights are amounts. [0, 1] when neither run has a value.
 */
export function sharedDomain(runs: readonly (readonly TokenRow[])[], metric: TintMetric): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of finiteValues(runs, metric)) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return [0, 1];
  if (lo >= 0) lo = 0;
  return lo < hi ? [lo, hi] : [lo - 0.5, hi + 0.5];
}

/**
 * One colour scale for both texts: the 2nd to 98th percentile of both runs' values together (as the
 * single-run text view does for one run), so one outlier cannot flatten the other tokens' tints.
 */
export function sharedTint(runs: readonly (readonly TokenRow[])[], metric: TintMetric): { domain: [number, number]; scale: ScaleSequential<string> } {
  const domain = robustDomain(finiteValues(runs, metric));
  return { domain, scale: sequentialScale(domain) };
}

export interface CompareStrip {
  readonly label: 'A' | 'B';
  readonly top: number;
  readonly height: number;
  /** Tokens in this run (its strip ends there; the axis runs on to the longer run's length). */
  readonly n: number;
  /** From the bottom of the shared scale up to each token's value. */
  readonly area: string;
  readonly line: string;
  readonly segments: readonly { readonly segment: RowSegment; readonly x0: number; readonly x1: number }[];
  /** Tokens with no value for the metric. */
  readonly missing: number;
}

export interface CompareStripLayout {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  /** Token index → left edge of its column; the same for both strips (domain: the longer run). */
  readonly x: ScaleLinear<number, number>;
  readonly domain: [number, number];
  /** One y-scale per strip (same domain, each strip's own pixel band). */
  readonly y: readonly [ScaleLinear<number, number>, ScaleLinear<number, number>];
  readonly yTicks: readonly number[];
  readonly xTicks: readonly { readonly value: number; readonly x: number }[];
  readonly strips: readonly [CompareStrip, CompareStrip];
}

export const COMPARE_STRIP_MARGIN = { left: 56, right: 12, top: 18, gap: 30, bottom: 22 };
export const COMPARE_STRIP_HEIGHT = 90;

export function compareStripLayout(a: readonly TokenRow[], b: readonly TokenRow[], metric: TintMetric, width: number): CompareStripLayout {
  const m = COMPARE_STRIP_MARGIN;
  const left = m.left;
  const right = Math.max(left + 1, width - m.right);
  const nMax = Math.max(1, a.length, b.length);
  const x = scaleLinear().domain([0, nMax]).range([left, right]);
  const domain = sharedDomain([a, b], metric);
  const h = COMPARE_STRIP_HEIGHT;
  // nice() only widens, so the domain still covers both runs; the two strips get the same one.
  const niceDomain = scaleLinear().domain(domain).nice(4).domain() as [number, number];
  const ys = [0, 1].map((k) => {
    const top = m.top + k * (h + m.gap);
    return scaleLinear().domain(niceDomain).range([top + h, top]);
  }) as [ScaleLinear<number, number>, ScaleLinear<number, number>];
  const strip = (rows: readonly TokenRow[], k: 0 | 1): CompareStrip => {
    const y = ys[k];
    const v = (i: number) => metricValue(rows[i], metric);
    const ok = (i: number) => Number.isFinite(v(i));
    const segments: { segment: RowSegment; x0: number; x1: number }[] = [];
    rows.forEach((r, i) => {
      const last = segments.at(-1);
      if (last && last.segment === r.segment) last.x1 = x(i + 1);
      else segments.push({ segment: r.segment, x0: x(i), x1: x(i + 1) });
    });
    let missing = 0;
    for (let i = 0; i < rows.length; i++) if (!ok(i)) missing++;
    return {
      label: k === 0 ? 'A' : 'B',
      top: m.top + k * (h + m.gap),
      height: h,
      n: rows.length,
      area: stepArea(rows.length, x, () => y(niceDomain[0]), (i) => y(v(i)), ok),
      line: stepLine(rows.length, x, (i) => y(v(i)), ok),
      segments,
      missing,
    };
  };
  const xTicks = x
    .ticks(Math.max(2, Math.floor((right - left) / 80)))
    .filter((t) => Number.isInteger(t) && t < nMax)
    .map((value) => ({ value, x: x(value + 0.5) }));
  return {
    width,
    height: m.top + 2 * h + m.gap + m.bottom,
    left,
    right,
    x,
    domain: niceDomain,
    y: ys,
    yTicks: ys[0].ticks(4),
    xTicks,
    strips: [strip(a, 0), strip(b, 1)],
  };
}
