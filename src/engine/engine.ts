import { unrepresentableChars } from '../core/trace/representable';
import type { SpecialIds } from '../core/trace/segment';
import { graphHash } from '../core/calibration/key';
import { EngineClosedError, EngineInputError } from './errors';
import { generate as runGenerate, type GenerateOptions } from './generate';
import type { OrtModule } from './ort';
import { teacherForce } from './prefill';
import type { ReduceOptions, RunContext, RunResult, TokenCallback } from './run';
import { explainOrtError } from './ortErrors';
import { checkLensArgs, openLensSession, runLens, type LensResult, type LensSession } from './lens';
import { spellIds } from './spell';
import { openSession, type ModelSession, type SessionOptions, type TapFn, type TapResult } from './session';
import { KvCache, runStep } from './step';
import type { ModelConfig, ModelFiles, ModelLayout } from './source/types';
import { tapModel } from './tap/index';
import { createTokenizer, type ChatTokenizer } from './tokenizer';

/** A prompt is a user message (chat-templated with the generation prompt) or ids already templated. */
export type PromptInput = string | { readonly ids: readonly number[] };

export interface EngineOptions extends SessionOptions {
  /** The hidden-state tap; default the real one, null to run the graph untapped (no states, for benchmarks). */
  readonly tap?: TapFn | null;
  /**
   * Run one token at load (default true): some kernels fail only when first run (a GroupQueryAttention
   * the EP lacks, a missing fp16 feature), and a load that fails is clearer than a first run that does.
   */
  readonly warmup?: boolean;
}

export interface EngineInfo {
  readonly name: string;
  readonly layout: ModelLayout;
  readonly variant: string;
  readonly config: ModelConfig;
  readonly special: SpecialIds;
  readonly runtime: string;
  readonly providers: readonly string[];
  /** The tap's graph style and layer count, or null when running untapped. */
  readonly tap: { readonly style: string; readonly layers: number } | null;
  readonly notes: readonly string[];
  /** Bytes of the graph and its external data (the memory planner's weights). */
  readonly weightsBytes?: number;
  /** The graph's identity (src/core/calibration graphHash, over the graph before the tap): a calibration profile's revision. */
  readonly graphHash?: string;
}

export interface Engine {
  readonly tokenizer: ChatTokenizer;
  info(): EngineInfo;
  /** The chat-templated prompt ids for a user message. */
  promptIds(prompt: PromptInput): number[];
  generate(prompt: PromptInput, opts?: GenerateOptions, onToken?: TokenCallback, signal?: AbortSignal): Promise<RunResult>;
  /** Teacher-forced scoring of a finished output (text as the model wrote it, or ids). */
  score(prompt: PromptInput, output: string | readonly number[], opts?: ReduceOptions, onToken?: TokenCallback, signal?: AbortSignal): Promise<RunResult>;
  /**
   * The logit lens: the model's own final norm and LM head applied to `states` ([n][hidden], e.g. one
   * token's R[0..L]), giving each row's top-k tokens and, with `targets` (one id per row), the
   * target's log-probability. Runs in a second small session made on first use (src/engine/lens.ts),
   * queued with the engine's other runs; the [n, vocab] distribution never leaves the runtime.
   */
  lens(states: Float32Array, targets: readonly number[] | null, k: number): Promise<LensResult>;
  release(): Promise<void>;
}

async function warmup(ms: ModelSession, files: ModelFiles, opts: EngineOptions): Promise<void> {
  opts.onProgress?.({ phase: 'warmup', message: 'running one token' });
  const cache = new KvCache(ms);
  try {
    await runStep(ms, cache, [files.config.bosTokenId ?? files.config.eosTokenIds[0] ?? 0]);
  } catch (e) {
    await ms.session.release();
    throw explainOrtError(e, { ...ms.errorContext, stage: 'load' });
  } finally {
    cache.dispose();
  }
}

/** The run with the characters of its text inputs (prompt, pasted output) that the tokenizer cannot represent. */
function withUnrepresentable(r: RunResult, tok: ChatTokenizer, prompt: PromptInput, output: string | readonly number[] | null): RunResult {
  const text = (typeof prompt === 'string' ? prompt : '') + (typeof output === 'string' ? output : '');
  return { ...r, unrepresentable: unrepresentableChars(text, tok) };
}

