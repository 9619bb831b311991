import { max, min, scaleLinear, type ScaleLinear } from 'd3';
import type { RowSegment, TokenRow } from '../../state/derive';

/**
 * The energy strip: four bands sharing one token axis. Top, the v1 energy E_t stacked from its two
 * parts γ·K_t and (1−γ)·P_t (they add up to E_t exactly); then v2's kinetic term κ_t; then
 * log p(token) (v2's potential is its negation, with the barrier marked); then the entropy.
 * Areas, not bars: one path per series keeps 4k tokens cheap in SVG. D3 gives the scales and ticks.
 */
export interface Band {
  readonly key: 'energy' | 'kappa' | 'logProb' | 'entropy';
  readonly label: string;
  readonly top: number;
  readonly height: number;
  readonly y: ScaleLinear<number, number>;
  readonly ticks: readonly { readonly value: number; readonly y: number }[];
  readonly paths: readonly { readonly key: string; readonly d: string; readonly kind: 'area' | 'line' }[];
}

export interface StripLayout {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly n: number;
  /** Token index → the left edge of its column (columns are one token wide, index i spans [i, i+1)). */
  readonly x: ScaleLinear<number, number>;
  readonly bands: readonly Band[];
  /** Background spans per segment, in pixels. */
  readonly segments: readonly { readonly segment: RowSegment; readonly x0: number; readonly x1: number }[];
  readonly xTicks: readonly { readonly value: number; readonly x: number }[];
  /** v2's barrier: the reasoning token with the highest surprisal U_t = −log p (null without reasoning). */
  readonly barrier: number | null;
}

export const STRIP_MARGIN = { left: 56, right: 12, top: 16, gap: 20, bottom: 22 };
const BAND_HEIGHTS = { energy: 80, kappa: 50, logProb: 60, entropy: 50 };

const r1 = (v: number) => Math.round(v * 10) / 10;

/**
 * A stepped area, one column per token, from `lo(i)` up to `hi(i)`, broken where `defined` fails.
 * Written with H/V commands into an array joined once: d3's area emits two points per step and
 * builds its string by concatenation, which for 4k tokens costs 5–30× more and thrashes the GC.
 */
export function stepArea(n: number, x: (i: number) => number, lo: (i: number) => number, hi: (i: number) => number, defined: (i: number) => boolean): string {
  const out: string[] = [];
  for (let a = 0; a < n; ) {
    if (!defined(a)) {
      a++;
      continue;
    }
    let b = a;
    while (b < n && defined(b)) b++;
    out.push(`M${r1(x(a))},${r1(hi(a))}`);
    for (let i = a; i < b; i++) out.push(i + 1 < b ? `H${r1(x(i + 1))}V${r1(hi(i + 1))}` : `H${r1(x(b))}`);
    out.push(`V${r1(lo(b - 1))}`);
    for (let i = b - 1; i >= a; i--) out.push(i > a ? `H${r1(x(i))}V${r1(lo(i - 1))}` : `H${r1(x(a))}`);
    out.push('Z');
    a = b;
  }
  return out.join('');
}

/** The top edge of a stepped series as a line (the energy outline). */
export function stepLine(n: number, x: (i: number) => number, y: (i: number) => number, defined: (i: number) => boolean): string {
  const out: string[] = [];
  let open = false;
  for (let i = 0; i < n; i++) {
    if (!defined(i)) {
      open = false;
      continue;
    }
    out.push(open ? `V${r1(y(i))}H${r1(x(i + 1))}` : `M${r1(x(i))},${r1(y(i))}H${r1(x(i + 1))}`);
    open = true;
  }
  return out.join('');
}

