import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coe } from '../../../src/core/scores/coe';
import { cotkV1, cotkV1Token } from '../../../src/core/scores/cotKinetics';
import { aggregateLogitStats, rowStats, tokenLogitStats } from '../../../src/core/scores/logits';
import type { LayerStates } from '../../../src/core/tensor';

/** A deterministic pseudo-random stream, so a failing property replays from its seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) / 2 ** 32) * 2 - 1;
  };
}

function randomStates(layers: number, tokens: number, dim: number, seed: number): LayerStates {
  const r = rng(seed);
  const data = new Float64Array((layers + 1) * tokens * dim);
  for (let i = 0; i < data.length; i++) data[i] = r() * 3;
  return { layers, tokens, dim, data };
}

/** Applies a product of Householder reflections (an orthogonal map) to every state vector. */
function rotate(s: LayerStates, seed: number): LayerStates {
  const r = rng(seed);
  const out = Float64Array.from(s.data);
  for (let k = 0; k < 3; k++) {
    const u = Array.from({ length: s.dim }, () => r());
    const n = Math.hypot(...u);
    for (let o = 0; o < out.length; o += s.dim) {
      let d = 0;
      for (let i = 0; i < s.dim; i++) d += out[o + i] * u[i];
      for (let i = 0; i < s.dim; i++) out[o + i] -= (2 * d * u[i]) / (n * n);
    }
  }
  return { ...s, data: out };
}

function mapStates(s: LayerStates, f: (x: number, i: number) => number): LayerStates {
  return { ...s, data: Float64Array.from(s.data, f) };
}

const shape = fc.record({
  layers: fc.integer({ min: 1, max: 6 }),
  tokens: fc.integer({ min: 1, max: 5 }),
  dim: fc.integer({ min: 2, max: 9 }),
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
});

const close = (a: number, b: number, tol = 1e-9) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

describe('CoT-Kinetics v1 properties', () => {
  it('straight uniform motion has kinetic ½ and curvature 0', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 1e6 }), (L, dim, seed) => {
        const r = rng(seed);
        const x0 = Array.from({ length: dim }, () => r());
        const v = Array.from({ length: dim }, () => r() + 2); // never zero
        const data = new Float64Array((L + 1) * dim);
        for (let l = 0; l <= L; l++) for (let i = 0; i < dim; i++) data[l * dim + i] = x0[i] + l * v[i];
        const t = cotkV1Token({ data, base: 0, layerStride: dim, layers: L, dim });
        return close(t.kinetic, 0.5, 1e-12) && Math.abs(t.curvature) < 1e-6;
      }),
    );
  });

  it('straight motion at uneven speed costs more than ½', () => {
    const dim = 4;
    const steps = [1, 3, 0.5, 2];
    const data = new Float64Array((steps.length + 1) * dim);
    for (let l = 1; l <= steps.length; l++) for (let i = 0; i < dim; i++) data[l * dim + i] = data[(l - 1) * dim + i] + steps[l - 1];
    const t = cotkV1Token({ data, base: 0, layerStride: dim, layers: steps.length, dim });
    const m1 = steps.reduce((a, b) => a + b) / steps.length;
    const m2 = steps.reduce((a, b) => a + b * b, 0) / steps.length;
    expect(t.kinetic).toBeCloseTo((0.5 * m2) / (m1 * m1), 12);
    expect(t.kinetic).toBeGreaterThan(0.5);
  });

  it('a full reversal has curvature 1', () => {
    const data = Float64Array.from([0, 0, 1, 0, 0, 0]); // x0 → x1 → back to x0 in 2-D
    const t = cotkV1Token({ data, base: 0, layerStride: 2, layers: 2, dim: 2 });
    // the spec's 1e-12 in the cosine denominator puts θ a hair under π: acos(−1 + δ) ≈ π − √(2δ)
    expect(t.curvature).toBeCloseTo(1, 5);
  });

  it('is invariant to rotation, translation and scale of the states', () => {
    fc.assert(
      fc.property(shape, fc.double({ min: 0.01, max: 100, noNaN: true }), ({ layers, tokens, dim, seed }, scale) => {
        const s = randomStates(layers, tokens, dim, seed);
        const base = cotkV1(s, [0, tokens]);
        const variants = [rotate(s, seed + 1), mapStates(s, (x, i) => x + (i % dim) * 0.7 - 1), mapStates(s, (x) => x * scale)];
        return variants.every((v) => {
          const e = cotkV1(v, [0, tokens]);
          return e.energy.every((x, i) => close(x, base.energy[i], 1e-7)) && close(e.traceEnergy, base.traceEnergy, 1e-7);
        });
      }),
    );
  });

  it('γ weighs the two terms', () => {
    const s = randomStates(4, 3, 5, 7);
    const a = cotkV1(s, [0, 3], 1);
    const b = cotkV1(s, [0, 3], 0);
    expect(a.energy).toEqual(a.kinetic);
    expect(b.energy).toEqual(b.curvature);
  });
});

