import { readFileSync } from 'node:fs';
import { freemem, totalmem } from 'node:os';
import { KNOWN_SHAPES, WASM32_HEAP_BYTES, formatBytes, planMemory, type MemoryPlan, type PlanBudget, type PlanRequest, type PlanShape } from '../core/plan';
import type { ModelFiles } from '../engine/source/types';
import { CliError } from './io';

/**
 * The memory planner in `cotk`: the process's budget (free memory plus what this process already
 * holds, bounded by a cgroup limit when there is one, or `--max-memory`), the model's sizes from its
 * folder, and what to do with the plan's verdict: a stderr line, or exit 2 with the sentence.
 */
export { KNOWN_SHAPES };

/** "2G", "512M", "1.5GB", "3000000000": bytes (powers of 1024 for K/M/G/T, as memory is sold). */
export function parseBytes(v: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$/i.exec(v);
  if (!m) return null;
  const scale = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G' | 'T'];
  const n = Number(m[1]) * scale;
  return n > 0 ? Math.floor(n) : null;
}

function readNumber(path: string): number | null {
  try {
    const s = readFileSync(path, 'utf8').trim();
    const n = Number(s);
    return s !== 'max' && Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

/** The cgroup (v2, else v1) memory limit and usage, or null when unlimited or not in a cgroup. */
export function cgroupMemory(root = '/sys/fs/cgroup'): { limit: number; usage: number } | null {
  const v2 = readNumber(`${root}/memory.max`);
  if (v2 !== null) return { limit: v2, usage: readNumber(`${root}/memory.current`) ?? 0 };
  const v1 = readNumber(`${root}/memory/memory.limit_in_bytes`);
  // v1 writes "unlimited" as a number near 2^63.
  if (v1 !== null && v1 < 2 ** 60) return { limit: v1, usage: readNumber(`${root}/memory/memory.usage_in_bytes`) ?? 0 };
  return null;
}

/** What this process may use: free memory plus its own resident set, within its cgroup's limit. */
export function processBudget(maxMemory: number | undefined, runtime: string): PlanBudget {
  const wasmHeap = runtime === 'wasm' ? WASM32_HEAP_BYTES : null;
  if (maxMemory !== undefined) return { memory: maxMemory, memorySource: '--max-memory', wasmHeap, storageFree: null };
  const rss = process.memoryUsage.rss();
  let memory = freemem() + rss;
  let memorySource = `free memory of ${formatBytes(totalmem())}, plus what cotk holds`;
  const cg = cgroupMemory();
  if (cg && cg.limit - cg.usage + rss < memory) {
    memory = Math.max(0, cg.limit - cg.usage + rss);
    memorySource = `the cgroup limit of ${formatBytes(cg.limit)}`;
  }
  return { memory, memorySource, wasmHeap, storageFree: null };
}

export function shapeOf(files: ModelFiles): PlanShape {
  const c = files.config;
  return { layers: c.layers, hidden: c.hiddenSize, heads: c.numHeads, kvHeads: c.numKvHeads, headDim: c.headDim, vocab: c.vocabSize };
}

export function weightsBytes(files: ModelFiles): number {
  return files.graph.byteLength + files.externalData.reduce((n, f) => n + f.data.byteLength, 0);
}

/** Refuses (exit 2) with the plan's sentence when nothing fits. */
export function refuseIfNeeded(plan: MemoryPlan): void {
  if (plan.verdict === 'refuse') throw new CliError(`${plan.sentence} (Set the budget with --max-memory SIZE if this one is wrong.)`);
}

/** The load itself: the weights, one token, no states: refuse before the runtime is asked to load. */
export function planLoad(files: ModelFiles, runtime: 'wasm' | 'node', budget: PlanBudget): MemoryPlan {
  const r: PlanRequest = { shape: shapeOf(files), weightsBytes: weightsBytes(files), dtype: files.variant, promptTokens: 1, maxTokens: 1, stateCapBytes: 0, historyStates: false, lens: false, runtime };
  return planMemory(r, budget);
}

/**
 * Plans a run of an open engine (cotk generate, capture): prints the sentence on stderr when the run
 * must change (fewer kept states, fewer tokens) and returns
 * the settings to run with, or throws a CliError (exit 2) when even the shortest run cannot fit.
 */
export function planRun(
  mem: { readonly request: Pick<PlanRequest, 'shape' | 'weightsBytes' | 'dtype' | 'runtime'>; readonly budget: () => PlanBudget } | undefined,
  run: { promptTokens: number; maxTokens: number; stateCapBytes: number; requireStates?: boolean },
  stderr: { write(s: string): unknown },
  label: string,
): { maxTokens: number; stateCapBytes: number } {
  if (!mem) return run;
  const plan = planMemory({ ...mem.request, ...run, historyStates: false, lens: false }, mem.budget());
  if (plan.verdict === 'refuse') throw new CliError(`${plan.sentence} (Set the budget with --max-memory SIZE if this one is wrong.)`);
  if (run.requireStates && plan.maxTokens < run.maxTokens) {
    // A capture scores a given output: it cannot be shortened, and its states are what it is for.
    throw new CliError(`${plan.sentence.replace(/;? ?it goes ahead .*$/, '.')} A capture keeps every state, so it would fit with at most ${plan.maxTokens} output tokens; capture a shorter output, or set the budget with --max-memory SIZE.`);
  }
  // Quiet when everything fits (stderr stays empty on an ordinary run); a line whenever the run changes.
  if (plan.verdict === 'degrade') stderr.write(`${label}: memory: ${plan.sentence}\n`);
  return { maxTokens: plan.maxTokens, stateCapBytes: plan.stateCapBytes };
}
