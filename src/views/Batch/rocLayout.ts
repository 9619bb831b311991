import { line, scaleLinear } from 'd3';
import { VERDICT_KEY, VERDICT_NAME, type BatchRow } from '../../core/batchEval';
import { auroc, aupr, orient, rocPoints, type Orientation } from '../../core/metrics';
import { SCORERS, scoreName, type ScorerId } from '../../core/scores/index';

/**
 * The ROC and precision–recall chart of the batch view, pure: each scorer's curves from the scored
 * rows, built with the same core functions as the metrics table (src/core/batchEval.ts), so the
 * area under a drawn curve is the AUROC / AUPR the table shows:
 * - ROC: (0,0), then `rocPoints` of the oriented scores (one point per distinct score, ties taken
 *   together), ending at (1,1); its trapezoid area is the Mann–Whitney `auroc` with average ranks.
 * - PR: (recall 0, precision 1), then (TPR, precision) of the same points, joined by straight lines,
 *   because `aupr` is the trapezoid area over exactly those points.
 * Rows without a label, and rows where a scorer is null or not finite, are left out of that scorer.
 */

export interface CurvePoint {
  readonly x: number;
  readonly y: number;
}

/** A curve's key: a registry scorer, or the calibrated verdict a profile adds to each row. */
export type ChartKey = ScorerId | typeof VERDICT_KEY;

export interface ScorerCurve {
  readonly key: ChartKey;
  readonly label: string;
  readonly orientation: Orientation;
  /** Labelled rows where this scorer is defined. */
  readonly n: number;
  readonly pos: number;
  readonly neg: number;
  /** Labelled rows where this scorer is null (left out). */
  readonly undefined: number;
  /** Null when the scorer's defined rows hold only one class (no curve then). */
  readonly auroc: number | null;
  readonly aupr: number | null;
  /** (FPR, TPR) from (0,0) to (1,1); empty without both classes. */
  readonly roc: readonly CurvePoint[];
  /** (recall, precision) from (0,1) to (1, positive rate); empty without both classes. */
  readonly pr: readonly CurvePoint[];
}

/** The scorers on the chart: the registry's, in its order (`cotk` is cotkV2 or cotkEnergy again, so it gets no curve of its own). */
export const CHART_SCORERS: readonly ScorerId[] = SCORERS.map((s) => s.id);

/** Labelled rows of each class among `rows`: the chart needs at least one of each. */
export function labelCounts(rows: readonly BatchRow[]): { pos: number; neg: number; unlabelled: number } {
  let pos = 0;
  let neg = 0;
  for (const r of rows) {
    if (r.label === 1) pos++;
    else if (r.label === 0) neg++;
  }
  return { pos, neg, unlabelled: rows.length - pos - neg };
}

export function curvesReady(rows: readonly BatchRow[]): boolean {
  const c = labelCounts(rows);
  return c.pos > 0 && c.neg > 0;
}

/** One scorer's curves and areas over the labelled rows. */
export function scorerCurve(rows: readonly BatchRow[], key: ChartKey): ScorerCurve {
  const info = key === VERDICT_KEY ? { orientation: 'higher-is-correct' as const } : SCORERS.find((s) => s.id === key);
  if (!info) throw new RangeError(`unknown scorer ${key}`);
  const xs: number[] = [];
  const ys: number[] = [];
  let missing = 0;
  for (const r of rows) {
    if (r.label === undefined) continue;
    const v = r.scores[key];
    if (typeof v === 'number' && Number.isFinite(v)) {
      xs.push(v);
      ys.push(r.label);
    } else missing++;
  }
  let pos = 0;
  for (const y of ys) pos += y;
  const neg = ys.length - pos;
  const base = { key, label: key === VERDICT_KEY ? VERDICT_NAME : scoreName(key), orientation: info.orientation, n: xs.length, pos, neg, undefined: missing };
  if (pos === 0 || neg === 0) return { ...base, auroc: null, aupr: null, roc: [], pr: [] };
  const scores = orient(xs, info.orientation);
  const points = rocPoints(scores, ys);
  const roc: CurvePoint[] = [{ x: 0, y: 0 }, ...points.map((p) => ({ x: p.fpr, y: p.tpr }))];
  const pr: CurvePoint[] = [{ x: 0, y: 1 }, ...points.map((p) => ({ x: p.tpr, y: p.precision }))];
  return { ...base, auroc: auroc(scores, ys), aupr: aupr(points), roc, pr };
}

/**
 * The curves of `keys` (by default every registry scorer, then the calibrated verdict when any row
 * carries one, as the metrics table lists them).
 */
export function scorerCurves(rows: readonly BatchRow[], keys: readonly ChartKey[] = chartKeys(rows)): ScorerCurve[] {
  return keys.map((k) => scorerCurve(rows, k));
}

/** The registry's scorers, then `verdict` when a calibration profile gave any row one. */
export function chartKeys(rows: readonly BatchRow[]): ChartKey[] {
  const withVerdict = rows.some((r) => typeof r.scores[VERDICT_KEY] === 'number');
  return withVerdict ? [...CHART_SCORERS, VERDICT_KEY] : [...CHART_SCORERS];
}

/** Area under a polyline whose x never decreases, by trapezoids (what `auroc` and `aupr` equal). */
export function polylineArea(points: readonly CurvePoint[]): number {
  let a = 0;
  for (let i = 1; i < points.length; i++) a += ((points[i].x - points[i - 1].x) * (points[i].y + points[i - 1].y)) / 2;
  return a;
}

