import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateRows, type BatchRow } from '../../../src/core/batchEval';
import { aupr, auroc, orient, rocPoints } from '../../../src/core/metrics';
import { SCORERS, type ScorerId } from '../../../src/core/scores/index';
import { CHART_SCORERS, curvesReady, polylineArea, rocLayout, scorerCurve, scorerCurves, valueAt, type CurvePoint } from '../../../src/views/Batch/rocLayout';

/**
 * The chart's curves are the metrics' curves: the trapezoid area under the drawn ROC polyline is
 * core's Mann–Whitney AUROC, and under the drawn PR polyline core's AUPR, for random data with
 * ties, null scores, unlabelled rows and both orientations.
 */

/** Scores drawn from a few values so ties are common, sometimes null. */
const score = fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 6, arbitrary: fc.integer({ min: -4, max: 4 }).map((v) => v / 2) }, { weight: 3, arbitrary: fc.double({ min: -50, max: 50, noNaN: true }) });
const label = fc.oneof({ weight: 8, arbitrary: fc.constantFrom<0 | 1>(0, 1) }, { weight: 1, arbitrary: fc.constant(undefined) });

const rowsArb = fc
  .array(fc.record({ label, s: fc.array(score, { minLength: CHART_SCORERS.length, maxLength: CHART_SCORERS.length }) }), { minLength: 2, maxLength: 60 })
  .map((rs) =>
    rs.map((r, i): BatchRow => {
      const scores: Record<string, number | null> = {};
      CHART_SCORERS.forEach((k, j) => (scores[k] = r.s[j]));
      return r.label === undefined ? { id: i, line: i + 1, scores } : { id: i, line: i + 1, label: r.label, scores };
    }),
  );

function nondecreasing(xs: readonly number[]): boolean {
  return xs.every((x, i) => i === 0 || x >= xs[i - 1]);
}

