import { create } from 'zustand';
import type { BatchItem } from '../core/batchInput';
import type { BatchRow } from '../core/batchEval';
import type { ScoreKey } from '../core/scores/index';

/**
 * The batch view's state: one store of its own (in memory, not persisted), written only by
 * batchActions.ts. A scored row is what `cotk batch` writes for the trace, plus its prompt and output
 * so a click can open it in the inspector.
 */
export type AppView = 'inspect' | 'batch';

export type BatchStatus = 'empty' | 'ready' | 'running' | 'paused' | 'done' | 'cancelled';

export interface ScoredTrace {
  readonly row: BatchRow;
  readonly prompt: string;
  readonly output: string;
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
  /** Why the whole file cannot be used (empty, another schema), or null. */
  fileError: string | null;
  /** Malformed lines, skipped. */
  bad: readonly LineProblem[];
  /** Traces failing in the engine, skipped. */
  failed: readonly LineProblem[];
  items: readonly BatchItem[];
  /** How many items have been handled (scored or failed). */
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
}

export const initialBatch: BatchState = {
  view: 'inspect',
  fileName: null,
  fileError: null,
  bad: [],
  failed: [],
  items: [],
  cursor: 0,
  scored: [],
  status: 'empty',
  error: null,
  activeMs: 0,
  since: null,
  sortKey: 'line',
  sortDesc: false,
  labelFilter: 'all',
};

export const useBatchStore = create<BatchState>()(() => ({ ...initialBatch }));
