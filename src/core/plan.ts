/**
 * The memory planner: what a model load and a run need, against what the device offers, and a
 * decision — go, degrade (save without states, a smaller state cap, fewer output tokens) or refuse —
 * in one plain sentence that says what would fit. Pure arithmetic: the app and `cotk` measure the
 * device (src/state/devicePlan.ts, src/cli/memory.ts) and show the sentence.
 *
 * What is counted (bytes; T = prompt + output tokens, L layers, d hidden, V vocabulary):
 * - weights: the graph's files, held twice — the file bytes (kept for the logit lens's session) and
 *   the runtime's own copy;
 * - KV cache: T · L · 2 · kvHeads · headDim · (2 for fp16 caches, 4 for fp32), twice during a step
 *   (the past it reads and the present it writes);
 * - one pass's outputs: the tap's (L+2)·d float32 states and V float32 logits per position, for
 *   the longest pass (the prompt's prefill, or its chunk);
 * - the streaming reduction: a few float64 numbers per layer and token, (L+2)·32 bytes per token;
 * - kept states: (L+2)·d·4 bytes per position up to the state cap;
 * - the logit lens: its copy of the LM head (V·d weights at the graph's width) and (L+1)·V·8 of
 *   working rows;
 * - history: saving a run with its states copies them once more (and needs that much storage);
 * - a fixed 64 MB for the runtime and the page.
 */

/** The sizes the planner needs, from the model's config. */
export interface PlanShape {
  readonly layers: number;
  readonly hidden: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly vocab: number;
}

/** Public config.json values of the models the issue rehearses, and the bundled tiny-reasoner. */
export const KNOWN_SHAPES: Readonly<Record<string, PlanShape>> = {
  'Qwen3-0.6B': { layers: 28, hidden: 1024, heads: 16, kvHeads: 8, headDim: 128, vocab: 151_936 },
  'DeepSeek-R1-Distill-Qwen-1.5B': { layers: 28, hidden: 1536, heads: 12, kvHeads: 2, headDim: 128, vocab: 151_936 },
  'tiny-reasoner': { layers: 8, hidden: 160, heads: 5, kvHeads: 1, headDim: 32, vocab: 86 },
};

/**
 * Bytes per matmul weight by dtype (graph variant names included): 4-bit block quantisation
 * stores a scale per 32 weights (fp32 scales for q4, fp16 for q4f16).
 */
export const WEIGHT_BYTES: Readonly<Record<string, number>> = {
  fp32: 4,
  'fp32-cpu': 4,
  fp16: 2,
  'fp16-webgpu': 2,
  q8: 1,
  int8: 1,
  uint8: 1,
  q4: 0.5 + 4 / 32,
  bnb4: 0.5 + 4 / 32,
  'int4-cpu': 0.5 + 4 / 32,
  q4f16: 0.5 + 2 / 32,
  'int4-webgpu': 0.5 + 2 / 32,
};

/** KV cache element width: fp16 graphs keep an fp16 cache. */
export function kvElementBytes(dtype: string): 2 | 4 {
  return /f16|fp16|webgpu/.test(dtype) ? 2 : 4;
}

/** Bytes of KV cache per token: layers × 2 (key and value) × kvHeads × headDim × element bytes. */
export function kvBytesPerToken(s: PlanShape, elementBytes: number): number {
  return s.layers * 2 * s.kvHeads * s.headDim * elementBytes;
}

/** Bytes of full states per position (prompt included): R[0..L] and the final-normed H[L], float32. */
export function statesBytesPerPosition(layers: number, hidden: number): number {
  return (layers + 2) * hidden * 4;
}

export const PLAN_OVERHEAD_BYTES = 64 * 1024 * 1024;
/** WebAssembly memory is 32-bit: onnxruntime-web's wasm32 builds (1.31: `maximum:65536` pages of 64 KiB in ort-wasm-simd-threaded.*.mjs) grow their heap to 4 GiB at most. */
export const WASM32_HEAP_BYTES = 4 * 1024 ** 3;

export interface PlanRequest {
  readonly shape: PlanShape;
  /** Bytes of the graph and its external data. */
  readonly weightsBytes: number;
  /** The graph's dtype or variant name ("q4", "fp32-cpu", …): the lens copy's and KV cache's width. */
  readonly dtype: string;
  readonly promptTokens: number;
  readonly maxTokens: number;
  /** The engine's cap on states kept in memory (Infinity keeps all; 0 none). */
  readonly stateCapBytes: number;
  /** Save the run's states in history. */
  readonly historyStates: boolean;
  /** The logit lens's session (its LM-head copy) will be opened. */
  readonly lens: boolean;
  /** Prefill chunk (default: the whole prompt in one pass). */
  readonly prefillChunk?: number;
  readonly runtime: 'wasm' | 'webgpu' | 'node';
  /** The states are the product (capture): never degrade them away, shorten instead. */
  readonly requireStates?: boolean;
}

