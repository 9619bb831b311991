import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aupr, auroc, binaryMetrics, fpr95, orient, rocPoints } from '../../../src/core/metrics';

/** The textbook definition: P(score_pos > score_neg) + ½ P(tie), by counting pairs. */
function pairwiseAuroc(scores: number[], labels: number[]): number {
  let w = 0;
  let n = 0;
  for (let i = 0; i < scores.length; i++) {
    for (let j = 0; j < scores.length; j++) {
      if (labels[i] === 1 && labels[j] === 0) {
        n++;
        w += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
      }
    }
  }
  return w / n;
}

const labelled = fc
  .array(fc.tuple(fc.integer({ min: -5, max: 5 }), fc.constantFrom(0, 1)), { minLength: 2, maxLength: 60 })
  .filter((xs) => xs.some(([, l]) => l === 1) && xs.some(([, l]) => l === 0));

describe('evaluation metrics', () => {
  it('AUROC of a perfect ranking is 1 and of its reverse 0; AUPR 1 and FPR95 0 when perfect', () => {
    const scores = [0.9, 0.8, 0.7, 0.2, 0.1];
    const labels = [1, 1, 1, 0, 0];
    expect(auroc(scores, labels)).toBe(1);
    expect(auroc(orient(scores, 'lower-is-correct'), labels)).toBe(0);
    const m = binaryMetrics(scores, labels);
    expect(m.aupr).toBe(1);
    expect(m.fpr95).toBe(0);
  });

  it('AUROC with average ranks equals the pairwise definition, ties counting ½', () => {
    fc.assert(
      fc.property(labelled, (xs) => {
        const s = xs.map(([v]) => v);
        const l = xs.map(([, y]) => y);
        return Math.abs(auroc(s, l) - pairwiseAuroc(s, l)) < 1e-12;
      }),
    );
  });

  it('flipping the orientation gives 1 − AUROC', () => {
    fc.assert(
      fc.property(labelled, (xs) => {
        const s = xs.map(([v]) => v);
        const l = xs.map(([, y]) => y);
        return Math.abs(auroc(s, l) + auroc(orient(s, 'lower-is-correct'), l) - 1) < 1e-12;
      }),
    );
  });

  it('a constant score has AUROC ½ and one ROC point at (1, 1)', () => {
    const labels = [1, 0, 1, 0, 0];
    expect(auroc([2, 2, 2, 2, 2], labels)).toBe(0.5);
    const pts = rocPoints([2, 2, 2, 2, 2], labels);
    expect(pts).toHaveLength(1);
    expect(pts[0]).toMatchObject({ fpr: 1, tpr: 1 });
    expect(aupr(pts)).toBeCloseTo((1 + 0.4) / 2, 12);
    expect(fpr95(pts)).toBeCloseTo(0.95, 12);
  });

  it('FPR95 interpolates between the points that straddle TPR 0.95', () => {
    // 10 positives, 9 negatives: TPR 0.9 at FPR 2/9, then 1.0 at FPR 4/9, so TPR 0.95 sits at FPR 3/9.
    const scores = [...Array(9).fill(5), 3, 3, 1, 1, 1, 0, 0, 0, 0, 0];
    const labels = [...Array(9).fill(1), 0, 0, 1, 0, 0, 0, 0, 0, 0, 0];
    const pts = rocPoints(scores, labels);
    expect(pts.map((p) => [p.fpr, p.tpr])).toEqual([[0, 0.9], [2 / 9, 0.9], [4 / 9, 1], [1, 1]]);
    expect(fpr95(pts)).toBeCloseTo(1 / 3, 12);
  });

  it('refuses input it cannot measure, saying why', () => {
    expect(() => auroc([1, 2], [1, 1])).toThrow(/both labels/);
    expect(() => auroc([1, 2], [1])).toThrow(/2 scores but 1 labels/);
    expect(() => auroc([1, Number.NaN], [1, 0])).toThrow(/score 1 is NaN/);
    expect(() => auroc([1, 2], [1, 2])).toThrow(/label 1 is 2/);
  });
});
