import { describe, expect, it } from 'vitest';
import { ece } from '../../../src/core/metrics';
import type { TokenReduction } from '../../../src/engine/reduce';
import { binsEce, reliabilityBins, reliabilityLayout } from '../../../src/views/Verdict/reliabilityLayout';
import { band, firstDeparture, headline } from '../../../src/views/Verdict/verdict';

function tok(i: number, id: number, p: number, maxProb: number, argmax?: number): TokenReduction {
  const t = { index: i, position: 10 + i, id, segment: 'reasoning' as const, logProb: Math.log(p), entropy: 0, selfCertainty: 0, maxProb, kinetic: NaN, curvature: NaN, energy: NaN, kappa: NaN, speeds: new Float32Array(0), norms: new Float32Array(0) };
  return argmax === undefined ? t : { ...t, argmax };
}

describe('where a teacher-forced trace departs from the model’s greedy choice', () => {
  const decode = (id: number) => ['a', 'b', 'c'][id] ?? null;
  it('finds the first token below the row’s maximum and counts them all', () => {
    const d = firstDeparture([tok(0, 0, 0.9, 0.9, 0), tok(1, 1, 0.2, 0.7, 2), tok(2, 0, 0.1, 0.8, 1)], [], decode);
    expect(d).toEqual({ index: 1, token: 'b', wanted: 'c', count: 2, total: 3 });
  });
  it('counts a tie with the most likely token as no departure, and reads runs saved without the argmax', () => {
    expect(firstDeparture([tok(0, 0, 0.5, 0.5, 1), tok(1, 1, 0.4, 0.4)], [], decode)).toBeNull();
    expect(firstDeparture([tok(0, 0, 0.3, 0.6)], [], decode)).toEqual({ index: 0, token: 'a', wanted: null, count: 1, total: 1 });
  });
});

describe('the reliability diagram', () => {
  it('bins with equal mass exactly as the core’s ECE does', () => {
    const p: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < 103; i++) {
      p.push(((i * 37) % 101) / 100);
      y.push((i * 13) % 7 < 4 ? 1 : 0);
    }
    const bins = reliabilityBins(p, y);
    expect(bins.map((b) => b.n)).toEqual([10, 10, 10, 11, 10, 10, 11, 10, 10, 11]);
    expect(binsEce(bins)).toBeCloseTo(ece(p, y), 14);
    for (const b of bins) expect(b.lo <= b.meanP && b.meanP <= b.hi).toBe(true);
    // A constant predictor: one tie group across every bin, each bin observing the overall accuracy.
    const flat = reliabilityBins(new Array<number>(25).fill(0.6), [...new Array<number>(10).fill(1), ...new Array<number>(15).fill(0)]);
    expect(flat.every((b) => Math.abs(b.observed - 0.4) < 1e-12)).toBe(true);
    expect(binsEce(flat)).toBeCloseTo(ece(new Array<number>(25).fill(0.6), [...new Array<number>(10).fill(1), ...new Array<number>(15).fill(0)]), 14);
    const l = reliabilityLayout(bins, 400);
    expect(l.points).toHaveLength(10);
    expect(l.path.startsWith('M')).toBe(true);
  });
});

describe('the verdict in words', () => {
  it('bands a calibrated probability and names the profile’s evidence', () => {
    expect([band(0.93), band(0.5), band(0.1)]).toEqual(['Likely sound', 'Uncertain', 'Likely unsound']);
    expect(headline({ kind: 'calibrated', p: 0.93, reason: null, profile: { model: 'm', revision: '', dtype: 'd', dataset: 'testbed', n: 800, auroc: 0.951, ece: 0.031 } })).toBe(
      'Likely sound — 93 % (calibrated on 800 labelled traces of this model; held-out AUROC 0.95, ECE 0.03)',
    );
  });
});
