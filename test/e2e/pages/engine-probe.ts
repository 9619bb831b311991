// A test page (served by Vite's dev server in the browser tests, never shipped): drives the real
// engine worker through the real client and hands plain data back to the test.
import { getEngine } from '../../../src/engine/client';
import type { LoadOptions, LoadProgress, ModelSourceSpec, WorkerInfo } from '../../../src/engine/protocol';

export interface EngineProbeResult {
  info: WorkerInfo;
  phases: string[];
  text: string;
  ids: number[];
  promptLength: number;
  scores: Record<string, number | null>;
  tokens: number;
  residual: number[];
  finalNorm: number[];
  batches: number;
  /** Share of output positions where the lens on R[L] picks the generated token. */
  lensTop1: number;
  loadMs: number;
  runMs: number;
}

async function run(backend: LoadOptions['backend'], prompt: string, maxTokens: number): Promise<EngineProbeResult> {
  const engine = getEngine();
  const phases: string[] = [];
  const t0 = performance.now();
  const info = await engine.load({ kind: 'bundled' }, (p) => phases.push(p.phase), { backend });
  const t1 = performance.now();
  let batches = 0;
  const r = await engine.generate('e2e', prompt, { maxTokens, temperature: 0 }, () => batches++);
  const runMs = performance.now() - t1;
  if (!r.states) throw new Error('the run kept no states');
  // The logit lens on R[L] is the model's own read-out: its top-1 must be each next greedy token.
  const { layers: L, tokens: T, dim: d } = r.states;
  const from = r.promptLength - 1;
  const n = r.ids.length - 1 - from;
  const rows = new Float32Array(n * d);
  for (let i = 0; i < n; i++) rows.set(r.states.residual.subarray((L * T + from + i) * d, (L * T + from + i + 1) * d), i * d);
  const lens = await engine.logitLens(rows, d, r.ids.slice(from + 1), 1);
  let lensTop1 = 0;
  for (let i = 0; i < n; i++) if (lens.topIds[i] === r.ids[from + 1 + i]) lensTop1++;
  return {
    info,
    phases: [...new Set(phases)],
    text: r.text,
    ids: [...r.ids],
    promptLength: r.promptLength,
    scores: r.scores,
    tokens: r.states.tokens,
    residual: Array.from(r.states.residual),
    finalNorm: Array.from(r.states.finalNorm),
    batches,
    lensTop1: lensTop1 / n,
    loadMs: t1 - t0,
    runMs,
  };
}

/** Loads a source and reports every progress event, or the error (name, message, code). */
async function load(source: ModelSourceSpec, backend: LoadOptions['backend']) {
  const events: LoadProgress[] = [];
  try {
    const info = await getEngine().load(source, (p) => events.push(p), { backend });
    return { info, events, error: null };
  } catch (e) {
    const err = e as Error & { code?: string };
    return { info: null, events, error: { name: err.name, message: err.message, code: err.code } };
  }
}

/** Generates, cancels as soon as the first batch of tokens arrives, and says when each thing happened. */
async function cancelEarly(backend: LoadOptions['backend']) {
  const engine = getEngine();
  await engine.load({ kind: 'bundled' }, undefined, { backend });
  const full = await engine.generate('full', '(((6+40)*4)*6)*10=?', { maxTokens: 100 });
  const t0 = performance.now();
  let firstBatchMs = -1;
  let tokensAtCancel = 0;
  const r = await engine.generate('early', '(((6+40)*4)*6)*10=?', { maxTokens: 100 }, (b) => {
    if (firstBatchMs >= 0) return;
    firstBatchMs = performance.now() - t0;
    tokensAtCancel = b.tokens.length;
    void engine.cancel('early');
  });
  return { fullTokens: full.tokens.length, fullMs: full.timing.prefillMs + full.timing.decodeMs, stop: r.stop, tokens: r.tokens.length, firstBatchMs, tokensAtCancel, totalMs: performance.now() - t0 };
}

async function cacheKeys(): Promise<string[]> {
  return (await (await caches.open('cotk-models')).keys()).map((r) => r.url);
}

declare global {
  interface Window {
    engineProbe: {
      run: typeof run;
      load: typeof load;
      cacheKeys: typeof cacheKeys;
      cancelEarly: typeof cancelEarly;
      error: (backend: LoadOptions['backend'], source: unknown) => Promise<{ name: string; message: string; code?: string }>;
    };
  }
}

window.engineProbe = {
  run,
  load,
  cacheKeys,
  cancelEarly,
  async error(backend, source) {
    try {
      await getEngine().load(source as never, undefined, { backend });
      return { name: 'none', message: 'loaded' };
    } catch (e) {
      const err = e as Error & { code?: string };
      return { name: err.name, message: err.message, code: err.code };
    }
  },
};
document.getElementById('status')!.textContent = 'ready';
