import { describe, expect, it } from 'vitest';
import {
  applyIsotonic,
  applyProfile,
  assignFolds,
  CALIBRATION_FORMAT,
  CALIBRATION_VERSION,
  fitIsotonic,
  fitLogistic,
  fitProfile,
  percentileOf,
  ProfileError,
  V2_BARRIER,
  V2_KAPPA,
  type CalibrationRow,
} from '../../../src/core/calibration/index';
import { createRng as rng } from '../../../src/engine/sample';

const KEY = { model: 'tiny-reasoner', revision: 'fnv1a:0:1', dtype: 'fp32-cpu' };

function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** Traces whose scores carry signal: perplexity lower and κ̄ higher when correct; v1 pure noise. */
function synthetic(n: number, seed = 1): CalibrationRow[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const label = (r() < 0.5 ? 1 : 0) as 0 | 1;
    const s = label ? 1 : -1;
    const ppl = Math.exp(0.5 - 0.4 * s + 0.3 * gauss(r));
    return {
      id: i,
      label,
      scores: {
        perplexity: 1 + ppl,
        meanEntropy: ppl / 2,
        maxProb: 1 / (1 + ppl),
        selfCertainty: 10 + gauss(r),
        answerConfidence: i % 7 === 0 ? null : 1 / (1 + ppl * (1 + 0.2 * r())),
        cotkEnergy: gauss(r),
        coeR: 1 + 0.2 * s + gauss(r) * 0.3,
        coeC: 2 + 0.2 * s + gauss(r) * 0.3,
        [V2_BARRIER]: ppl * 3,
        [V2_KAPPA]: 2 + 0.3 * s + 0.3 * gauss(r),
        cotkV2: ppl * 3 - (2 + 0.3 * s),
      },
    };
  });
}

describe('fitLogistic (Newton/IRLS, L2)', () => {
  it('recovers the logistic model the data was drawn from', () => {
    const r = rng(7);
    const x: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 20000; i++) {
      const a = gauss(r);
      const b = gauss(r);
      x.push([a, b]);
      y.push(r() < 1 / (1 + Math.exp(-(0.5 + 2 * a - 1 * b))) ? 1 : 0);
    }
    const f = fitLogistic(x, y, 1e-3);
    expect(f.bias).toBeCloseTo(0.5, 1);
    expect(f.weights[0]).toBeCloseTo(2, 1);
    expect(f.weights[1]).toBeCloseTo(-1, 1);
  });

  it('stays finite on separable data and shrinks with a larger penalty', () => {
    const x = [[-2], [-1], [1], [2]];
    const y = [0, 0, 1, 1];
    const loose = fitLogistic(x, y, 0.01);
    const tight = fitLogistic(x, y, 10);
    expect(Number.isFinite(loose.weights[0])).toBe(true);
    expect(loose.weights[0]).toBeGreaterThan(tight.weights[0]);
    expect(tight.weights[0]).toBeGreaterThan(0);
  });
});

describe('fitIsotonic (PAV)', () => {
  it('pools violators into the rate of their block, monotone in the orientation', () => {
    // x 1..6, labels 0 1 0 1 1 1: blocks {1}=0, {2,3}=1/2, {4,5,6}=1
    const m = fitIsotonic([1, 2, 3, 4, 5, 6], [0, 1, 0, 1, 1, 1], 'higher-is-correct');
    const eps = 0.5 / 7;
    expect(m.x).toEqual([1, 2, 3, 4, 6]);
    expect(m.p).toEqual([eps, 0.5, 0.5, 1 - eps, 1 - eps]);
    expect(applyIsotonic(m, 2.5)).toBe(0.5);
    expect(applyIsotonic(m, 3.5)).toBeCloseTo((0.5 + 1 - eps) / 2, 12);
    expect(applyIsotonic(m, -10)).toBe(eps);
    expect(applyIsotonic(m, 99)).toBe(1 - eps);
    const low = fitIsotonic([1, 2, 3, 4, 5, 6], [1, 1, 1, 0, 1, 0], 'lower-is-correct');
    for (let i = 1; i < low.p.length; i++) expect(low.p[i]).toBeLessThanOrEqual(low.p[i - 1]);
    expect(applyIsotonic(low, 1)).toBe(1 - eps);
  });
});

describe('percentileOf', () => {
  it('reads the share at or below a value off the quantile table', () => {
    const q = [0, 10, 20, 30, 40];
    expect(percentileOf(q, -1)).toBe(0);
    expect(percentileOf(q, 0)).toBe(0);
    expect(percentileOf(q, 15)).toBe(37.5);
    expect(percentileOf(q, 40)).toBe(100);
    expect(percentileOf([0, 0, 0, 5, 10], 0)).toBe(50); // a run of equal quantiles counts wholly below
  });
});

