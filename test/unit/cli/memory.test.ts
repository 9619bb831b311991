import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planParts } from '../../../src/core/plan';
import { cgroupMemory, parseBytes, planLoad, processBudget, shapeOf, weightsBytes } from '../../../src/cli/memory';
import { bundledFiles, BUNDLED } from '../engine/helpers';
import { cotkInProcess } from './cliHarness';

const MODEL = ['--model', BUNDLED];

describe('cotk and the memory planner', () => {
  it('reads sizes and cgroup limits', () => {
    expect(parseBytes('2G')).toBe(2 * 1024 ** 3);
    expect(parseBytes('512MiB')).toBe(512 * 1024 ** 2);
    expect(parseBytes('1.5g')).toBe(1.5 * 1024 ** 3);
    expect(parseBytes('3000000000')).toBe(3e9);
    expect(parseBytes('lots')).toBeNull();
    expect(parseBytes('0')).toBeNull();
    const root = mkdtempSync(join(tmpdir(), 'cotk-cgroup-'));
    expect(cgroupMemory(root)).toBeNull();
    writeFileSync(join(root, 'memory.max'), 'max\n');
    expect(cgroupMemory(root)).toBeNull();
    writeFileSync(join(root, 'memory.max'), '2147483648\n');
    writeFileSync(join(root, 'memory.current'), '1073741824\n');
    expect(cgroupMemory(root)).toEqual({ limit: 2 ** 31, usage: 2 ** 30 });
    const b = processBudget(undefined, 'wasm');
    expect(b.memory).toBeGreaterThan(0);
    expect(b.wasmHeap).toBe(4 * 1024 ** 3);
  });

  it('refuses with exit 2 and a sentence when the model cannot load, before the runtime is asked', async () => {
    const r = await cotkInProcess(['generate', ...MODEL, '--prompt', '12+7=?', '--max-memory', '20M']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^cotk generate: Will not fit: even 2 tokens need about [\d.]+ MB .*more than 21\.0 MB of memory \(--max-memory\)\. .*--max-memory SIZE/);
    const bad = await cotkInProcess(['generate', ...MODEL, '--prompt', 'x', '--max-memory', 'lots']);
    expect([bad.code, bad.stderr]).toEqual([2, 'cotk generate: --max-memory must be a size such as 2G, 512M or 3000000000, got "lots"\n']);
  });

  it('shortens a generate run to the budget and says so; a capture that would not fit is refused', async () => {
    const files = await bundledFiles('fp32-cpu');
    const load = planLoad(files, 'node', { memory: null, memorySource: '', wasmHeap: null, storageFree: null });
    expect(load.verdict).toBe('go');
    // Room for the load and 29 + 15 tokens without states: the run keeps none and stops after 15 (the prompt is 29 tokens).
    const req = { shape: shapeOf(files), weightsBytes: weightsBytes(files), dtype: files.variant, runtime: 'node' as const, lens: false, historyStates: false };
    const budget = planParts({ ...req, promptTokens: 29, maxTokens: 15, stateCapBytes: 0 }).total;
    const r = await cotkInProcess(['generate', ...MODEL, '--prompt', '(12+7)*3=?', '--json', '--max-tokens', '200', '--max-memory', String(budget)]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^cotk generate: memory: Not everything fits: .* it goes ahead keeping no hidden states \(the scores are still computed\), stopping after 15 output tokens instead of 200, using about [\d.]+ MB\.\n$/);
    const j = JSON.parse(r.stdout);
    expect(j.outputTokens).toBe(15);
    expect(j.stop).toBe('max-tokens');
    const cap = await cotkInProcess(['capture', ...MODEL, '--prompt', '(12+7)*3=?', '--output', '<think>\n12+7=19\n19*3=57\n</think>\n\n57<|im_end|>', '--max-memory', String(budget)]);
    expect(cap.code).toBe(2);
    // A capture keeps every state of a given output: no fewer states, no shorter run, so it is refused.
    expect(cap.stdout).toBe('');
    expect(cap.stderr).toMatch(/^cotk capture: (Will not fit: even 30 tokens need .*--max-memory SIZE if this one is wrong\.\)|Not everything fits: .* A capture keeps every state, so it would fit with at most \d+ output tokens; .*)\n$/);
  });
});
