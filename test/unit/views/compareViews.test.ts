import { describe, expect, it } from 'vitest';
import { fitProjection, projectStates } from '../../../src/core/project';
import { DEFAULT_COTK, SCORERS, scoreName, type ScoreKey } from '../../../src/core/scores/index';
import type { ModelSummary } from '../../../src/record/types';
import { deriveRun, metricValue } from '../../../src/state/derive';
import { jointProjection } from '../../../src/views/Compare/jointProjection';
import { overlayLayout, runOf } from '../../../src/views/Compare/overlay';
import { compareStripLayout, COMPARE_STRIP_MARGIN, sharedDomain, sharedTint } from '../../../src/views/Compare/scale';
import { modelMismatch, scoreRows, variantNote } from '../../../src/views/Compare/scores';
import { splitSteps } from '../../../src/views/Compare/steps';
import { synthRun } from './fixtures';

// Two runs of different lengths, prompts and values: B slips in step 2 and adds a check step.
const A = synthRun();
const B = synthRun({
  reasoning: ['12', '+', '7', '=', '19', '\n', '19', '*', '3', '=', '56', '\n', 'check', '\n'],
  answer: ['56'],
  promptLength: 7,
});
const rowsA = deriveRun(A.events, A.result, 0.8).rows;
const rowsB = deriveRun(B.events, B.result, 0.8).rows;

describe('splitSteps', () => {
  it('makes one step per non-empty line of the reasoning, with the mean over its tokens', () => {
    const s = splitSteps(rowsB, 'surprise');
    expect(s.map((x) => x.text)).toEqual(['12+7=19', '19*3=56', 'check']);
    // the newline token belongs to the line it ends
    expect(s[0].rows.map((r) => r.text)).toEqual(['12', '+', '7', '=', '19', '\n']);
    const want = s[1].rows.reduce((t, r) => t + -r.logProb, 0) / s[1].rows.length;
    expect(s[1].mean).toBeCloseTo(want, 12);
    // answer and tag tokens are not steps
    expect(s.flatMap((x) => x.rows).every((r) => r.segment === 'reasoning')).toBe(true);
  });

  it('gives NaN means where no token has a value (no states kept)', () => {
    const none = synthRun({ states: false });
    const s = splitSteps(deriveRun(none.events, none.result, 0.8).rows, 'energy');
    expect(s).toHaveLength(2);
    expect(s.every((x) => Number.isNaN(x.mean))).toBe(true);
  });
});

describe('shared scales', () => {
  for (const metric of ['v2energy', 'energy', 'surprise', 'kappa'] as const) {
    it(`the strips' y-domain covers both runs' min and max (${metric})`, () => {
      const va = rowsA.map((r) => metricValue(r, metric)).filter(Number.isFinite);
      const vb = rowsB.map((r) => metricValue(r, metric)).filter(Number.isFinite);
      const [lo, hi] = sharedDomain([rowsA, rowsB], metric);
      const min = Math.min(...va, ...vb);
      const max = Math.max(...va, ...vb);
      expect(lo).toBeLessThanOrEqual(min);
      expect(hi).toBeGreaterThanOrEqual(max);
      // tight: one of the runs reaches each end, or the scale starts at 0 for a quantity that is never negative
      expect(lo).toBe(min >= 0 ? 0 : min);
      expect(hi).toBe(max);
      // order does not matter
      expect(sharedDomain([rowsB, rowsA], metric)).toEqual([lo, hi]);
    });
  }

  it('gives both strips the same y-domain and one token axis as long as the longer run', () => {
    const width = 700;
    const l = compareStripLayout(rowsA, rowsB, 'surprise', width);
    const [ya, yb] = l.y;
    expect(ya.domain()).toEqual(yb.domain());
    const [lo, hi] = sharedDomain([rowsA, rowsB], 'surprise');
    expect(ya.domain()[0]).toBeLessThanOrEqual(lo);
    expect(ya.domain()[1]).toBeGreaterThanOrEqual(hi);
    // one value is drawn at the same height within each strip's band
    expect(ya(hi) - l.strips[0].top).toBeCloseTo(yb(hi) - l.strips[1].top, 9);
    expect(l.x.domain()).toEqual([0, Math.max(rowsA.length, rowsB.length)]);
    expect(l.x(0)).toBe(COMPARE_STRIP_MARGIN.left);
    expect(l.x(rowsB.length)).toBe(width - COMPARE_STRIP_MARGIN.right);
    expect(l.strips.map((s) => s.n)).toEqual([rowsA.length, rowsB.length]);
    // A (shorter) ends before the axis does: its segment spans stop at its own length
    expect(l.strips[0].segments.at(-1)?.x1).toBeCloseTo(l.x(rowsA.length), 9);
    expect(l.strips[1].top).toBeGreaterThan(l.strips[0].top + l.strips[0].height);
    expect(l.strips.every((s) => s.area.length > 0 && s.missing === 0)).toBe(true);
    // areas rise from the bottom of the shared scale
    expect(l.strips[1].area.startsWith('M')).toBe(true);
    expect(l.strips[1].area).toContain(`V${Math.round(yb(yb.domain()[0]) * 10) / 10}`);
  });

  it('keeps a quantity that is negative in both runs on its own range (not squashed against 0)', () => {
    // v2 token energies as the tiny-reasoner gives them: all below zero (κ_t > U_t)
    const neg = (rows: typeof rowsA, at: number) => rows.map((r, i) => ({ ...r, lagrangian: at + 0.1 * (i % 7) }));
    const [a, b] = [neg(rowsA, 2), neg(rowsB, 2.2)];
    const all = [...a, ...b].map((r) => -r.lagrangian);
    expect(Math.max(...all)).toBeLessThan(0);
    expect(sharedDomain([a, b], 'v2energy')).toEqual([Math.min(...all), Math.max(...all)]);
  });

  it('gives an empty pair of runs a unit scale', () => {
    expect(sharedDomain([[], []], 'energy')).toEqual([0, 1]);
  });

  it('tints both texts on one colour scale from both runs', () => {
    const t = sharedTint([rowsA, rowsB], 'surprise');
    const all = [...rowsA, ...rowsB].map((r) => -r.logProb);
    expect(t.domain[0]).toBeGreaterThanOrEqual(Math.min(...all));
    expect(t.domain[1]).toBeLessThanOrEqual(Math.max(...all));
    // one value, one colour, whichever run it is in
    expect(t.scale(0.3)).toBe(sharedTint([rowsB, rowsA], 'surprise').scale(0.3));
  });
});

