import { yieldToEventLoop } from './yield';
import { EngineInputError } from './errors';
import { checkContext, chunkSize, forwardChunks } from './prefill';
import { RunRecorder, type ReduceOptions, type RunContext, type RunResult, type StopReason, type TokenCallback } from './run';
import { checkSampling, createRng, sampleToken, type SamplingOptions } from './sample';
import { KvCache, runStep, type StepOutput } from './step';

/**
 * The decode loop: prefill the prompt, then one position per step with the KV cache. A sampled
 * token is run before it is reported, so every streamed token comes with its own states — the
 * final one too (that is the "one extra step" transformers.js's generate() never takes). Cancelling
 * is checked before every pass; the tokens reported until then form a usable partial result.
 */
export interface GenerateOptions extends SamplingOptions, ReduceOptions {
  /** Output tokens at most (default: 1024, or what is left of the context). */
  readonly maxTokens?: number;
}

export const DEFAULT_MAX_TOKENS = 1024;

export function resolveMaxTokens(opts: GenerateOptions, promptTokens: number, contextLength: number): number {
  if (opts.maxTokens === undefined) {
    const left = contextLength - promptTokens;
    if (left < 1) checkContext(promptTokens, 1, contextLength, 'one output token');
    return Math.min(DEFAULT_MAX_TOKENS, left);
  }
  const m = opts.maxTokens;
  if (!Number.isInteger(m) || m < 1) throw new EngineInputError(`max tokens must be a whole number ≥ 1, got ${m}.`);
  checkContext(promptTokens, m, contextLength, 'the maximum output');
  return m;
}

export async function generate(
  ctx: RunContext,
  promptIds: readonly number[],
  opts: GenerateOptions = {},
  onToken?: TokenCallback,
  signal?: AbortSignal,
): Promise<RunResult> {
  const P = promptIds.length;
  if (P < 1) throw new EngineInputError('the prompt is empty; give the model something to answer.');
  checkSampling(opts);
  const maxTokens = resolveMaxTokens(opts, P, ctx.config.contextLength);
  const eos = new Set(ctx.tokenizer.special.eos);
  const V = ctx.config.vocabSize;
  const rng = createRng(opts.seed ?? 0);
  const rec = new RunRecorder(ctx, promptIds, opts, onToken);
  const cache = new KvCache(ctx.ms);
  try {
    const t0 = performance.now();
    const pre = await forwardChunks(ctx, cache, rec, promptIds, chunkSize(opts, P), signal, () => {});
    rec.prefillMs = performance.now() - t0;
    if (pre.cancelled || !pre.last) return rec.finish('cancelled');
    let rows = pre.last.logits;
    let offset = (pre.last.n - 1) * V;
    let stop: StopReason = 'max-tokens';
    const t1 = performance.now();
    for (let i = 0; i < maxTokens; i++) {
      await yieldToEventLoop();
      if (signal?.aborted) {
        stop = 'cancelled';
        break;
      }
      const id = sampleToken(rows, offset, V, opts, rng);
      const step: StepOutput = await runStep(ctx.ms, cache, [id]);
      rec.steps++;
      rec.reducer.addStates(step.start, 1, step.states);
      rec.token(id, P + i, rows, offset, step, 0);
      rows = step.logits;
      offset = 0;
      if (eos.has(id)) {
        stop = 'eos';
        break;
      }
    }
    rec.decodeMs = performance.now() - t1;
    return rec.finish(stop);
  } finally {
    cache.dispose();
  }
}
