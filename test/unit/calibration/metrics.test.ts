import { describe, expect, it } from 'vitest';
import { brier, ece, logLoss } from '../../../src/core/metrics';

describe('calibration metrics', () => {
  it('ECE with equal-mass bins matches a hand computation', () => {
    // sorted p: .1 .2 | .3 .4 | .8 .9 with labels 0 1 | 0 0 | 1 1 → bins of 2:
    // |0.3/2·… |: bin1 |0.15 − 0.5| = 0.35, bin2 |0.35 − 0| = 0.35, bin3 |0.85 − 1| = 0.15; weights 1/3
    const p = [0.9, 0.1, 0.4, 0.2, 0.8, 0.3];
    const y = [1, 0, 0, 1, 1, 0];
    expect(ece(p, y, 3)).toBeCloseTo((0.35 + 0.35 + 0.15) / 3, 12);
    // one bin: |mean p − accuracy|
    expect(ece(p, y, 1)).toBeCloseTo(Math.abs(2.7 / 6 - 0.5), 12);
    // uneven sizes: 5 predictions in 2 bins → 2 and 3
    expect(ece([0.1, 0.2, 0.6, 0.7, 0.8], [0, 0, 1, 1, 0], 2)).toBeCloseTo((2 / 5) * 0.15 + (3 / 5) * Math.abs(0.7 - 2 / 3), 12);
  });

  it('ECE does not depend on the order of tied predictions', () => {
    const p = Array(10).fill(0.5);
    const y = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0];
    expect(ece(p, y, 5)).toBe(0);
    expect(ece(p, [...y].reverse(), 5)).toBe(0);
    expect(ece(Array(4).fill(0.9), [1, 0, 0, 0], 2)).toBeCloseTo(0.65, 12);
  });

  it('Brier and log loss match hand values', () => {
    expect(brier([0.9, 0.2, 0.5], [1, 0, 1])).toBeCloseTo((0.01 + 0.04 + 0.25) / 3, 12);
    expect(logLoss([0.9, 0.2, 0.5], [1, 0, 1])).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8) + Math.log(0.5)) / 3, 12);
    expect(Number.isFinite(logLoss([0, 1], [1, 0]))).toBe(true);
  });

  it('refuses what is not a probability or a label', () => {
    expect(() => ece([1.2], [1])).toThrow(/probability 0 is 1.2/);
    expect(() => brier([0.5], [2])).toThrow(/label 0 is 2/);
    expect(() => logLoss([0.5, 0.5], [1])).toThrow(/2 probabilities but 1 labels/);
    expect(() => ece([], [])).toThrow(/at least one/);
    expect(() => ece([0.5], [1], 0)).toThrow(/bins/);
  });
});
