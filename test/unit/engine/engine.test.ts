import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scoreStatesCase } from '../../../src/core/states';
import { ContextOverflowError, toStatesCase, type Engine, type RunResult } from '../../../src/engine/index';
import { relErr, sharedPath } from '../../paths';
import { maxRelErr, maxVectorRelErr, openTestEngine, testbedTraces } from './helpers';

interface RefTrace {
  id: number;
  ids: number[];
  shape: [number, number, number];
  residual: number[];
  hidden: number[];
  logits: number[];
}
const REF = JSON.parse(readFileSync(sharedPath('fixtures/tiny-reasoner/reference-states.json'), 'utf8')) as RefTrace[];
const CAPTURE = { stateCapBytes: Infinity, keepLogits: true };

let engine: Engine;
beforeAll(async () => {
  engine = await openTestEngine('fp32-cpu', 'node');
});
afterAll(() => engine.release());

/** Residual and hidden of a run against a [L+1][T][d] reference: max |Δ| / max |ref| of each. */
function stateErrors(run: RunResult, residual: ArrayLike<number>, hidden: ArrayLike<number>): { residual: number; hidden: number } {
  const c = toStatesCase(run, 86);
  return { residual: maxRelErr(c.residual.data, residual).rel, hidden: maxRelErr(c.hidden.data, hidden).rel };
}

describe('fp32 graph in onnxruntime-node against PyTorch (reference-states.json)', () => {
  it('captures residual and hidden to 1e-4 relative and the logits to 1e-4 absolute', async () => {
    for (const ref of REF) {
      const p = ref.ids.indexOf(3);
      const run = await engine.score({ ids: ref.ids.slice(0, p) }, ref.ids.slice(p), CAPTURE);
      const err = stateErrors(run, ref.residual, ref.hidden);
      console.log(`reference trace ${ref.id} (${ref.ids.length} tokens): residual ${err.residual.toExponential(2)}, hidden ${err.hidden.toExponential(2)} (max |Δ|/max |ref|)`);
      expect(err.residual).toBeLessThan(1e-4);
      expect(err.hidden).toBeLessThan(1e-4);
      // Also per state vector (layer, token), the way the scorers read them.
      const c = toStatesCase(run, 86);
      const perVector = Math.max(maxVectorRelErr(c.residual.data, ref.residual, 160), maxVectorRelErr(c.hidden.data, ref.hidden, 160));
      console.log(`reference trace ${ref.id}: worst ‖Δ‖/‖ref‖ over the ${ref.shape[0] * ref.shape[1]} state vectors ${perVector.toExponential(2)}`);
      expect(perVector).toBeLessThan(1e-4);
      // Every logits row: with a one-token prompt, keepLogits 'all' returns rows 0 … T−2 (row t predicts t + 1).
      const all = await engine.score({ ids: ref.ids.slice(0, 1) }, ref.ids.slice(1), { keepLogits: 'all', stateCapBytes: 0 });
      const lg = maxRelErr(all.outputLogits as Float32Array, ref.logits.slice(0, (ref.ids.length - 1) * 86));
      console.log(`reference trace ${ref.id}: logits max |Δ| ${lg.maxAbs.toExponential(2)} over ${ref.ids.length - 1} rows`);
      // The scored rows capture keeps are the same rows.
      const scored = run.logits as Float32Array;
      const r0 = run.segments.reasoning[0];
      expect(Array.from(scored.subarray(0, 86))).toEqual(Array.from((all.outputLogits as Float32Array).subarray((r0 - 1) * 86, r0 * 86)));
      expect(lg.maxAbs).toBeLessThan(1e-4);
    }
  });
});

