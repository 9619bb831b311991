/**
 * The logit lens on the model's own runtime: a second, tiny session (src/engine/tap/lensGraph.ts)
 * that runs the decoder's final norm and LM head on any residual states and returns each row's
 * top-k log-probabilities and its target's log-probability. The [N, vocab] distribution stays in
 * the runtime; one call for all L+1 layers of a token (or a whole trace's states) costs one small
 * run (bench/lens measures it against a decode step).
 */
import { EngineInputError, UnsupportedModelError } from './errors';
import { floatData, withRunLogLevel, type OrtModule, type OrtSession, type OrtSessionOptions, type OrtTensor } from './ort';
import { explainOrtError, type OrtErrorContext } from './ortErrors';
import type { ModelFiles } from './source/types';
import { TapError } from './tap/errors';
import {
  LENS_K,
  LENS_STATES,
  LENS_TARGETS,
  LENS_TARGET_LOGPROB,
  LENS_TOP_INDICES,
  LENS_TOP_VALUES,
  buildLensModel,
  type LensGraphInfo,
} from './tap/lensGraph';

export type { LensGraphInfo } from './tap/lensGraph';

/** Rows are the states in the order given; k entries per row, most likely first. */
export interface LensResult {
  /** [n][k] token ids. */
  readonly topIds: Int32Array;
  /** [n][k] natural-log probabilities. */
  readonly topLogProbs: Float32Array;
  /** [n] log p(target) of each row, or null when no targets were given. */
  readonly targetLogProb: Float32Array | null;
  /**
   * Every id in `topIds` and the targets, spelled by the model's tokenizer (special tokens kept), so
   * the page can show tokens it has no vocabulary for. Added by the engine (src/engine/engine.ts).
   */
  readonly spelled?: Readonly<Record<number, string>>;
}


export interface LensSession {
  readonly info: LensGraphInfo;
  readonly session: OrtSession;
  readonly ort: OrtModule;
  readonly vocab: number;
  readonly errorContext: OrtErrorContext;
}

export interface LensSessionOptions {
  readonly executionProviders?: readonly string[];
  readonly runtime?: string;
  /** Passed through to InferenceSession.create (threads, log level, …); output locations are not. */
  readonly sessionOptions?: OrtSessionOptions;
}

/** Cuts the lens graph out of `files.graph` and creates its session with the decoder's external data. */
export async function openLensSession(ort: OrtModule, files: ModelFiles, opts: LensSessionOptions = {}): Promise<LensSession> {
  const providers = opts.executionProviders ?? ['cpu'];
  const ctx: OrtErrorContext = {
    runtime: `${opts.runtime ?? 'onnxruntime'} (${providers.join(', ')})`,
    model: `${files.name}, ${files.variant} (logit lens)`,
    graphFile: `${files.name}: ${files.graphPath ?? 'model.onnx'}`,
    stage: 'load',
  };
  let built: ReturnType<typeof buildLensModel>;
  try {
    built = buildLensModel(files.graph);
  } catch (e) {
    if (e instanceof TapError) {
      throw new UnsupportedModelError(`${files.name}, ${files.variant}: the logit lens cannot isolate the model's read-out (final norm and LM head): ${e.message}`, null, { cause: e });
    }
    throw e;
  }
  const { info } = built;
  if (info.hiddenSize !== files.config.hiddenSize) {
    throw new UnsupportedModelError(`${files.name}, ${files.variant}: the logit lens found a final norm of width ${info.hiddenSize}, but the config's hidden size is ${files.config.hiddenSize}`);
  }
  if (info.vocabSize !== null && info.vocabSize !== files.config.vocabSize) {
    throw new UnsupportedModelError(`${files.name}, ${files.variant}: the logit lens found an LM head over ${info.vocabSize} tokens, but the config's vocabulary has ${files.config.vocabSize}`);
  }
  // Output locations name the decoder's tensors (the KV cache on WebGPU); the lens's outputs come back to the CPU.
  const rest: OrtSessionOptions = { ...opts.sessionOptions };
  delete rest.preferredOutputLocation;
  let session: OrtSession;
  try {
    const created = await ort.InferenceSession.create(built.model, {
      ...rest,
      executionProviders: providers,
      externalData: files.externalData.map((f) => ({ path: f.path, data: f.data })),
    });
    session = withRunLogLevel(created, rest.logSeverityLevel);
  } catch (e) {
    throw explainOrtError(e, ctx);
  }
  return { info, session, ort, vocab: files.config.vocabSize, errorContext: { ...ctx, stage: 'run' } };
}

/** Checks the arguments the way a caller from the page can act on. */
export function checkLensArgs(states: Float32Array, hidden: number, vocab: number, targets: readonly number[] | null, k: number): number {
  if (!(states instanceof Float32Array)) throw new EngineInputError('lens states must be a Float32Array of [n][hidden] values.');
  if (states.length % hidden !== 0) throw new EngineInputError(`lens states hold ${states.length} values, not a whole number of ${hidden}-wide states.`);
  const n = states.length / hidden;
  if (!Number.isInteger(k) || k < 1 || k > vocab) throw new EngineInputError(`lens k must be a whole number in [1, ${vocab}], got ${k}.`);
  if (targets !== null) {
    if (targets.length !== n) throw new EngineInputError(`lens targets: ${targets.length} given for ${n} states; give one per state, or none.`);
    for (const t of targets) if (!Number.isInteger(t) || t < 0 || t >= vocab) throw new EngineInputError(`lens targets must be token ids in [0, ${vocab}), got ${t}.`);
  }
  return n;
}

/** One lens run over `n` states. */
export async function runLens(ls: LensSession, states: Float32Array, targets: readonly number[] | null, k: number): Promise<LensResult> {
  const { ort, session, info } = ls;
  const n = checkLensArgs(states, info.hiddenSize, ls.vocab, targets, k);
  if (n === 0) return { topIds: new Int32Array(0), topLogProbs: new Float32Array(0), targetLogProb: targets ? new Float32Array(0) : null };
  const tg = new BigInt64Array(n);
  if (targets) for (let i = 0; i < n; i++) tg[i] = BigInt(targets[i]);
  const feeds: Record<string, OrtTensor> = {
    [LENS_STATES]: new ort.Tensor('float32', states, [n, info.hiddenSize]),
    [LENS_TARGETS]: new ort.Tensor('int64', tg, [n, 1]),
    [LENS_K]: new ort.Tensor('int64', BigInt64Array.of(BigInt(k)), [1]),
  };
  let out: Readonly<Record<string, OrtTensor>>;
  try {
    out = await session.run(feeds);
  } catch (e) {
    throw explainOrtError(e, ls.errorContext);
  }
  try {
    // Copies: the results cross the worker boundary as transferred buffers of their own.
    const topLogProbs = floatData(out[LENS_TOP_VALUES], LENS_TOP_VALUES).slice();
    const idx = out[LENS_TOP_INDICES].data as ArrayLike<bigint | number>;
    const topIds = new Int32Array(idx.length);
    for (let i = 0; i < idx.length; i++) topIds[i] = Number(idx[i]);
    const targetLogProb = targets ? floatData(out[LENS_TARGET_LOGPROB], LENS_TARGET_LOGPROB).slice() : null;
    return { topIds, topLogProbs, targetLogProb };
  } finally {
    for (const t of Object.values(out)) t.dispose();
  }
}
