import { describe, expect, it } from 'vitest';
import { fitProjection, projectStates } from '../../../src/core/project';

describe('2-D projection (PCA)', () => {
  it('finds the two directions of largest variance and their share', () => {
    // points on a 3:1 ellipse in the plane spanned by e1+e2 and e3, in 6-D, plus a tiny e5 wobble
    const d = 6;
    const n = 400;
    const data = new Float64Array(n * d);
    for (let r = 0; r < n; r++) {
      const t = (2 * Math.PI * r) / n;
      const a = 3 * Math.cos(t);
      const b = Math.sin(t);
      data.set([a / Math.SQRT2, a / Math.SQRT2, b, 0, 0.01 * Math.sin(7 * t), 0], r * d);
    }
    const p = fitProjection(data, n, d, { unit: false });
    const u = Array.from(p.basis.subarray(0, d));
    const v = Array.from(p.basis.subarray(d));
    expect(Math.abs(u[0])).toBeCloseTo(Math.SQRT1_2, 6);
    expect(Math.abs(u[1])).toBeCloseTo(Math.SQRT1_2, 6);
    expect(Math.abs(v[2])).toBeCloseTo(1, 6);
    expect(p.explained[0]).toBeCloseTo(9 / (9 + 1 + 0.0001), 3);
    expect(p.explained[0] + p.explained[1]).toBeGreaterThan(0.9999);
    const xy = projectStates(p, data, n);
    expect(Math.max(...Array.from(xy.filter((_, i) => i % 2 === 0), Math.abs))).toBeCloseTo(3, 3);
  });

  it('is orthonormal and deterministic, and unit scaling ignores a state\'s length', () => {
    const d = 20;
    const n = 50;
    const data = Float64Array.from({ length: n * d }, (_, i) => Math.sin(i * 1.7) + (i % d === 3 ? 2 : 0));
    const p = fitProjection(data, n, d);
    let uu = 0;
    let uv = 0;
    for (let i = 0; i < d; i++) {
      uu += p.basis[i] ** 2;
      uv += p.basis[i] * p.basis[d + i];
    }
    expect(uu).toBeCloseTo(1, 12);
    expect(uv).toBeCloseTo(0, 10);
    expect(fitProjection(data, n, d).basis).toEqual(p.basis);
    const scaled = data.map((x, i) => x * (1 + Math.floor(i / d)));
    expect(Array.from(projectStates(p, scaled, n))).toEqual(Array.from(projectStates(p, data, n)).map((x) => expect.closeTo(x, 5)));
  });

  it('refuses an empty input', () => {
    expect(() => fitProjection([], 0, 4)).toThrow(/at least one state/);
  });
});