describe('greedy generation reproduces the testbed', () => {
  it('gives the exact text for 60 problems (35 of them answered wrongly)', async () => {
    const all = testbedTraces();
    const easy = all.filter((t, i) => i < 400 && i % 16 === 0).slice(0, 25);
    const wrong = all.filter((t) => !t.correct).filter((_, i) => i % 9 === 0).slice(0, 35);
    expect(wrong.length).toBe(35);
    let same = 0;
    const t0 = performance.now();
    for (const t of [...easy, ...wrong]) {
      const run = await engine.generate(`${t.expr}=?`, {});
      expect(run.text, `testbed ${t.id} (${t.expr})`).toBe(t.text);
      expect(run.stop).toBe('eos');
      expect(run.segments.reasoning).toEqual(t.reasoning);
      same++;
    }
    console.log(`greedy: ${same}/60 testbed texts reproduced exactly in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  });
});

describe('teacher forcing and streaming reduction', () => {
  it('teacher-forced states equal generated ones, whatever the chunk size', async () => {
    const t = testbedTraces()[450];
    const gen = await engine.generate(`${t.expr}=?`, CAPTURE);
    const genCase = toStatesCase(gen, 86);
    for (const prefillChunk of [1, 7, undefined]) {
      const tf = await engine.score(`${t.expr}=?`, gen.ids.slice(gen.promptLength), { ...CAPTURE, prefillChunk });
      const err = stateErrors(tf, genCase.residual.data, genCase.hidden.data);
      expect(err.residual, `chunk ${prefillChunk}`).toBeLessThan(1e-5);
      expect(err.hidden, `chunk ${prefillChunk}`).toBeLessThan(1e-5);
      for (const [k, v] of Object.entries(gen.scores)) expect(relErr(tf.scores[k as keyof typeof tf.scores] as number, v as number), k).toBeLessThan(1e-5);
    }
  });

  it('streams the same numbers scoreStatesCase gives on the full capture (generate and score)', async () => {
    for (const t of testbedTraces().filter((_, i) => i % 100 === 7)) {
      for (const run of [await engine.generate(`${t.expr}=?`, CAPTURE), await engine.score(`${t.expr}=?`, t.text, CAPTURE)]) {
        const full = scoreStatesCase(toStatesCase(run, 86));
        expect(run.detail.cotk).toEqual(full.cotk);
        expect(run.detail.coe).toEqual(full.coe);
        expect(run.detail.output).toEqual(full.output);
        expect(run.detail.answer).toEqual(full.answer);
      }
    }
  });

  it('keeps full states only under the cap, with the same scores', async () => {
    const t = testbedTraces()[5];
    const all = await engine.score(`${t.expr}=?`, t.text, CAPTURE);
    // A position costs L + 2 = 10 float32 vectors of 160: room for 12 positions of the 43.
    const capped = await engine.score(`${t.expr}=?`, t.text, { stateCapBytes: 12 * 10 * 160 * 4 + 100 });
    expect(capped.states?.tokens).toBe(12);
    expect(capped.states?.truncated).toBe(true);
    expect(capped.scores).toEqual(all.scores);
    expect(capped.tokens.length).toBe(all.tokens.length);
    const first = capped.tokens[1];
    expect([first.speeds.length, first.norms.length]).toEqual([8, 9]);
    expect(first.energy).toBeCloseTo(0.8 * first.kinetic + 0.2 * first.curvature, 12);
  });

  it('samples reproducibly from a seed', async () => {
    const a = await engine.generate('88*97=?', { temperature: 1.2, topP: 0.95, seed: 11, maxTokens: 60 });
    const b = await engine.generate('88*97=?', { temperature: 1.2, topP: 0.95, seed: 11, maxTokens: 60 });
    expect(b.ids).toEqual(a.ids);
    expect(a.tokens.length).toBeLessThanOrEqual(60);
  });
});

describe('refusals and cancellation', () => {
  it('refuses a context overflow before running, with the numbers', async () => {
    const seen: number[] = [];
    const err = await engine.generate('12+7=?', { maxTokens: 250 }, (t) => seen.push(t.id)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContextOverflowError);
    expect((err as Error).message).toBe(
      "the prompt (25 tokens) plus the maximum output (250 tokens) is 275 tokens, more than the model's context of 256; shorten the prompt, or keep the maximum output to at most 231 tokens.",
    );
    expect(seen).toEqual([]);
    await expect(engine.score('12+7=?', '1'.repeat(240))).rejects.toThrow(/the prompt \(25 tokens\) plus the output \(240 tokens\) is 265 tokens/);
  });

  it('stops at the next step when cancelled and returns a usable partial result', async () => {
    const ac = new AbortController();
    const run = await engine.generate('((98*4)*3)-80=?', CAPTURE, (t) => t.index === 9 && ac.abort(), ac.signal);
    expect(run.stop).toBe('cancelled');
    expect(run.tokens.length).toBe(10);
    expect(run.states?.tokens).toBe(run.ids.length); // every reported token came with its states
    expect(run.scores.cotkEnergy).not.toBeNull(); // 8 reasoning tokens so far
    expect(run.scores.answerConfidence).toBeNull();
    const early = new AbortController();
    early.abort();
    const none = await engine.generate('1+1=?', {}, undefined, early.signal);
    expect([none.stop, none.tokens.length]).toEqual(['cancelled', 0]);
    const tf = new AbortController();
    const t = testbedTraces()[450];
    const part = await engine.score(`${t.expr}=?`, t.text, { prefillChunk: 40 }, () => tf.abort(), tf.signal);
    expect(part.stop).toBe('cancelled');
    expect(part.tokens.length).toBe(40 - t.promptTokens); // the first pass ran, the second did not
    const after = await engine.generate(`${t.expr}=?`);
    expect(after.text).toBe(t.text); // the engine is fine after a cancel
  });

  it('runs untapped (for benchmarks): same text, logit scores only', async () => {
    const plain = await openTestEngine('fp32-cpu', 'node', { tap: null });
    try {
      expect(plain.info().tap).toBeNull();
      const t = testbedTraces()[3];
      const run = await plain.generate(`${t.expr}=?`);
      expect(run.text).toBe(t.text);
      expect(run.states).toBeNull();
      expect([run.scores.cotkEnergy, run.scores.coeR]).toEqual([null, null]);
      expect(relErr(run.scores.perplexity as number, t.output.perplexity)).toBeLessThan(2e-3);
    } finally {
      await plain.release();
    }
  });
});