export interface PlanBudget {
  /** Bytes of memory the page or process may use, or null when the device does not say. */
  readonly memory: number | null;
  /** Where `memory` comes from, in words ("navigator.deviceMemory 8 GB, half for this tab", "--max-memory"). */
  readonly memorySource: string;
  /** The WebAssembly heap's ceiling (WASM runtime only), or null. */
  readonly wasmHeap: number | null;
  /** Storage free for history, or null when unknown. */
  readonly storageFree: number | null;
}

export interface PlanParts {
  readonly weights: number;
  readonly kvCache: number;
  readonly passOutputs: number;
  readonly reduction: number;
  readonly keptStates: number;
  readonly lens: number;
  readonly history: number;
  readonly overhead: number;
}

export interface MemoryPlan {
  readonly verdict: 'go' | 'degrade' | 'refuse';
  /** What the request as asked needs. */
  readonly asked: PlanParts & { readonly total: number };
  /** What the decided run needs (equal to `asked` on go). */
  readonly parts: PlanParts & { readonly total: number };
  /** The decided settings. */
  readonly stateCapBytes: number;
  readonly historyStates: boolean;
  readonly maxTokens: number;
  readonly sentence: string;
}

function lmHeadBytes(s: PlanShape, dtype: string): number {
  return s.vocab * s.hidden * (WEIGHT_BYTES[dtype] ?? 4);
}

/** The parts of a request, with an explicit state cap, history choice and output length. */
export function planParts(r: PlanRequest, o: { stateCapBytes?: number; historyStates?: boolean; maxTokens?: number } = {}): PlanParts & { total: number } {
  const s = r.shape;
  const T = r.promptTokens + (o.maxTokens ?? r.maxTokens);
  const cap = o.stateCapBytes ?? r.stateCapBytes;
  const history = o.historyStates ?? r.historyStates;
  const chunk = Math.max(1, Math.min(r.prefillChunk ?? r.promptTokens, T));
  const keptStates = Math.min(cap, T * statesBytesPerPosition(s.layers, s.hidden));
  const parts: PlanParts = {
    weights: 2 * r.weightsBytes,
    kvCache: 2 * T * kvBytesPerToken(s, kvElementBytes(r.dtype)),
    passOutputs: chunk * ((s.layers + 2) * s.hidden * 4 + s.vocab * 4),
    reduction: T * (s.layers + 2) * 32,
    keptStates,
    lens: r.lens ? lmHeadBytes(s, r.dtype) + (s.layers + 1) * s.vocab * 8 : 0,
    history: history ? keptStates : 0,
    overhead: PLAN_OVERHEAD_BYTES,
  };
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  return { ...parts, total };
}

/** The part of a plan that lives in the WebAssembly heap: one copy of the weights, the cache, a pass, the lens. */
function heapBytes(p: PlanParts): number {
  return p.weights / 2 + p.kvCache + p.passOutputs + p.lens + p.overhead;
}