describe('Chain-of-Embedding properties', () => {
  it('is invariant to rotation and scale of the states', () => {
    fc.assert(
      fc.property(shape, fc.double({ min: 0.01, max: 100, noNaN: true }), ({ layers, tokens, dim, seed }, scale) => {
        const s = randomStates(layers, tokens, dim, seed);
        const pos = Array.from({ length: tokens }, (_, i) => i);
        const base = coe(s, pos);
        return [rotate(s, seed + 3), mapStates(s, (x) => x * scale)].every((v) => {
          const c = coe(v, pos);
          return close(c.coeR, base.coeR, 1e-6) && close(c.coeC, base.coeC, 1e-6) && close(c.mag, base.mag, 1e-6);
        });
      }),
    );
  });

  it('a straight chain at constant speed has mag 1 and ang 0', () => {
    const dim = 3;
    const L = 4;
    const data = new Float64Array((L + 1) * dim);
    for (let l = 0; l <= L; l++) data.set([1 + l, 1 + l, 1 + l], l * dim); // same direction, growing
    const c = coe({ layers: L, tokens: 1, dim, data }, [0]);
    expect(c.mag).toBeCloseTo(1 / L, 12); // each step is 1/L of the whole
    expect(Number.isNaN(c.ang)).toBe(true); // Z_A = 0: the official code divides by zero too
  });
});

describe('logit statistics properties', () => {
  it('uniform logits: entropy log V, self-certainty 0, max-prob 1/V', () => {
    const V = 50;
    const t = rowStats(new Float64Array(V).fill(3.25), 0, V, 7);
    expect(t.entropy).toBeCloseTo(Math.log(V), 12);
    expect(t.selfCertainty).toBeCloseTo(0, 12);
    expect(t.maxProb).toBeCloseTo(1 / V, 12);
    expect(t.logProb).toBeCloseTo(-Math.log(V), 12);
  });

  it('are invariant to a shift of the row and a permutation of the vocabulary', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -30, max: 30, noNaN: true }), { minLength: 2, maxLength: 40 }), fc.double({ min: -1e3, max: 1e3, noNaN: true }), (row, shift) => {
        const V = row.length;
        const a = rowStats(row, 0, V, V - 1);
        const b = rowStats(row.map((x) => x + shift), 0, V, V - 1);
        const perm = [...row].reverse();
        const c = rowStats(perm, 0, V, 0);
        return [b, c].every((x) => close(x.logProb, a.logProb, 1e-8) && close(x.entropy, a.entropy, 1e-7) && close(x.selfCertainty, a.selfCertainty, 1e-7) && close(x.maxProb, a.maxProb, 1e-9));
      }),
    );
  });

  it('stay finite on extreme logits (log-sum-exp)', () => {
    const row = [1e4, -1e4, 5e3, 0];
    const t = rowStats(row, 0, 4, 1);
    expect(t.logProb).toBeCloseTo(-2e4, 6);
    expect(t.maxProb).toBeCloseTo(1, 12);
    expect(Number.isFinite(t.entropy)).toBe(true);
    expect(Number.isFinite(t.selfCertainty)).toBe(true);
  });

  it('perplexity is exp of the mean negative log-prob', () => {
    const V = 3;
    const logits = [0, 0, 0, Math.log(3), 0, 0];
    const s = aggregateLogitStats(tokenLogitStats(logits, V, [0, 0]));
    const lp = [Math.log(1 / 3), Math.log(3 / 5)];
    expect(s.perplexity).toBeCloseTo(Math.exp(-(lp[0] + lp[1]) / 2), 12);
    expect(s.geoMeanProb * s.perplexity).toBeCloseTo(1, 12);
  });
});
