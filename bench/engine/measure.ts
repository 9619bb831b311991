/**
 * One benchmark cell (a runtime × a graph), runtime-agnostic so Node and the bench page share it.
 * Every repetition runs every variant once, in an order rotated from one repetition to the next,
 * so the variants see the same machine load; warm-up repetitions are run first and dropped.
 */
import { createEngine, type Engine, type EngineOptions, type ModelFiles, type OrtModule } from '../../src/engine/index';
import { RunRecorder, type RunContext } from '../../src/engine/run';
import { openSession, type ModelSession, type TapFn } from '../../src/engine/session';
import { KvCache, runStep, type StepOutput } from '../../src/engine/step';
import { tapModel } from '../../src/engine/tap/index';
import type { TjsRunner } from './tjs';

export interface CellSpec {
  /** Row label, e.g. "Node · onnxruntime-node CPU". */
  readonly runtime: string;
  readonly variant: string;
  readonly reps: number;
  readonly warmup: number;
  /** Output tokens per generate() call. */
  readonly decodeTokens: number;
  /** Positions per forward pass in prefill and scoring (Infinity: one pass). */
  readonly prefillChunk: number;
  /** The user message (chat-templated by the engine) and the assistant text that score() gets. */
  readonly prompt: string;
  readonly output: string;
  /** Score only the first this many output tokens (default all): WebGPU on SwiftShader is slow. */
  readonly scoreOutputTokens?: number;
  /** Leave out the attribution series (step.*, score.untap) to save time where a pass is slow. */
  readonly attribution?: boolean;
}

export interface CellDeps {
  readonly ort: OrtModule;
  readonly files: ModelFiles;
  /** Providers, runtime label, session options, kvOnDevice: the same for every session of the cell. */
  readonly engineOptions: EngineOptions;
  readonly openTjs: (() => Promise<TjsRunner>) | null;
  readonly log?: (msg: string) => void;
}

/**
 * Per repetition: ms per decoded token (decode.*, step.*, record.*), ms per call (e2e.*, score.*,
 * forward). step.* is the engine's runStep alone; record.* the engine's per-token bookkeeping on
 * its output (RunRecorder: streaming reduction, kept states, text stream, finish), timed apart.
 */
export const SERIES = [
  'decode.tap',
  'decode.untap',
  'decode.tjs',
  'e2e.tap',
  'e2e.untap',
  'e2e.tjs',
  'step.tap',
  'step.untap',
  'record.tap',
  'record.untap',
  'score.tap',
  'score.untap',
  'forward',
] as const;
export type SeriesName = (typeof SERIES)[number];

export interface CellResult {
  readonly runtime: string;
  readonly variant: string;
  /** Why the engine could not run this graph here (the engine's own message), or null. */
  readonly error: string | null;
  readonly tjsError: string | null;
  readonly promptTokens: number;
  readonly scoreTokens: number;
  readonly decodeTokens: number;
  readonly prefillChunk: number | 'one pass';
  readonly series: Partial<Record<SeriesName, number[]>>;
  readonly checks: { readonly tapUntapSameIds: boolean; readonly tjsSameIds: boolean | null; readonly tokensGenerated: number };
  readonly tap: string | null;
  /** Wall time of the whole cell (sessions, warm-up, repetitions), seconds. */
  readonly seconds: number;
}

const message = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).replace(/\s+/g, ' ').trim();

function failed(spec: CellSpec, error: string, tjsError: string | null): CellResult {
  return {
    runtime: spec.runtime,
    variant: spec.variant,
    error,
    tjsError,
    promptTokens: 0,
    scoreTokens: 0,
    decodeTokens: spec.decodeTokens,
    prefillChunk: spec.prefillChunk === Infinity ? 'one pass' : spec.prefillChunk,
    series: {},
    checks: { tapUntapSameIds: false, tjsSameIds: null, tokensGenerated: 0 },
    tap: null,
    seconds: 0,
  };
}