export function stripLayout(rows: readonly TokenRow[], gamma: number, width: number): StripLayout {
  const n = rows.length;
  const m = STRIP_MARGIN;
  const left = m.left;
  const right = Math.max(left + 1, width - m.right);
  const x = scaleLinear().domain([0, Math.max(1, n)]).range([left, right]);
  const fin = (v: number) => Number.isFinite(v);
  const bands: Band[] = [];
  let top = m.top;
  const band = (key: Band['key'], label: string, domain: [number, number], paths: (y: ScaleLinear<number, number>) => Band['paths']) => {
    const h = BAND_HEIGHTS[key];
    const y = scaleLinear().domain(domain).range([top + h, top]).nice(3);
    bands.push({ key, label, top, height: h, y, ticks: y.ticks(3).map((value) => ({ value, y: y(value) })), paths: paths(y) });
    top += h + m.gap;
  };
  const row = (i: number) => rows[i];
  const ok = (v: (r: TokenRow) => number) => (i: number) => fin(v(row(i)));
  const kin = (r: TokenRow) => gamma * r.kinetic;

  const eMax = max(rows, (r) => (fin(r.energy) ? Math.max(r.energy, kin(r)) : undefined)) ?? 1;
  band('energy', 'Energy E_t', [0, eMax > 0 ? eMax : 1], (y) => {
    const y0 = y(0);
    const hasE = (i: number) => fin(row(i).energy) && fin(kin(row(i)));
    return [
      { key: 'kinetic', d: stepArea(n, x, () => y0, (i) => y(kin(row(i))), hasE), kind: 'area' },
      // The curvature part sits on the kinetic part: from γK_t up to E_t.
      { key: 'curvature', d: stepArea(n, x, (i) => y(kin(row(i))), (i) => y(row(i).energy), hasE), kind: 'area' },
      { key: 'energy', d: stepLine(n, x, (i) => y(row(i).energy), hasE), kind: 'line' },
    ];
  });
  const kMin = min(rows, (r) => (fin(r.kappa) ? r.kappa : undefined)) ?? 0;
  const kMax = max(rows, (r) => (fin(r.kappa) ? r.kappa : undefined)) ?? 0;
  band('kappa', 'κ_t (v2)', [Math.min(kMin, 0), Math.max(kMax, 0, Math.min(kMin, 0) + 1e-3)], (y) => [
    { key: 'kappa', d: stepArea(n, x, () => y(0), (i) => y(row(i).kappa), ok((r) => r.kappa)), kind: 'area' },
  ]);
  const lpMin = min(rows, (r) => (fin(r.logProb) ? r.logProb : undefined)) ?? -1;
  band('logProb', 'log p(token)', [Math.min(lpMin, -1e-3), 0], (y) => [
    { key: 'logProb', d: stepArea(n, x, () => y(0), (i) => y(row(i).logProb), ok((r) => r.logProb)), kind: 'area' },
  ]);
  const entMax = max(rows, (r) => (fin(r.entropy) ? r.entropy : undefined)) ?? 1;
  band('entropy', 'Entropy', [0, Math.max(entMax, 1e-3)], (y) => [
    { key: 'entropy', d: stepArea(n, x, () => y(0), (i) => y(row(i).entropy), ok((r) => r.entropy)), kind: 'area' },
  ]);

  const segments: { segment: RowSegment; x0: number; x1: number }[] = [];
  rows.forEach((r, i) => {
    const last = segments.at(-1);
    if (last && last.segment === r.segment) last.x1 = x(i + 1);
    else segments.push({ segment: r.segment, x0: x(i), x1: x(i + 1) });
  });
  const xTicks = x
    .ticks(Math.max(2, Math.floor((right - left) / 80)))
    .filter((t) => Number.isInteger(t) && t < n)
    .map((value) => ({ value, x: x(value + 0.5) }));
  let barrier: number | null = null;
  rows.forEach((r, i) => {
    if (r.segment === 'reasoning' && fin(r.logProb) && (barrier === null || r.logProb < rows[barrier].logProb)) barrier = i;
  });
  return { width, height: top - m.gap + m.bottom, left, right, n, x, bands, segments, xTicks, barrier };
}

/** The token under pixel `px` (clamped to the strip), or null for an empty strip. */
export function indexAt(l: StripLayout, px: number): number | null {
  if (l.n === 0) return null;
  return Math.min(l.n - 1, Math.max(0, Math.floor(l.x.invert(px))));
}

/** A brushed pixel range → the inclusive span of tokens it touches. */
export function spanFromPixels(l: StripLayout, px0: number, px1: number): [number, number] | null {
  const a = indexAt(l, Math.min(px0, px1));
  const b = indexAt(l, Math.max(px0, px1) - 1e-9);
  return a === null || b === null ? null : [a, Math.max(a, b)];
}

/** An inclusive token span → the pixel range covering its columns. */
export function pixelsOfSpan(l: StripLayout, span: readonly [number, number]): [number, number] {
  return [l.x(span[0]), l.x(span[1] + 1)];
}
