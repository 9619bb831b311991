import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alignSteps, editDistance, normaliseStep, similarity, type AlignedRow } from '../../../src/views/Compare/align';

/** The rows as compact strings: "a=b" same, "a~b" changed, "a-" only A, "+b" only B. */
function show(rows: readonly AlignedRow[]): string[] {
  return rows.map((r) => (r.kind === 'same' ? `${r.a}=${r.b}` : r.kind === 'changed' ? `${r.a}~${r.b}` : r.kind === 'only-a' ? `${r.a}-` : `+${r.b}`));
}

/** Longest common subsequence length, by the textbook DP (an independent reference). */
function lcs(a: readonly string[], b: readonly string[]): number {
  const t = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) t[i][j] = a[i - 1] === b[j - 1] ? t[i - 1][j - 1] + 1 : Math.max(t[i - 1][j], t[i][j - 1]);
  return t[a.length][b.length];
}

describe('alignSteps', () => {
  it('puts identical step lists row by row', () => {
    const s = ['12+7=19', '19*3=57'];
    expect(show(alignSteps(s, s))).toEqual(['0=0', '1=1']);
  });

  it('leaves a gap in B for a step only A has (deletion), and in A for one only B has (insertion)', () => {
    const a = ['2+3=5', '5*4=20', '20-1=19'];
    const b = ['2+3=5', '20-1=19'];
    expect(show(alignSteps(a, b))).toEqual(['0=0', '1-', '2=1']);
    expect(show(alignSteps(b, a))).toEqual(['0=0', '+1', '1=2']);
  });

  it('handles steps added at either end and an empty side', () => {
    expect(show(alignSteps(['x=1'], ['y=2', 'z=3', 'x=1', 'w=4'], { minSimilarity: 2 }))).toEqual(['+0', '+1', '0=2', '+3']);
    expect(show(alignSteps([], ['1+1=2']))).toEqual(['+0']);
    expect(show(alignSteps(['1+1=2'], []))).toEqual(['0-']);
    expect(alignSteps([], [])).toEqual([]);
  });

  it('ignores case and whitespace when it compares steps', () => {
    expect(normaliseStep(' 12 + 7 = 19 ')).toBe('12+7=19');
    expect(show(alignSteps(['12 + 7 = 19', 'So X'], ['12+7=19', 'so x']))).toEqual(['0=0', '1=1']);
  });

  it('keeps a similar step on the same row as a change, but never prefers it to an equal step', () => {
    // B made an arithmetic slip in step 2: same shape, different result.
    const a = ['12+7=19', '19*3=57'];
    const b = ['12+7=19', '19*3=56'];
    expect(show(alignSteps(a, b))).toEqual(['0=0', '1~1']);
    // With changes switched off, the slip is a deletion plus an insertion.
    expect(show(alignSteps(a, b, { minSimilarity: 2 }))).toEqual(['0=0', '1-', '+1']);
    // An equal step further on wins over a similar one right here.
    expect(show(alignSteps(['19*3=57'], ['19*3=56', '19*3=57']))).toEqual(['+0', '0=1']);
  });

  it('does not pair unrelated steps', () => {
    expect(show(alignSteps(['12+7=19'], ['I can only do arithmetic.']))).toEqual(['0-', '+0']);
  });

  it('is a longest common subsequence of equal steps when changes are off (property)', () => {
    const step = fc.constantFrom('a', 'b', 'c', 'd', '1+1=2', '2*2=4');
    fc.assert(
      fc.property(fc.array(step, { maxLength: 9 }), fc.array(step, { maxLength: 9 }), (a, b) => {
        const rows = alignSteps(a, b, { minSimilarity: 2 });
        // every step appears exactly once, in order, on each side
        expect(rows.filter((r) => r.a !== null).map((r) => r.a)).toEqual(a.map((_, i) => i));
        expect(rows.filter((r) => r.b !== null).map((r) => r.b)).toEqual(b.map((_, i) => i));
        for (const r of rows) if (r.kind === 'same') expect(a[r.a as number]).toBe(b[r.b as number]);
        expect(rows.filter((r) => r.kind === 'same')).toHaveLength(lcs(a, b));
        expect(rows.some((r) => r.kind === 'changed')).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('matches only equal steps past the similarity budget (large inputs stay fast)', () => {
    const a = Array.from({ length: 600 }, (_, i) => `${i}+1=${i + 1}`);
    const b = a.map((s, i) => (i % 3 === 0 ? `${s}0` : s));
    const t0 = performance.now();
    const rows = alignSteps(a, b);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(rows.filter((r) => r.kind === 'same')).toHaveLength(400);
    expect(rows.some((r) => r.kind === 'changed')).toBe(false);
  });
});

describe('edit similarity', () => {
  it('is Levenshtein over the longer length', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(similarity('19*3=57', '19*3=56')).toBeCloseTo(6 / 7, 12);
    expect(similarity('', '')).toBe(1);
    expect(similarity('abc', 'xyz')).toBe(0);
  });
});