/** Binary search for the largest n in [lo, hi] with ok(n); lo − 1 when none. */
function largest(lo: number, hi: number, ok: (n: number) => boolean): number {
  if (hi < lo || !ok(lo)) return lo - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ok(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** B, kB, MB, GB (powers of 1000), as the app's progress bars write sizes. */
export function formatBytes(n: number | null | undefined): string | null {
  if (n === null || n === undefined || !Number.isFinite(n)) return null;
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(v >= 100 ? 0 : 1)} ${units[u]}`;
}

const fmt = (n: number) => formatBytes(n) as string;

/** Decides go / degrade / refuse for a request against a budget. */
export function planMemory(r: PlanRequest, b: PlanBudget): MemoryPlan {
  const asked = planParts(r);
  const fitsMemory = (p: PlanParts & { total: number }) => b.memory === null || p.total <= b.memory;
  const fitsHeap = (p: PlanParts) => r.runtime !== 'wasm' || b.wasmHeap === null || heapBytes(p) <= b.wasmHeap;
  const fitsStorage = (p: PlanParts) => !p.history || b.storageFree === null || p.history <= b.storageFree;
  const fits = (p: PlanParts & { total: number }) => fitsMemory(p) && fitsHeap(p) && fitsStorage(p);
  /** The limits `p` exceeds, in words. */
  const limit = (p: PlanParts & { total: number }) => {
    const lims: string[] = [];
    if (!fitsMemory(p)) lims.push(`${fmt(b.memory as number)} of memory (${b.memorySource})`);
    if (!fitsHeap(p)) lims.push(`a ${fmt(b.wasmHeap as number)} WebAssembly heap (needs ${fmt(heapBytes(p))})`);
    if (!fitsStorage(p)) lims.push(`the ${fmt(b.storageFree as number)} of storage left`);
    return lims.join(' and ');
  };
  const T = r.promptTokens + r.maxTokens;
  const summary = (p: PlanParts & { total: number }, tokens: number) =>
    `about ${fmt(p.total)} (weights ${fmt(p.weights)}, KV cache ${fmt(p.kvCache)} for ${tokens} tokens${p.keptStates ? `, states ${fmt(p.keptStates)}` : ''}${p.lens ? `, lens ${fmt(p.lens)}` : ''}${p.history ? `, history copy ${fmt(p.history)}` : ''})`;
  const result = (verdict: MemoryPlan['verdict'], o: { stateCapBytes: number; historyStates: boolean; maxTokens: number }, sentence: string): MemoryPlan => ({
    verdict,
    asked,
    parts: planParts(r, o),
    ...o,
    sentence,
  });

  if (fits(asked)) {
    const of = b.memory !== null ? ` of ${fmt(b.memory)} available` : '';
    return result('go', { stateCapBytes: r.stateCapBytes, historyStates: r.historyStates, maxTokens: r.maxTokens }, `Memory: ${summary(asked, T)}${of}; it fits.`);
  }

  const steps: string[] = [];
  let history = r.historyStates;
  let cap = r.stateCapBytes;
  let maxTokens = r.maxTokens;
  const now = () => planParts(r, { stateCapBytes: cap, historyStates: history, maxTokens });
  // 1. Save the run without its states (the run, its scores and text are still saved).
  if (history && !fits(now())) {
    history = false;
    const storageShort = !fitsStorage(asked) && fitsMemory(planParts(r, { historyStates: false })) && fitsHeap(asked);
    steps.push(storageShort ? `saved in history without its states (they need ${fmt(asked.keptStates)}, storage has ${fmt(b.storageFree ?? 0)} free)` : `saved in history without its states (saving them would need ${fmt(asked.history)} more)`);
  }
  // 2. Keep fewer states in memory (the scores are streamed and need none).
  if (!r.requireStates && cap > 0 && !fits(now())) {
    const per = statesBytesPerPosition(r.shape.layers, r.shape.hidden);
    const positions = largest(0, Math.min(T, Math.floor(Math.min(cap, T * per) / per)), (n) => fits(planParts(r, { stateCapBytes: n * per, historyStates: history, maxTokens })));
    cap = Math.max(0, positions) * per;
    steps.push(cap > 0 ? `keeping the states of its first ${positions} positions only (${fmt(cap)})` : 'keeping no hidden states (the scores are still computed)');
  }
  // 3. Fewer output tokens.
  if (!fits(now())) {
    const n = largest(1, r.maxTokens, (m) => fits(planParts(r, { stateCapBytes: cap, historyStates: history, maxTokens: m })));
    if (n < 1) {
      const base = planParts(r, { stateCapBytes: r.requireStates ? r.stateCapBytes : 0, historyStates: false, maxTokens: 1 });
      const over = Math.max(b.memory === null ? 0 : base.total - b.memory, r.runtime === 'wasm' && b.wasmHeap !== null ? heapBytes(base) - b.wasmHeap : 0);
      const smaller = Math.max(0, r.weightsBytes - over / (r.runtime === 'wasm' && !fitsHeap(base) ? 1 : 2));
      return result(
        'refuse',
        { stateCapBytes: 0, historyStates: false, maxTokens: 0 },
        `Will not fit: even ${r.promptTokens + 1} tokens need ${summary(base, r.promptTokens + 1)}, more than ${limit(base)}. ${smaller > 0 ? `A graph of at most ${fmt(smaller)} (a smaller dtype such as q4, or a smaller model) would fit` : 'Free memory or use a device with more'}${r.runtime === 'wasm' ? ', or run it on WebGPU or in onnxruntime-node (cotk)' : ''}.`,
      );
    }
    maxTokens = n;
    steps.push(`stopping after ${n} output tokens instead of ${r.maxTokens}`);
  }
  const decided = now();
  return result(
    'degrade',
    { stateCapBytes: cap, historyStates: history, maxTokens },
    `Not everything fits: the run as asked needs ${summary(asked, T)}, more than ${limit(asked)}; it goes ahead ${steps.join(', ')}, using about ${fmt(decided.total)}.`,
  );
}