async function forward(ms: ModelSession, ids: readonly number[], chunk: number, each?: (s: StepOutput) => void): Promise<{ ms: number; cache: KvCache; last: StepOutput | null }> {
  const cache = new KvCache(ms);
  const t0 = performance.now();
  let last: StepOutput | null = null;
  for (let s = 0; s < ids.length; s += chunk) {
    last = await runStep(ms, cache, ids.slice(s, Math.min(ids.length, s + chunk)));
    each?.(last);
  }
  return { ms: performance.now() - t0, cache, last };
}

/**
 * The decode loop of generate() taken apart over a known sequence: the engine's step (graph run +
 * tensor I/O) and, timed separately, what the loop does with each step's output.
 */
async function stepLoop(ctx: RunContext, prompt: readonly number[], out: readonly number[], chunk: number): Promise<{ step: number; record: number }> {
  const rec = new RunRecorder(ctx, prompt, {});
  // The prompt's states are offered to the recorder as generate() does (it keeps them under the cap).
  const { cache, last } = await forward(ctx.ms, prompt, chunk, (s) => rec.reducer.addStates(s.start, s.n, s.states));
  let step = 0;
  let record = 0;
  try {
    if (!last) throw new Error('empty prompt');
    const V = ctx.config.vocabSize;
    // As generate(): token i is reduced with the logits row that predicted it (the previous pass's last row).
    let rows = last.logits;
    let offset = (last.n - 1) * V;
    for (let i = 0; i < out.length; i++) {
      const t0 = performance.now();
      const s = await runStep(ctx.ms, cache, [out[i]]);
      const t1 = performance.now();
      rec.reducer.addStates(s.start, 1, s.states);
      rec.token(out[i], prompt.length + i, rows, offset, s, 0);
      rows = s.logits;
      offset = 0;
      step += t1 - t0;
      record += performance.now() - t1;
    }
    const t2 = performance.now();
    rec.finish('max-tokens');
    record += performance.now() - t2;
    return { step: step / out.length, record: record / out.length };
  } finally {
    cache.dispose();
  }
}