describe('jointProjection', () => {
  const inputs = (s: typeof A) => ({ states: s.result.states, promptLength: s.result.promptLength, outputTokens: s.result.tokens.length });

  it('projects both runs with one PCA fitted on both runs’ states together', () => {
    const r = jointProjection(inputs(A), inputs(B));
    if (!r.ok) throw new Error(r.reason);
    const L = 3;
    const d = 6;
    const [ka, kb] = [A.result.tokens.length, B.result.tokens.length];
    expect(r.data.layers).toBe(L);
    expect(r.data.runs[0].xy).toHaveLength(ka * (L + 1) * 2);
    expect(r.data.runs[1].xy).toHaveLength(kb * (L + 1) * 2);
    expect(r.data.runs.map((x) => x.tokens.length)).toEqual([ka, kb]);
    // The same fit by hand: A's output states layer by layer, then B's, unit-scaled.
    const rows = new Float32Array((ka + kb) * (L + 1) * d);
    let o = 0;
    for (const [s, k] of [[A, ka] as const, [B, kb] as const]) {
      const st = s.result.states;
      if (!st) throw new Error('no states');
      for (let l = 0; l <= L; l++) {
        rows.set(st.residual.subarray((l * st.tokens + s.result.promptLength) * d, (l * st.tokens + s.result.promptLength + k) * d), o * d);
        o += k;
      }
    }
    const p = fitProjection(rows, o, d, { unit: true, maxSamples: o });
    const ref = projectStates(p, rows, o);
    for (let l = 0; l <= L; l++) {
      for (let t = 0; t < kb; t++) {
        const at = ka * (L + 1) + l * kb + t;
        expect(r.data.runs[1].xy[(t * (L + 1) + l) * 2]).toBeCloseTo(ref[2 * at], 5);
        expect(r.data.runs[1].xy[(t * (L + 1) + l) * 2 + 1]).toBeCloseTo(ref[2 * at + 1], 5);
      }
    }
    expect(r.data.explained[0]).toBeGreaterThanOrEqual(r.data.explained[1]);
    expect(r.data.explained[0] + r.data.explained[1]).toBeLessThanOrEqual(1 + 1e-9);
  });

  it('draws one run compared with itself on top of itself', () => {
    const r = jointProjection(inputs(A), inputs(A));
    if (!r.ok) throw new Error(r.reason);
    expect(Array.from(r.data.runs[1].xy)).toEqual(Array.from(r.data.runs[0].xy));
  });

  it('subsamples the fit evenly over both runs and still projects every token', () => {
    const r = jointProjection(inputs(A), inputs(B), 20);
    if (!r.ok) throw new Error(r.reason);
    expect(r.data.runs[1].xy).toHaveLength(B.result.tokens.length * 4 * 2);
    expect(Array.from(r.data.runs[1].xy).every(Number.isFinite)).toBe(true);
  });

  it('says which run kept no states, and refuses states of different shapes', () => {
    const none = synthRun({ states: false });
    const r = jointProjection(inputs(A), inputs(none));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.missing).toEqual(['B']);
    expect(r.reason).toMatch(/^Run B kept no hidden states/);
    const both = jointProjection(inputs(none), inputs(none));
    expect(!both.ok && both.missing).toEqual(['A', 'B']);
    const wide = synthRun({ dim: 8 });
    const w = jointProjection(inputs(A), inputs(wide));
    expect(!w.ok && w.reason).toMatch(/different shapes \(A: 3 layers × 6 dimensions, B: 3 × 8\)/);
  });

  it('leaves tokens past the state cap without a path and counts them', () => {
    const capped = synthRun({ keptPositions: 5 + 4 });
    const r = jointProjection(inputs(A), inputs(capped));
    if (!r.ok) throw new Error(r.reason);
    expect(r.data.runs[1].tokens).toHaveLength(4);
    expect(r.data.runs[1].dropped).toBe(capped.result.tokens.length - 4);
  });

  it('lays both runs out in one pixel space, A’s marks first', () => {
    const r = jointProjection(inputs(A), inputs(B));
    if (!r.ok) throw new Error(r.reason);
    const o = overlayLayout(r.data, [rowsA.map((x) => x.segment), rowsB.map((x) => x.segment)], 500, 400, 3);
    expect(o.offset).toBe(rowsA.length);
    expect(o.layout.marks).toHaveLength(rowsA.length + rowsB.length);
    expect(runOf(o.offset, o.offset)).toEqual({ run: 'B', token: 0 });
    expect(o.layout.marks[o.offset + 1].segment).toBe(rowsB[1].segment);
    for (const m of o.layout.marks) {
      expect(m.x).toBeGreaterThanOrEqual(0);
      expect(m.x).toBeLessThanOrEqual(500);
      expect(m.points).toHaveLength(4);
    }
  });
});