/**
 * The curve's height at `x` (linear between points; the highest where the curve is vertical at
 * `x`), for the table: e.g. the TPR a scorer reaches at FPR 0.1. Null for an empty curve.
 */
export function valueAt(points: readonly CurvePoint[], x: number): number | null {
  if (points.length === 0) return null;
  let best: number | null = null;
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    if (p.x === x) best = best === null ? p.y : Math.max(best, p.y);
    const q = points[i + 1];
    if (q && p.x < x && x < q.x) {
      const y = p.y + ((x - p.x) * (q.y - p.y)) / (q.x - p.x);
      best = best === null ? y : Math.max(best, y);
    }
  }
  return best;
}

/**
 * Colours (Okabe–Ito, then a wine red) doubled by dash patterns, so nine curves can be told apart
 * in greyscale and by colour-blind readers. `var(--fg)` follows the theme.
 */
export const CURVE_STYLE: Record<ChartKey, { readonly color: string; readonly dash: string }> = {
  cotkV2: { color: '#D55E00', dash: '' },
  cotkEnergy: { color: '#CC79A7', dash: '6 3' },
  coeR: { color: '#0072B2', dash: '' },
  coeC: { color: '#56B4E9', dash: '6 3' },
  perplexity: { color: '#009E73', dash: '' },
  meanEntropy: { color: '#E69F00', dash: '2 2' },
  selfCertainty: { color: '#999999', dash: '8 3 2 3' },
  maxProb: { color: 'var(--fg)', dash: '2 3' },
  answerConfidence: { color: '#882255', dash: '8 3 2 3' },
  verdict: { color: '#332288', dash: '' },
};

export interface Tick {
  readonly value: number;
  readonly pos: number;
}

export interface ChartPanel {
  readonly kind: 'roc' | 'pr';
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  /** Plot area in the SVG's pixels. */
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
  readonly xTicks: readonly Tick[];
  readonly yTicks: readonly Tick[];
  /** The chance line: the ROC diagonal, or precision = positive rate on the PR panel. */
  readonly chance: string;
  readonly chanceLabel: string;
}

export interface SeriesPaths {
  readonly key: ChartKey;
  readonly color: string;
  readonly dash: string;
  readonly roc: string;
  readonly pr: string;
}

export interface RocLayout {
  readonly width: number;
  readonly height: number;
  readonly panels: readonly [ChartPanel, ChartPanel];
  readonly series: readonly SeriesPaths[];
}

const MARGIN = { top: 22, right: 12, bottom: 36, left: 42 };
const GAP = 28;

/**
 * Pixel layout of the two panels side by side (stacked when narrower than 520 px), square plot areas,
 * and each scorer's two paths. `positiveRate` places the PR panel's chance line.
 */
export function rocLayout(curves: readonly ScorerCurve[], width: number, positiveRate: number): RocLayout {
  const w = Math.max(240, Math.floor(width));
  const stacked = w < 520;
  const inner = stacked ? w - MARGIN.left - MARGIN.right : (w - GAP - 2 * (MARGIN.left + MARGIN.right)) / 2;
  const side = Math.max(120, Math.min(340, Math.floor(inner)));
  const cell = { w: MARGIN.left + side + MARGIN.right, h: MARGIN.top + side + MARGIN.bottom };
  const origin = (i: number) => (stacked ? { left: MARGIN.left, top: MARGIN.top + i * cell.h } : { left: MARGIN.left + i * (cell.w + GAP), top: MARGIN.top });
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const make = (kind: 'roc' | 'pr', i: number): { panel: ChartPanel; path: (pts: readonly CurvePoint[]) => string } => {
    const o = origin(i);
    const x = scaleLinear().domain([0, 1]).range([o.left, o.left + side]);
    const y = scaleLinear().domain([0, 1]).range([o.top + side, o.top]);
    const gen = line<CurvePoint>()
      .x((p) => x(p.x))
      .y((p) => y(p.y));
    const path = (pts: readonly CurvePoint[]) => (pts.length ? (gen(pts as CurvePoint[]) ?? '') : '');
    const rate = Math.min(1, Math.max(0, positiveRate));
    const panel: ChartPanel = {
      kind,
      title: kind === 'roc' ? 'ROC' : 'Precision–recall',
      xLabel: kind === 'roc' ? 'false positive rate' : 'recall (true positive rate)',
      yLabel: kind === 'roc' ? 'true positive rate' : 'precision',
      left: o.left,
      top: o.top,
      width: side,
      height: side,
      xTicks: ticks.map((v) => ({ value: v, pos: x(v) })),
      yTicks: ticks.map((v) => ({ value: v, pos: y(v) })),
      chance: kind === 'roc' ? path([{ x: 0, y: 0 }, { x: 1, y: 1 }]) : path([{ x: 0, y: rate }, { x: 1, y: rate }]),
      chanceLabel: kind === 'roc' ? 'chance' : `chance (${(100 * rate).toFixed(0)}% correct)`,
    };
    return { panel, path };
  };
  const roc = make('roc', 0);
  const pr = make('pr', 1);
  return {
    width: stacked ? cell.w : 2 * cell.w + GAP,
    height: stacked ? 2 * cell.h : cell.h,
    panels: [roc.panel, pr.panel],
    series: curves.map((c) => ({ key: c.key, ...CURVE_STYLE[c.key], roc: roc.path(c.roc), pr: pr.path(c.pr) })),
  };
}
