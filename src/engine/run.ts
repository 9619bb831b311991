import { scoreValues, type ScoreKey } from '../core/scores/index';
import type { TrajectoryResult } from './projection';
import type { Segments } from '../core/trace/segment';
import { DEFAULT_STATE_CAP_BYTES, type KeptStates } from './keep';
import { StreamReducer, type ReducedScores, type TokenReduction } from './reduce';
import type { ModelSession } from './session';
import type { ModelConfig } from './source/types';
import type { StepOutput } from './step';
import { TextStream, type ChatTokenizer } from './tokenizer';

/** What generation and teacher forcing share: the session, the tokenizer, the config. */
export interface RunContext {
  readonly ms: ModelSession;
  readonly tokenizer: ChatTokenizer;
  readonly config: ModelConfig;
}

export type StopReason = 'eos' | 'max-tokens' | 'cancelled' | 'complete';

export interface TokenEvent extends TokenReduction {
  /** The text this token adds (may be '' while a multi-byte character is incomplete). */
  readonly text: string;
}

export type TokenCallback = (t: TokenEvent) => void;

/** Options common to generate and score. */
export interface ReduceOptions {
  /** γ of CoT-Kinetics v1 (default 0.8). */
  readonly gamma?: number;
  /** Bytes of full states to keep (default 256 MB); Infinity keeps all, 0 none. */
  readonly stateCapBytes?: number;
  /** Keep the logits rows that predicted each scored token (true, for `cotk capture`), or every output token's too ('all', for parity checks). */
  readonly keepLogits?: boolean | 'all';
  /** Positions per forward pass when prefilling (default: all at once). */
  readonly prefillChunk?: number;
}

export interface RunTiming {
  readonly prefillMs: number;
  readonly decodeMs: number;
  /** Forward passes run. */
  readonly steps: number;
}

export interface RunResult {
  /** Prompt then output ids. */
  readonly ids: readonly number[];
  readonly promptLength: number;
  /** The output as text, special tokens kept. */
  readonly text: string;
  readonly stop: StopReason;
  readonly segments: Segments;
  readonly tokens: readonly TokenReduction[];
  /** One number per scorer, null where its segment is empty or the graph gave no states. */
  readonly scores: Record<ScoreKey, number | null>;
  readonly detail: ReducedScores;
  readonly states: KeptStates | null;
  /** Rows [reasoning + answer tokens][vocab] that predicted each scored token (keepLogits). */
  readonly logits: Float32Array | null;
  /** Rows [output tokens][vocab]: row i predicted position promptLength + i (keepLogits: 'all'; optional so older fakes still type-check). */
  readonly outputLogits?: Float32Array | null;
  readonly timing: RunTiming;
  /**
   * Characters of the run's text inputs (the prompt, a pasted output) that the tokenizer cannot
   * represent (src/core/trace/representable.ts), distinct; empty when it represents them all.
   * Absent in runs saved before it was recorded.
   */
  readonly unrepresentable?: readonly string[];
  /** The trajectories' 2-D projection, fitted by the worker at the end of the run (absent elsewhere). */
  readonly projection?: TrajectoryResult;
}

/** The batch/CLI numbers from the reduced scores: the registry's own definitions (SCORERS in src/core). */
export function scoreNumbers(s: ReducedScores): Record<ScoreKey, number | null> {
  return scoreValues(s);
}

/** Bookkeeping of one run: reducer, text stream, token list, timings. */
export class RunRecorder {
  readonly reducer: StreamReducer;
  readonly tokens: TokenReduction[] = [];
  private readonly text: TextStream;
  private out = '';
  prefillMs = 0;
  decodeMs = 0;
  steps = 0;

  constructor(
    private readonly ctx: RunContext,
    private readonly promptIds: readonly number[],
    opts: ReduceOptions,
    private readonly onToken?: TokenCallback,
  ) {
    this.reducer = new StreamReducer({
      layers: ctx.config.layers,
      hidden: ctx.config.hiddenSize,
      vocab: ctx.config.vocabSize,
      promptLength: promptIds.length,
      special: ctx.tokenizer.special,
      gamma: opts.gamma,
      stateCapBytes: ctx.ms.io.states ? (opts.stateCapBytes ?? DEFAULT_STATE_CAP_BYTES) : 0,
      keepLogits: opts.keepLogits,
    });
    this.text = new TextStream(ctx.tokenizer.decode);
  }

  /** Token `id` at `position`: logits row `rowOffset` of `rows`; its own states in `step` at index j. */
  token(id: number, position: number, rows: Float32Array, rowOffset: number, step: StepOutput, j: number): void {
    const at = step.states ? { data: step.states, n: step.n, j } : null;
    const red = this.reducer.addToken(id, position, rows, rowOffset, at);
    this.tokens.push(red);
    const text = this.text.push(id);
    this.out += text;
    this.onToken?.({ ...red, text });
  }

  finish(stop: StopReason): RunResult {
    this.out += this.text.flush();
    const r = this.reducer.finish(this.promptIds);
    return {
      ids: [...this.promptIds, ...this.tokens.map((t) => t.id)],
      promptLength: this.promptIds.length,
      text: this.out,
      stop,
      segments: r.segments,
      tokens: this.tokens,
      scores: scoreNumbers(r.scores),
      detail: r.scores,
      states: r.states,
      logits: r.logits,
      outputLogits: r.outputLogits,
      timing: { prefillMs: this.prefillMs, decodeMs: this.decodeMs, steps: this.steps },
    };
  }
}