describe('score table rows', () => {
  const scores = (over: Partial<Record<ScoreKey, number | null>>): Record<ScoreKey, number | null> => {
    const s = { cotk: null } as Record<ScoreKey, number | null>;
    for (const x of SCORERS) s[x.id] = 1;
    Object.assign(s, over);
    s.cotk = s[DEFAULT_COTK];
    return s;
  };

  it('lists every scorer once (the default marked, no second cotk row) with A, B, B − A and the run the orientation favours', () => {
    const rows = scoreRows(scores({ cotkV2: 2.5, perplexity: 1.2, maxProb: 0.7 }), scores({ cotkV2: 2, perplexity: 1.5, maxProb: 0.9, coeR: null }));
    expect(rows.map((r) => r.key)).toEqual(SCORERS.map((s) => s.id));
    expect(rows.map((r) => r.label)).toEqual(SCORERS.map((s) => scoreName(s.id)));
    expect(rows.filter((r) => r.label.endsWith('(default)')).map((r) => r.key)).toEqual([DEFAULT_COTK]);
    const by = Object.fromEntries(rows.map((r) => [r.key, r]));
    expect(by.cotkV2.diff).toBeCloseTo(-0.5, 12);
    expect(by.cotkV2.sounder).toBe('B'); // lower energy is sounder
    expect(by.perplexity.diff).toBeCloseTo(0.3, 12);
    expect(by.perplexity.sounder).toBe('A'); // lower perplexity is sounder
    expect(by.maxProb.sounder).toBe('B'); // higher max probability is sounder
    expect(by.coeR.b).toBeNull();
    expect(by.coeR.diff).toBeNull();
    expect(by.coeR.sounder).toBeNull();
    expect(by.meanEntropy.sounder).toBe('tie');
  });

  it('treats NaN as missing, not as a number', () => {
    const rows = scoreRows(scores({ perplexity: NaN }), scores({}));
    expect(rows.find((r) => r.key === 'perplexity')).toMatchObject({ a: null, diff: null, sounder: null });
  });
});

describe('model check', () => {
  const m = (o: Partial<ModelSummary>): ModelSummary => ({ name: 'tiny-reasoner', source: 'bundled', variant: 'fp32-cpu', backend: 'wasm', layers: 4, hidden: 128, vocab: 90, ...o });

  it('refuses to overlay runs of different models, and says why', () => {
    expect(modelMismatch(m({}), m({}))).toBeNull();
    expect(modelMismatch(m({}), m({ name: 'onnx-community/Qwen3-0.6B-ONNX' }))).toMatch(/different models \(A: tiny-reasoner, B: onnx-community\/Qwen3-0.6B-ONNX\).*not overlaid/);
    expect(modelMismatch(m({}), m({ layers: 5 }))).toMatch(/different shapes/);
  });

  it('only notes a different graph or backend of the same model', () => {
    expect(modelMismatch(m({}), m({ variant: 'int4-cpu' }))).toBeNull();
    expect(variantNote(m({}), m({ variant: 'int4-cpu', backend: 'webgpu' }))).toMatch(/graph fp32-cpu vs int4-cpu, backend wasm vs webgpu/);
    expect(variantNote(m({}), m({}))).toBeNull();
  });
});
