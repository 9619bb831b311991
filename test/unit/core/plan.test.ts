import { describe, expect, it } from 'vitest';
import { KNOWN_SHAPES, PLAN_OVERHEAD_BYTES, WASM32_HEAP_BYTES, kvBytesPerToken, planMemory, planParts, statesBytesPerPosition, type PlanBudget, type PlanRequest } from '../../../src/core/plan';

const GB = 1e9;
const MB = 1e6;
const qwen = KNOWN_SHAPES['Qwen3-0.6B'];
const r1 = KNOWN_SHAPES['DeepSeek-R1-Distill-Qwen-1.5B'];
const tiny = KNOWN_SHAPES['tiny-reasoner'];
const roomy: PlanBudget = { memory: 64 * GB, memorySource: 'test', wasmHeap: WASM32_HEAP_BYTES, storageFree: 100 * GB };

describe('memory arithmetic, against hand-computed numbers', () => {
  it('KV cache per token = layers × 2 × kvHeads × headDim × bytes', () => {
    expect(kvBytesPerToken(qwen, 2)).toBe(28 * 2 * 8 * 128 * 2); // 114 688 B: Qwen3-0.6B, fp16 cache
    expect(kvBytesPerToken(qwen, 2)).toBe(114_688);
    expect(kvBytesPerToken(qwen, 4)).toBe(229_376);
    expect(kvBytesPerToken(r1, 2)).toBe(28_672); // R1-Distill-1.5B has only 2 KV heads
    expect(kvBytesPerToken(r1, 4)).toBe(57_344);
    expect(kvBytesPerToken(tiny, 4)).toBe(2_048);
  });

  it('states per position = (L + 2) × hidden × 4 (the README\'s 6.4 kB and about 123 kB)', () => {
    expect(statesBytesPerPosition(tiny.layers, tiny.hidden)).toBe(6_400);
    expect(statesBytesPerPosition(qwen.layers, qwen.hidden)).toBe(122_880);
    expect(statesBytesPerPosition(r1.layers, r1.hidden)).toBe(184_320);
  });

  it('adds every part for the tiny-reasoner (fp32, 20 + 100 tokens, lens, all states)', () => {
    const r: PlanRequest = { shape: tiny, weightsBytes: 9_000_000, dtype: 'fp32-cpu', promptTokens: 20, maxTokens: 100, stateCapBytes: Infinity, historyStates: false, lens: true, runtime: 'node' };
    const p = planParts(r);
    expect(p.weights).toBe(18_000_000);
    expect(p.kvCache).toBe(2 * 120 * 2_048);
    expect(p.passOutputs).toBe(20 * (10 * 160 * 4 + 86 * 4));
    expect(p.reduction).toBe(120 * 10 * 32);
    expect(p.keptStates).toBe(120 * 6_400);
    expect(p.lens).toBe(86 * 160 * 4 + 9 * 86 * 8);
    expect(p.history).toBe(0);
    expect(p.total).toBe(18_000_000 + 491_520 + 134_880 + 38_400 + 768_000 + 61_232 + PLAN_OVERHEAD_BYTES);
    const plan = planMemory(r, roomy);
    expect(plan.verdict).toBe('go');
    expect(plan.sentence).toMatch(/^Memory: about 86\.6 MB .* of 64\.0 GB available; it fits\.$/);
  });

  it('Qwen3-0.6B q4 for 4 000 tokens: 459 MB of KV cache (fp32), 492 MB of states, a 97 MB lens head', () => {
    const r: PlanRequest = { shape: qwen, weightsBytes: 570 * MB, dtype: 'q4', promptTokens: 100, maxTokens: 3_900, stateCapBytes: Infinity, historyStates: true, lens: true, runtime: 'wasm' };
    const p = planParts(r);
    expect(p.kvCache).toBe(2 * 4_000 * 229_376);
    expect(p.keptStates).toBe(4_000 * 122_880);
    expect(p.history).toBe(p.keptStates);
    expect(p.lens).toBe(151_936 * 1024 * 0.625 + 29 * 151_936 * 8);
    expect(planMemory(r, roomy).verdict).toBe('go');
  });

  it('R1-Distill-1.5B fp16 KV and states for 2 000 tokens', () => {
    const r: PlanRequest = { shape: r1, weightsBytes: 1.3 * GB, dtype: 'q4f16', promptTokens: 50, maxTokens: 1_950, stateCapBytes: 256 * 1024 * 1024, historyStates: false, lens: false, runtime: 'webgpu' };
    const p = planParts(r);
    expect(p.kvCache).toBe(2 * 2_000 * 28_672);
    expect(p.keptStates).toBe(256 * 1024 * 1024); // 2 000 × 184 320 = 369 MB, capped
  });
});