describe('fitProfile', () => {
  const rows = synthetic(400);

  it('is deterministic and does not depend on the rows’ order', () => {
    const a = fitProfile(rows, { key: KEY, datasetName: 'synthetic', createdAt: 'x' });
    const b = fitProfile([...rows].reverse(), { key: KEY, datasetName: 'synthetic', createdAt: 'x' });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(a.format).toBe(CALIBRATION_FORMAT);
    expect(a.version).toBe(CALIBRATION_VERSION);
  });

  it('learns the synthetic signal, calibrated, and ignores noise', () => {
    const p = fitProfile(rows, { key: KEY, datasetName: 'synthetic', createdAt: 'x' });
    const h = p.verdict.heldOut;
    expect(h.n).toBe(400);
    expect(h.folds).toBe(5);
    expect(h.auroc).toBeGreaterThan(0.85);
    expect(h.ece).toBeLessThan(0.08);
    // the answer-confidence nulls get a missing-value indicator
    const ac = p.verdict.model.features.find((f) => f.key === 'answerConfidence');
    expect(ac?.indicator).toBe(true);
    expect(p.scorers.answerConfidence.missing).toBe(Math.ceil(400 / 7));
    expect(p.scorers.cotkEnergy.heldOut?.auroc).toBeLessThan(0.6);
    expect(p.scorers.perplexity.heldOut?.auroc).toBeGreaterThan(0.8);
  });

  it('gives P, percentiles and per-scorer P, and flags values outside the fit', () => {
    const p = fitProfile(rows, { key: KEY, datasetName: 'synthetic', createdAt: 'x' });
    const good = applyProfile(p, { ...rows[0].scores, perplexity: 1.6, meanEntropy: 0.3, maxProb: 0.625, [V2_BARRIER]: 1.8, [V2_KAPPA]: 2.4 });
    const bad = applyProfile(p, { ...rows[0].scores, perplexity: 3.5, meanEntropy: 1.25, maxProb: 0.286, [V2_BARRIER]: 7.5, [V2_KAPPA]: 1.6 });
    expect(good.p).toBeGreaterThan(bad.p);
    expect(good.p).toBeGreaterThanOrEqual(0);
    expect(good.p).toBeLessThanOrEqual(1);
    expect(good.perScorer.perplexity).toBeGreaterThan(bad.perScorer.perplexity);
    expect(bad.percentiles.perplexity).toBeGreaterThan(good.percentiles.perplexity);
    expect(good.outside).toEqual([]);
    const far = applyProfile(p, { ...rows[0].scores, perplexity: 1e6, coeC: null });
    expect(far.outside).toContain('perplexity');
    expect(far.outside).toContain('coeC'); // null where the fit never saw a null
    expect(far.outside).not.toContain('answerConfidence');
  });

  it('splits folds by trace id: rows sharing an id stay together, both labels in every fold', () => {
    const dup = [...rows, ...rows.slice(0, 50)];
    const f = assignFolds(dup, 5, 0);
    for (let i = 0; i < 50; i++) expect(f[400 + i]).toBe(f[i]);
    for (let k = 0; k < 5; k++) {
      const labels = dup.filter((_, i) => f[i] === k).map((r) => r.label);
      expect(labels).toContain(0);
      expect(labels).toContain(1);
    }
    expect(assignFolds(rows, 5, 1)).not.toEqual(assignFolds(rows, 5, 0));
  });

  it('refuses one label only, and fewer than 30 traces, saying why', () => {
    const opts = { key: KEY, datasetName: 'x' };
    const ones = rows.slice(0, 100).map((r) => ({ ...r, label: 1 as const }));
    expect(() => fitProfile(ones, opts)).toThrow(ProfileError);
    expect(() => fitProfile(ones, opts)).toThrow(/Every one of the 100 traces is labelled correct \(1\)/);
    expect(() => fitProfile(rows.slice(0, 29), opts)).toThrow(/at least 30 labelled traces and got 29/);
    expect(() => fitProfile(rows.slice(0, 30), opts)).not.toThrow();
    expect(() => fitProfile([{ ...rows[0], label: 2 as 0 }, ...rows.slice(1, 40)], opts)).toThrow(/Trace 1 \(id 0\) has label 2/);
    expect(() => fitProfile(rows, { ...opts, folds: 1 })).toThrow(/folds must be a whole number ≥ 2/);
  });
});