describe('ROC and PR layout', () => {
  it('ROC area = core auroc and PR area = core aupr, the ROC runs (0,0)→(1,1) monotonically', () => {
    fc.assert(
      fc.property(rowsArb, (rows) => {
        for (const c of scorerCurves(rows)) {
          const kept = rows.filter((r) => r.label !== undefined && typeof r.scores[c.key] === 'number');
          const ys = kept.map((r) => r.label as number);
          const pos = ys.filter((y) => y === 1).length;
          expect(c.n).toBe(kept.length);
          if (pos === 0 || pos === ys.length) {
            expect(c.auroc).toBeNull();
            expect(c.roc).toEqual([]);
            continue;
          }
          const xs = orient(
            kept.map((r) => r.scores[c.key] as number),
            c.orientation,
          );
          const want = auroc(xs, ys);
          expect(c.auroc).toBe(want);
          expect(polylineArea(c.roc)).toBeCloseTo(want, 12);
          expect(polylineArea(c.pr)).toBeCloseTo(aupr(rocPoints(xs, ys)), 12);
          expect(c.roc[0]).toEqual({ x: 0, y: 0 });
          expect(c.roc[c.roc.length - 1]).toEqual({ x: 1, y: 1 });
          expect(nondecreasing(c.roc.map((p) => p.x))).toBe(true);
          expect(nondecreasing(c.roc.map((p) => p.y))).toBe(true);
          expect(c.pr[0]).toEqual({ x: 0, y: 1 });
          expect(nondecreasing(c.pr.map((p) => p.x))).toBe(true);
          expect(c.pr[c.pr.length - 1].x).toBe(1);
          expect(c.pr[c.pr.length - 1].y).toBeCloseTo(pos / ys.length, 12);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('shows the metrics table’s AUROC and AUPR, orientation applied (a lower-is-correct scorer flipped)', () => {
    fc.assert(
      fc.property(rowsArb, (rows) => {
        const labelled = rows.filter((r) => r.label !== undefined);
        const m = evaluateRows(labelled, 'v2');
        if (typeof m === 'string') return;
        for (const c of scorerCurves(labelled)) {
          expect(c.auroc).toBe(m.metrics[c.key].auroc);
          expect(c.aupr).toBe(m.metrics[c.key].aupr);
          expect(c.orientation).toBe(m.metrics[c.key].orientation);
        }
      }),
      { numRuns: 200 },
    );
    // Perplexity is lower-is-correct: perfectly separated by lower values it must read 1, not 0.
    const rows: BatchRow[] = [1, 2, 3, 4].map((v, i) => ({ id: i, line: i + 1, label: v <= 2 ? 1 : 0, scores: { perplexity: v } }));
    expect(scorerCurve(rows, 'perplexity').auroc).toBe(1);
    expect(scorerCurve(rows, 'perplexity').roc).toEqual([
      { x: 0, y: 0 },
      { x: 0, y: 0.5 },
      { x: 0, y: 1 },
      { x: 0.5, y: 1 },
      { x: 1, y: 1 },
    ]);
    expect(SCORERS.find((s) => s.id === 'perplexity')?.orientation).toBe('lower-is-correct');
  });

  it('needs a labelled trace of each class', () => {
    const r = (line: number, label: 0 | 1 | undefined): BatchRow => (label === undefined ? { id: line, line, scores: { coeR: line } } : { id: line, line, label, scores: { coeR: line } });
    expect(curvesReady([r(1, 1), r(2, 1), r(3, undefined)])).toBe(false);
    expect(curvesReady([r(1, 1), r(2, 0)])).toBe(true);
    expect(scorerCurve([r(1, 1), r(2, 0), r(3, undefined)], 'coeR')).toMatchObject({ n: 2, auroc: 0, undefined: 0 });
    expect(scorerCurve([r(1, 1), r(2, 0)], 'cotkV2')).toMatchObject({ n: 0, auroc: null, undefined: 2 });
  });

  it('reads a curve’s height at x (upper end where it is vertical)', () => {
    const pts: CurvePoint[] = [
      { x: 0, y: 0 },
      { x: 0, y: 0.5 },
      { x: 0.5, y: 0.5 },
      { x: 1, y: 1 },
    ];
    expect(valueAt(pts, 0)).toBe(0.5);
    expect(valueAt(pts, 0.25)).toBe(0.5);
    expect(valueAt(pts, 0.75)).toBe(0.75);
    expect(valueAt(pts, 1)).toBe(1);
    expect(valueAt([], 0.5)).toBeNull();
  });

  it('lays out two square panels with ticks, the chance lines and one pair of paths per scorer', () => {
    const rows: BatchRow[] = Array.from({ length: 20 }, (_, i) => {
      const scores: Record<string, number | null> = {};
      CHART_SCORERS.forEach((k: ScorerId, j) => (scores[k] = Math.sin(i * (j + 1))));
      return { id: i, line: i + 1, label: i % 3 === 0 ? 0 : 1, scores };
    });
    const wide = rocLayout(scorerCurves(rows), 900, 0.65);
    expect(wide.panels.map((p) => p.kind)).toEqual(['roc', 'pr']);
    const [a, b] = wide.panels;
    expect(a.width).toBe(a.height);
    expect(b.left).toBeGreaterThan(a.left + a.width);
    expect(b.top).toBe(a.top);
    expect(wide.width).toBeLessThanOrEqual(900);
    expect(a.chance).toBe(`M${a.left},${a.top + a.height}L${a.left + a.width},${a.top}`);
    const yRate = b.top + b.height * (1 - 0.65);
    expect(b.chance).toBe(`M${b.left},${yRate}L${b.left + b.width},${yRate}`);
    expect(wide.series.map((s) => s.key)).toEqual(CHART_SCORERS);
    for (const s of wide.series) {
      expect(s.roc).toMatch(/^M/);
      expect(s.pr).toMatch(/^M/);
    }
    const narrow = rocLayout(scorerCurves(rows), 360, 0.65);
    expect(narrow.panels[1].top).toBeGreaterThan(narrow.panels[0].top + narrow.panels[0].height);
    expect(narrow.width).toBeLessThanOrEqual(360);
  });

  it('adds the calibrated verdict as the last curve when rows carry one, with the same AUROC the metrics line gives it', () => {
    const rows: BatchRow[] = Array.from({ length: 30 }, (_, i) => {
      const scores: Record<string, number | null> = {};
      CHART_SCORERS.forEach((k: ScorerId, j) => (scores[k] = Math.cos(i * (j + 2))));
      scores.verdict = i % 7 === 0 ? null : (Math.sin(i) + 1) / 2;
      return { id: i, line: i + 1, label: i % 4 === 0 ? 0 : 1, scores };
    });
    const curves = scorerCurves(rows);
    expect(curves.map((c) => c.key)).toEqual([...CHART_SCORERS, 'verdict']);
    const v = curves[curves.length - 1];
    expect(v.orientation).toBe('higher-is-correct');
    expect(v.undefined).toBe(5);
    const m = evaluateRows(rows, 'v2');
    if (typeof m === 'string') throw new Error(m);
    expect(v.auroc).toBe(m.metrics.verdict.auroc);
    expect(rocLayout(curves, 900, 0.75).series.map((s) => s.key)).toContain('verdict');
    // Without a verdict on any row there is no verdict curve.
    const plain = rows.map((r) => ({ ...r, scores: { ...r.scores, verdict: null } }));
    expect(scorerCurves(plain).map((c) => c.key)).toEqual([...CHART_SCORERS]);
  });
});