export async function measureCell(spec: CellSpec, deps: CellDeps): Promise<CellResult> {
  const cellStart = performance.now();
  const log = deps.log ?? (() => undefined);
  const opts = deps.engineOptions;
  const chunk = spec.prefillChunk;
  let tapped: Engine;
  try {
    tapped = await createEngine(deps.ort, deps.files, opts);
  } catch (e) {
    // What transformers.js says about the same graph: some kernels fail only when first run.
    let tjsError: string | null = null;
    let runner: TjsRunner | null = null;
    try {
      runner = (await deps.openTjs?.()) ?? null;
      await runner?.generate([deps.files.config.bosTokenId ?? 0], 1, 1);
    } catch (t) {
      tjsError = message(t);
    } finally {
      await runner?.release().catch(() => undefined);
    }
    return { ...failed(spec, message(e), tjsError), seconds: (performance.now() - cellStart) / 1000 };
  }
  const untapped = await createEngine(deps.ort, deps.files, { ...opts, tap: null });
  const rawTap = await openSession(deps.ort, deps.files, { ...opts, tap: tapModel as TapFn });
  const rawUntap = await openSession(deps.ort, deps.files, { ...opts, tap: null });
  let tjs: TjsRunner | null = null;
  let tjsError: string | null = null;
  try {
    tjs = (await deps.openTjs?.()) ?? null;
  } catch (e) {
    tjsError = message(e);
  }

  const promptIds = untapped.promptIds(spec.prompt);
  const outputIds = untapped.tokenizer.encode(spec.output).slice(0, spec.scoreOutputTokens ?? Infinity);
  const N = spec.decodeTokens;
  const gen = { maxTokens: N, temperature: 0, prefillChunk: chunk };
  const ref = await untapped.generate({ ids: promptIds }, gen);
  const refIds = ref.ids.slice(promptIds.length);
  let tapSame = true;
  let tjsSame: boolean | null = tjs ? true : null;
  const series: Partial<Record<SeriesName, number[]>> = {};
  const put = (name: SeriesName, x: number, keep: boolean) => {
    if (keep) (series[name] ??= []).push(x);
  };
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

  const tasks: ((keep: boolean) => Promise<void>)[] = [
    async (keep) => {
      const t0 = performance.now();
      const r = await tapped.generate({ ids: promptIds }, gen);
      put('e2e.tap', performance.now() - t0, keep);
      put('decode.tap', r.timing.decodeMs / r.tokens.length, keep);
      tapSame &&= same(r.ids.slice(promptIds.length), refIds);
    },
    async (keep) => {
      const t0 = performance.now();
      const r = await untapped.generate({ ids: promptIds }, gen);
      put('e2e.untap', performance.now() - t0, keep);
      put('decode.untap', r.timing.decodeMs / r.tokens.length, keep);
    },
    async (keep) => {
      const t0 = performance.now();
      await tapped.score({ ids: promptIds }, outputIds, { prefillChunk: chunk });
      put('score.tap', performance.now() - t0, keep);
    },
    async (keep) => {
      const { ms, cache } = await forward(rawUntap, [...promptIds, ...outputIds], chunk);
      cache.dispose();
      put('forward', ms, keep);
    },
  ];
  if (spec.attribution !== false) {
    tasks.push(
      async (keep) => {
        const r = await stepLoop({ ms: rawTap, tokenizer: tapped.tokenizer, config: deps.files.config }, promptIds, refIds, chunk);
        put('step.tap', r.step, keep);
        put('record.tap', r.record, keep);
      },
      async (keep) => {
        const r = await stepLoop({ ms: rawUntap, tokenizer: untapped.tokenizer, config: deps.files.config }, promptIds, refIds, chunk);
        put('step.untap', r.step, keep);
        put('record.untap', r.record, keep);
      },
      async (keep) => {
        const t0 = performance.now();
        await untapped.score({ ids: promptIds }, outputIds, { prefillChunk: chunk });
        put('score.untap', performance.now() - t0, keep);
      },
    );
  }
  if (tjs) {
    const runner = tjs;
    tasks.push(async (keep) => {
      // The tokens the engine's greedy run made: N, or fewer where the graph emits EOS early (then
      // EOS is let through at the same step, so both loops decode the same sequence).
      const eos = untapped.info().special.eos.includes(refIds[refIds.length - 1]);
      const r = await runner.generate(promptIds, refIds.length, eos ? refIds.length - 1 : refIds.length);
      put('e2e.tjs', r.wallMs, keep);
      put('decode.tjs', r.decodeMsPerToken, keep);
      tjsSame &&= same(r.ids, refIds);
    });
  }

  try {
    for (let rep = -spec.warmup; rep < spec.reps; rep++) {
      const keep = rep >= 0;
      const start = ((rep % tasks.length) + tasks.length) % tasks.length;
      for (let k = 0; k < tasks.length; k++) await tasks[(start + k) % tasks.length](keep);
      log(`${spec.runtime} ${spec.variant}: ${keep ? `rep ${rep + 1}/${spec.reps}` : 'warm-up'}`);
    }
  } finally {
    await tjs?.release();
    await rawTap.session.release();
    await rawUntap.session.release();
    await tapped.release();
    await untapped.release();
  }
  const info = tapped.info().tap;
  return {
    runtime: spec.runtime,
    variant: spec.variant,
    error: null,
    tjsError,
    promptTokens: promptIds.length,
    scoreTokens: promptIds.length + outputIds.length,
    decodeTokens: N,
    prefillChunk: chunk === Infinity ? 'one pass' : chunk,
    series,
    checks: { tapUntapSameIds: tapSame, tjsSameIds: tjsSame, tokensGenerated: refIds.length },
    tap: info ? `${info.style}, ${info.layers} layers` : null,
    seconds: (performance.now() - cellStart) / 1000,
  };
}
