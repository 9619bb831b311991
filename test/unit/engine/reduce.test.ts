import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scoreStatesCase, type StatesCase } from '../../../src/core/states';
import { outputPositions, segmentTrace, type SpecialIds } from '../../../src/core/trace/segment';
import { StateStore } from '../../../src/engine/keep';
import { StreamReducer } from '../../../src/engine/reduce';
import { scoreNumbers } from '../../../src/engine/run';
import { SegmentTracker } from '../../../src/engine/segmentStream';

const SP: SpecialIds = { think: 3, endThink: 4, eos: [2, 9] };
/** Ids drawn mostly from the markers, so every branch of the segmentation is hit often. */
const idArb = fc.constantFrom(2, 3, 4, 9, 20, 21, 22, 23);

/** Random states [L+2][T][d], logits [T][V]: a stand-in capture whose scores we know how to compute. */
function synthetic(seed: number, L: number, T: number, d: number, V: number): { states: Float32Array; logits: Float32Array } {
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  const states = Float32Array.from({ length: (L + 2) * T * d }, (_, i) => rnd() * 4 + (i % 7) * 0.1);
  const logits = Float32Array.from({ length: T * V }, () => rnd() * 8);
  return { states, logits };
}

/** Streams a sequence through the reducer in passes of `chunk` positions, like teacher forcing. */
function stream(ids: number[], P: number, L: number, d: number, V: number, chunk: number, seed: number) {
  const { states, logits } = synthetic(seed, L, ids.length, d, V);
  const T = ids.length;
  const red = new StreamReducer({ layers: L, hidden: d, vocab: V, promptLength: P, special: SP, stateCapBytes: Infinity, keepLogits: true });
  for (let s0 = 0; s0 < T; s0 += chunk) {
    const n = Math.min(chunk, T - s0);
    const block = new Float32Array((L + 2) * n * d);
    for (let l = 0; l < L + 2; l++) block.set(states.subarray((l * T + s0) * d, (l * T + s0 + n) * d), l * n * d);
    red.addStates(s0, n, block);
    for (let j = 0; j < n; j++) {
      const p = s0 + j;
      if (p >= P) red.addToken(ids[p], p, logits, (p - 1) * V, { data: block, n, j });
    }
  }
  return { red: red.finish(ids.slice(0, P)), states, logits };
}

/** The same data as a full capture, scored the way `cotk states` scores it. */
function fullCase(ids: number[], P: number, L: number, d: number, V: number, states: Float32Array, logits: Float32Array): StatesCase {
  const T = ids.length;
  const seg = segmentTrace(ids, P, SP);
  const residual = states.slice(0, (L + 1) * T * d);
  const hidden = residual.slice();
  hidden.set(states.subarray((L + 1) * T * d), L * T * d);
  const pos = outputPositions(seg.reasoning, seg.answer);
  const rows = new Float32Array(pos.length * V);
  pos.forEach((p, i) => rows.set(logits.subarray((p - 1) * V, p * V), i * V));
  return {
    residual: { layers: L, tokens: T, dim: d, data: residual },
    hidden: { layers: L, tokens: T, dim: d, data: hidden },
    vocab: V,
    logits: rows,
    targets: pos.map((p) => ids[p]),
    reasoning: seg.reasoning,
    answer: seg.answer,
    gamma: 0.8,
  };
}

describe('streaming segmentation', () => {
  it('places every output token where segmentTrace puts it', () => {
    fc.assert(
      fc.property(fc.array(idArb, { maxLength: 6 }), fc.array(idArb, { maxLength: 30 }), (prompt, output) => {
        const ids = [...prompt, ...output];
        const seg = segmentTrace(ids, prompt.length, SP);
        const tracker = new SegmentTracker(SP);
        const classes = output.map((id) => tracker.next(id, () => {}));
        tracker.finish(() => {});
        const settled = classes.map((c) => (c === 'pending' ? (tracker.fate === 'reasoning' ? 'reasoning' : 'dropped') : c));
        const inSpan = (p: number, s: readonly [number, number]): boolean => p >= s[0] && p < s[1];
        output.forEach((_, i) => {
          const p = prompt.length + i;
          const want = inSpan(p, seg.reasoning) ? 'reasoning' : inSpan(p, seg.answer) ? 'answer' : 'other';
          const got = settled[i] === 'reasoning' || settled[i] === 'answer' ? settled[i] : 'other';
          expect(got, `ids ${ids.join(',')} at ${p}`).toBe(want);
        });
      }),
      { numRuns: 2000 },
    );
  });
});

describe('streaming reducer', () => {
  it('equals scoreStatesCase on the full capture, bit for bit, for any chunking', () => {
    const L = 4;
    const d = 6;
    const V = 11;
    fc.assert(
      fc.property(fc.array(idArb, { minLength: 1, maxLength: 4 }), fc.array(idArb, { minLength: 1, maxLength: 24 }), fc.integer({ min: 1, max: 9 }), fc.nat(), (prompt, output, chunk, seed) => {
        const ids = [...prompt, ...output].map((x) => x % V);
        const P = prompt.length;
        const { red, states, logits } = stream(ids, P, L, d, V, chunk, seed);
        const seg = segmentTrace(ids, P, SP);
        expect(red.segments.reasoning).toEqual(seg.reasoning);
        expect(red.segments.answer).toEqual(seg.answer);
        const nr = seg.reasoning[1] - seg.reasoning[0];
        const na = seg.answer[1] - seg.answer[0];
        if (nr === 0) {
          expect(red.scores.cotk).toBeNull();
          expect(red.scores.cotkV2).toBeNull();
          if (na === 0) expect(scoreNumbers(red.scores)).toEqual(Object.fromEntries(Object.keys(scoreNumbers(red.scores)).map((k) => [k, null])));
          return;
        }
        const want = scoreStatesCase(fullCase(ids, P, L, d, V, states, logits));
        expect(red.scores.cotk).toEqual(want.cotk);
        expect(red.scores.cotkV2).toEqual(want.cotkV2);
        expect(red.scores.coe).toEqual(want.coe);
        expect(red.scores.output).toEqual(want.output);
        expect(red.scores.answer).toEqual(want.answer);
        expect(red.states?.residual).toEqual(states.slice(0, (L + 1) * ids.length * d));
      }),
      { numRuns: 400 },
    );
  });
});

describe('state store', () => {
  it('keeps whole positions up to the cap, then stops and says so', () => {
    const L = 2;
    const d = 3;
    const per = (L + 2) * d * 4;
    const store = new StateStore(L, d, per * 5);
    const block = (n: number, base: number): Float32Array => Float32Array.from({ length: (L + 2) * n * d }, (_, i) => base + i);
    store.add(0, 3, block(3, 0));
    store.add(3, 4, block(4, 100)); // only 2 of these fit
    store.add(7, 1, block(1, 200));
    expect(store.positions).toBe(5);
    const kept = store.layout();
    expect(kept.truncated).toBe(true);
    expect(kept.tokens).toBe(5);
    // layer 1, token 4 is the second position of the second block: block offset (1·4 + 1)·d
    expect(Array.from(kept.residual.subarray((1 * 5 + 4) * d, (1 * 5 + 5) * d))).toEqual([100 + 15, 100 + 16, 100 + 17]);
    expect(Array.from(kept.finalNorm.subarray(0, d))).toEqual([3 * 3 * 3, 3 * 3 * 3 + 1, 3 * 3 * 3 + 2]);
    const none = new StateStore(L, d, 0);
    none.add(0, 2, block(2, 0));
    expect(none.layout().tokens).toBe(0);
  });
});
