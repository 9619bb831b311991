import { yieldToEventLoop } from './yield';
import { ContextOverflowError, EngineInputError } from './errors';
import { RunRecorder, type ReduceOptions, type RunContext, type RunResult, type TokenCallback } from './run';
import { KvCache, runStep, type StepOutput } from './step';

/**
 * Teacher forcing: the prompt and a given output go through the model in chunks of
 * `prefillChunk` positions (default: one pass), and every output token is reduced exactly as the
 * decode loop reduces it — its states from the pass that ran it, its logits row from position − 1 —
 * so a scored trace and a generated one give the same numbers.
 */

/** Refuses a run that would not fit the context, before anything runs. */
export function checkContext(promptTokens: number, outputTokens: number, contextLength: number, outputWhat: string): void {
  if (promptTokens + outputTokens > contextLength) throw new ContextOverflowError(promptTokens, outputTokens, contextLength, outputWhat);
}

export function chunkSize(opts: ReduceOptions, total: number): number {
  const c = opts.prefillChunk ?? total;
  if (!(Number.isInteger(c) || c === Infinity) || c < 1) throw new EngineInputError(`prefill chunk must be a whole number ≥ 1, got ${c}.`);
  return Math.min(Math.max(1, total), c);
}

/**
 * Runs `ids` (whose first element sits at cache.length) in chunks, offering each pass's states to
 * the recorder and handing it to `each`; returns the last pass, or null if cancelled first.
 */
export async function forwardChunks(
  ctx: RunContext,
  cache: KvCache,
  rec: RunRecorder,
  ids: readonly number[],
  chunk: number,
  signal: AbortSignal | undefined,
  each: (step: StepOutput, prev: StepOutput | null) => void,
): Promise<{ last: StepOutput | null; cancelled: boolean }> {
  let prev: StepOutput | null = null;
  for (let s = 0; s < ids.length; s += chunk) {
    await yieldToEventLoop();
    if (signal?.aborted) return { last: prev, cancelled: true };
    const step = await runStep(ctx.ms, cache, ids.slice(s, s + chunk));
    rec.steps++;
    rec.reducer.addStates(step.start, step.n, step.states);
    each(step, prev);
    prev = step;
  }
  return { last: prev, cancelled: false };
}

export async function teacherForce(
  ctx: RunContext,
  promptIds: readonly number[],
  outputIds: readonly number[],
  opts: ReduceOptions = {},
  onToken?: TokenCallback,
  signal?: AbortSignal,
): Promise<RunResult> {
  const P = promptIds.length;
  if (P < 1) throw new EngineInputError('the prompt is empty: the first output token needs a position before it to be predicted from.');
  checkContext(P, outputIds.length, ctx.config.contextLength, 'the output');
  const all = [...promptIds, ...outputIds];
  const V = ctx.config.vocabSize;
  const rec = new RunRecorder(ctx, promptIds, opts, onToken);
  const cache = new KvCache(ctx.ms);
  const t0 = performance.now();
  try {
    const { cancelled } = await forwardChunks(ctx, cache, rec, all, chunkSize(opts, all.length), signal, (step, prev) => {
      for (let j = 0; j < step.n; j++) {
        const p = step.start + j;
        if (p < P) continue;
        // The row that predicted position p was computed at p − 1: in this pass, or the last row of the previous one.
        if (j > 0) rec.token(all[p], p, step.logits, (j - 1) * V, step, j);
        else if (prev) rec.token(all[p], p, prev.logits, (prev.n - 1) * V, step, j);
      }
    });
    rec.prefillMs = performance.now() - t0;
    return rec.finish(cancelled ? 'cancelled' : 'complete');
  } finally {
    cache.dispose();
  }
}
