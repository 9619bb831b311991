import { create } from 'zustand';
import type { BatchItem } from '../core/batchInput';
import type { BatchRow } from '../core/batchEval';
import type { PromptItem } from '../core/promptSet';
import type { ScoreKey } from '../core/scores/index';
import { NO_STATS, type CheckpointStats } from './batchCheckpoint';

/**
 * The batch view's state: one store of its own, written only by batchActions.ts (which also keeps
 * a checkpoint of a running batch in IndexedDB, src/state/batchCheckpoint.ts). A scored row is what
 * `cotk batch` writes for the trace, plus its prompt and output so a click can open it in the
 * inspector; in generate mode also the expected answer and the model's.
 */
export type AppView = 'inspect' | 'batch';

export type BatchStatus = 'empty' | 'ready' | 'running' | 'paused' | 'done' | 'cancelled';

/** `traces`: finished traces to score; `prompts`: a prompt set the model answers, graded by exact match. */
export type BatchMode = 'traces' | 'prompts';

export interface ScoredTrace {
  readonly row: BatchRow;
  readonly prompt: string;
  /** The trace's output; in generate mode the model's. */
  readonly output: string;
  /** Generate mode: the expected answer, and the answer read off the output (null: none given). */
  readonly expected?: string;
  readonly answer?: string | null;
}

/** A checkpoint found in IndexedDB after a reload, offered to resume (or show) and discard. */
export interface SavedBatch {
  readonly fileName: string;
  readonly mode: BatchMode;
  readonly total: number;
  readonly cursor: number;
  readonly status: BatchStatus;
  readonly savedAt: number;
  /** Its checkpoint's key (batchKey) and the model that scored its rows ('' when unknown). */
  readonly key?: string;
  readonly model?: string;
}

export interface LineProblem {
  readonly line: number;
  readonly message: string;
}

export type SortKey = ScoreKey | 'line';
export type LabelFilter = 'all' | '0' | '1';

export interface BatchState {
  view: AppView;
  fileName: string | null;
  /** The file's text, kept for the checkpoint (a resumed batch re-reads it with the same parser). */
  fileText: string | null;
  mode: BatchMode;
  /** Why the whole file cannot be used (empty, another schema), or null. */
  fileError: string | null;
  /** Malformed lines, skipped. */
  bad: readonly LineProblem[];
  /** Traces failing in the engine, skipped. */
  failed: readonly LineProblem[];
  /** Traces mode: the traces to score. */
  items: readonly BatchItem[];
  /** Generate mode: the prompts to answer. */
  prompts: readonly PromptItem[];
  /** Generate mode: at most this many new tokens per answer (null: the engine's default). */
  maxTokens: number | null;
  /** How many items (traces or prompts) have been handled (scored or failed). */
  cursor: number;
  scored: readonly ScoredTrace[];
  status: BatchStatus;
  /** Why the batch cannot run (no model), or null. */
  error: string | null;
  /** Milliseconds spent running before the current running stretch. */
  activeMs: number;
  /** performance.now() when the current running stretch began, or null when not running. */
  since: number | null;
  sortKey: SortKey;
  sortDesc: boolean;
  labelFilter: LabelFilter;
  /** An interrupted (or finished) batch found in IndexedDB, not yet resumed or discarded. */
  saved: SavedBatch | null;
  /** Why the last checkpoint could not be written (the batch goes on in memory), or null. */
  checkpointError: string | null;
  /** What the checkpoints of this batch have cost so far. */
  checkpointStats: CheckpointStats;
}

export const initialBatch: BatchState = {
  view: 'inspect',
  fileName: null,
  fileText: null,
  mode: 'traces',
  fileError: null,
  bad: [],
  failed: [],
  items: [],
  prompts: [],
  maxTokens: null,
  cursor: 0,
  scored: [],
  status: 'empty',
  error: null,
  activeMs: 0,
  since: null,
  sortKey: 'line',
  sortDesc: false,
  labelFilter: 'all',
  saved: null,
  checkpointError: null,
  checkpointStats: NO_STATS,
};

/** Traces or prompts in the loaded file. */
export function batchTotal(s: Pick<BatchState, 'mode' | 'items' | 'prompts'>): number {
  return s.mode === 'prompts' ? s.prompts.length : s.items.length;
}

export const useBatchStore = create<BatchState>()(() => ({ ...initialBatch }));