describe('decisions', () => {
  const base: PlanRequest = { shape: qwen, weightsBytes: 570 * MB, dtype: 'q4', promptTokens: 100, maxTokens: 3_900, stateCapBytes: Infinity, historyStates: true, lens: true, runtime: 'wasm' };

  it('saves without states when storage is short, and says so', () => {
    const plan = planMemory(base, { ...roomy, storageFree: 100 * MB });
    expect(plan.verdict).toBe('degrade');
    expect(plan.historyStates).toBe(false);
    expect(plan.stateCapBytes).toBe(Infinity);
    expect(plan.maxTokens).toBe(3_900);
    expect(plan.sentence).toMatch(/saved in history without its states \(they need 492 MB, storage has 100 MB free\)/);
  });

  it('keeps fewer states, then none, before it shortens a run', () => {
    const noStates = planParts(base, { stateCapBytes: 0, historyStates: false });
    const memory = noStates.total + 1_000 * 122_880; // room for 1 000 positions of states
    const plan = planMemory(base, { ...roomy, memory, memorySource: 'a test budget' });
    expect(plan.verdict).toBe('degrade');
    expect(plan.historyStates).toBe(false);
    expect(plan.stateCapBytes).toBe(1_000 * 122_880);
    expect(plan.maxTokens).toBe(3_900);
    expect(plan.parts.total).toBeLessThanOrEqual(memory);
    expect(plan.sentence).toMatch(/keeping the states of its first 1000 positions only/);
    const tight = planMemory(base, { ...roomy, memory: noStates.total - 1_000 * 2 * 229_376, memorySource: 'a test budget' });
    expect(tight.stateCapBytes).toBe(0);
    expect(tight.maxTokens).toBeLessThan(3_900);
    expect(tight.parts.total).toBeLessThanOrEqual(noStates.total - 1_000 * 2 * 229_376);
    expect(tight.sentence).toMatch(/keeping no hidden states .*stopping after \d+ output tokens instead of 3900/);
  });

  it('a capture keeps its states and shortens instead', () => {
    const memory = planParts(base, { historyStates: false, maxTokens: 1_000 }).total;
    const plan = planMemory({ ...base, requireStates: true }, { ...roomy, memory, memorySource: '--max-memory' });
    expect(plan.stateCapBytes).toBe(Infinity);
    expect(plan.maxTokens).toBe(1_000);
  });

  it('refuses with a sentence that says what would fit', () => {
    const plan = planMemory(base, { ...roomy, memory: 1 * GB, memorySource: 'navigator.deviceMemory' });
    expect(plan.verdict).toBe('refuse');
    expect(plan.sentence).toMatch(/^Will not fit: even 101 tokens need about 1\.\d GB .*more than 1\.0 GB of memory \(navigator\.deviceMemory\).*A graph of at most \d+ MB .* would fit, or run it on WebGPU or in onnxruntime-node \(cotk\)\.$/);
  });

  it('the WebAssembly heap bounds a WASM run even with plenty of memory', () => {
    const big: PlanRequest = { ...base, shape: r1, weightsBytes: 4.2 * GB, dtype: 'fp16', historyStates: false, stateCapBytes: 0 };
    expect(planMemory(big, roomy).verdict).toBe('refuse');
    expect(planMemory({ ...big, runtime: 'webgpu' }, roomy).verdict).toBe('go');
  });
});