export async function createEngine(ort: OrtModule, files: ModelFiles, opts: EngineOptions = {}): Promise<Engine> {
  const tokenizer = createTokenizer(files);
  let tapInfo: EngineInfo['tap'] = null;
  const baseTap = opts.tap === undefined ? (tapModel as TapFn) : opts.tap;
  const tap: TapFn | null = baseTap
    ? (model, o) => {
        const r: TapResult & { info: { style?: string } } = baseTap(model, o);
        tapInfo = { style: r.info.style ?? 'unknown', layers: r.info.layers };
        return r;
      }
    : null;
  const ms = await openSession(ort, files, { ...opts, tap });
  if (opts.warmup !== false) await warmup(ms, files, opts);
  const ctx: RunContext = { ms, tokenizer, config: files.config };
  let closed = false;
  // One run at a time: runs share the session, and ORT-web queues runs on one thread anyway.
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(job: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new EngineClosedError());
    const next = queue.then(job, job);
    queue = next.catch(() => undefined);
    return next;
  };
  const promptIds = (p: PromptInput): number[] => {
    if (typeof p === 'string') return tokenizer.encodeChat(p);
    if (!p.ids.every((x) => Number.isInteger(x) && x >= 0 && x < files.config.vocabSize)) {
      const bad = p.ids.find((x) => !(Number.isInteger(x) && x >= 0 && x < files.config.vocabSize));
      throw new EngineInputError(`prompt id ${bad} is outside the model's vocabulary: ids must be integers in [0, ${files.config.vocabSize}).`);
    }
    return [...p.ids];
  };
  // The lens session is made on first use and kept; a failed attempt is retried on the next call.
  let lensSession: LensSession | null = null;
  const lens = async (states: Float32Array, targets: readonly number[] | null, k: number): Promise<LensResult> => {
    checkLensArgs(states, files.config.hiddenSize, files.config.vocabSize, targets, k); // before building a session for nothing
    lensSession ??= await openLensSession(ort, files, { executionProviders: opts.executionProviders, runtime: opts.runtime, sessionOptions: opts.sessionOptions });
    const r = await runLens(lensSession, states, targets, k);
    // The page knows only the text of the tokens it was sent; the tokenizer spells the rest here.
    return { ...r, spelled: spellIds(r.topIds, targets, tokenizer.decode) };
  };
  const info: EngineInfo = {
    name: files.name,
    layout: files.layout,
    variant: files.variant,
    config: files.config,
    special: tokenizer.special,
    runtime: ms.errorContext.runtime,
    providers: ms.providers,
    tap: tapInfo,
    notes: tokenizer.notes,
    weightsBytes: files.graph.byteLength + files.externalData.reduce((n, f) => n + f.data.byteLength, 0),
    graphHash: graphHash(files.graph),
  };
  return {
    tokenizer,
    info: () => info,
    promptIds,
    generate: (prompt, o = {}, onToken, signal) =>
      exclusive(async () => withUnrepresentable(await runGenerate(ctx, promptIds(prompt), o, onToken, signal), tokenizer, prompt, null)),
    score: (prompt, output, o = {}, onToken, signal) =>
      exclusive(async () => {
        const out = typeof output === 'string' ? tokenizer.encode(output) : [...output];
        const bad = out.findIndex((x) => !Number.isInteger(x) || x < 0 || x >= files.config.vocabSize);
        if (bad >= 0) throw new EngineInputError(`output id ${out[bad]} (position ${bad + 1} of the output) is outside the model's vocabulary: ids must be integers in [0, ${files.config.vocabSize}).`);
        return withUnrepresentable(await teacherForce(ctx, promptIds(prompt), out, o, onToken, signal), tokenizer, prompt, output);
      }),
    lens: (states, targets, k) => exclusive(() => lens(states, targets, k)),
    release: async () => {
      if (closed) return;
      closed = true;
      await queue;
      await ms.session.release();
      await lensSession?.session.release();
      lensSession = null;
    },
  };
}
