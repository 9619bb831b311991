import { describe, expect, it } from 'vitest';
import { coe } from '../../../src/core/scores/coe';
import { cotkV1 } from '../../../src/core/scores/cotKinetics';
import { outputPositions } from '../../../src/core/trace/segment';
import { createFakeEngine, fakeReasoning } from '../../../src/engine/fake';
import type { TokenBatch } from '../../../src/engine/protocol';

describe('fake engine (UI test double)', () => {
  it('thinks step by step like the tiny-reasoner', () => {
    expect(fakeReasoning('(12+7)*3=?')).toBe('<think>\n12+7=19\n19*3=57\n</think>\n\n57<|im_end|>');
    expect(fakeReasoning('hello')).toMatch(/I can only do arithmetic/);
  });

  it('streams batches and returns a run whose scores the real scorers reproduce', async () => {
    const engine = createFakeEngine({ delayMs: 0 });
    await expect(engine.generate('r0', '1+1=?', {})).rejects.toThrow(/load one first/);
    const info = await engine.load({ kind: 'bundled' });
    expect(info.config.layers).toBe(4);
    const batches: TokenBatch[] = [];
    const r = await engine.generate('r1', '(12+7)*3=?', {}, (b) => batches.push(b));
    expect(r.text).toBe('<think>\n12+7=19\n19*3=57\n</think>\n\n57<|im_end|>');
    expect(batches.flatMap((b) => b.tokens)).toHaveLength(r.tokens.length);
    expect(r.stop).toBe('eos');
    // the streamed reduction equals scoring the full kept states with src/core
    const s = r.states!;
    const n = r.tokens.length;
    const hidden = Float32Array.from(s.residual);
    hidden.set(s.finalNorm, s.layers * s.tokens * s.dim);
    const [r0, r1] = r.segments.reasoning;
    const [a0, a1] = r.segments.answer;
    expect(r1 - r0).toBeGreaterThan(10);
    const dims = { layers: s.layers, tokens: s.tokens, dim: s.dim };
    const energy = cotkV1({ ...dims, data: s.residual }, [r0, r1]).traceEnergy;
    const chain = coe({ ...dims, data: hidden }, outputPositions([r0, r1], [a0, a1]));
    expect(r.scores.cotkEnergy).toBeCloseTo(energy, 12);
    expect(r.scores.coeR).toBeCloseTo(chain.coeR, 9);
    expect(n).toBe(r.ids.length - r.promptLength);
  });

  it('cancels midway and keeps the partial run', async () => {
    const engine = createFakeEngine({ delayMs: 2, batch: 2 });
    await engine.load({ kind: 'bundled' });
    const p = engine.generate('r2', '(((6+40)*4)*6)*10=?', {}, () => undefined);
    await new Promise((r) => setTimeout(r, 6));
    expect(await engine.cancel('r2')).toBe(true);
    const r = await p;
    expect(r.stop).toBe('cancelled');
    expect(r.tokens.length).toBeGreaterThan(0);
    expect(r.tokens.length).toBeLessThan(fakeReasoning('(((6+40)*4)*6)*10=?').length);
    expect(await engine.cancel('r2')).toBe(false);
  });
});
