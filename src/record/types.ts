import type { DraftSlice, RunState } from '../state/slices';
import type { SavedVerdict } from '../views/Verdict/verdict';

/**
 * A saved run: what history keeps in IndexedDB (structured clone, typed arrays as they are), what
 * the JSON export writes (src/record/serialize.ts, versioned) and what compare and the HTML report
 * read. `run` is the store's own RunState, so reopening a saved run is putting it back in the store.
 *
 * Full hidden states travel only when the user kept them (`meta.keptStates`); otherwise
 * `run.result.states` is null and the views that need states (trajectories, lens) say so. Logits
 * rows are never saved.
 */
export const RUN_FORMAT = 'cotk-run';
export const RUN_VERSION = 1;

/** The model a run came from, as the history list and the report name it. */
export interface ModelSummary {
  /** e.g. "tiny-reasoner" or "onnx-community/Qwen3-0.6B-ONNX". */
  readonly name: string;
  /** bundled, hub or files. */
  readonly source: string;
  /** The graph folder / dtype, e.g. "fp32-cpu". */
  readonly variant: string;
  readonly backend: string;
  readonly layers: number;
  readonly hidden: number;
  readonly vocab: number;
}

/** What the user typed to make the run (the input panel's drafts), so reopening restores them too. */
export type RunInput = Readonly<DraftSlice>;

export interface RunSettings {
  /** γ of CoT-Kinetics v1 at the time of the run. */
  readonly gamma: number;
  /** The default CoT-Kinetics formulation's scorer id (e.g. "cotkV2"). */
  readonly formulation: string;
}

export interface SavedRunMeta {
  /** Stable id (the run's own id). */
  readonly id: string;
  /** Shown in history; the user may rename it. */
  readonly name: string;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly model: ModelSummary;
  readonly input: RunInput;
  readonly settings: RunSettings;
  /** True when `run.result.states` holds the full states. */
  readonly keptStates: boolean;
  /** The app build that made it (package version). */
  readonly appVersion: string;
  /**
   * The verdict shown for the run when it was saved (src/views/Verdict/verdict.ts): its words, P,
   * the profile's summary and the flags. Null when there was none to give; absent in runs saved
   * before verdicts existed.
   */
  readonly verdict?: SavedVerdict | null;
}

export interface SavedRun {
  readonly meta: SavedRunMeta;
  /** Finished ('done' or 'cancelled') or failed midway ('error', with its streamed tokens). */
  readonly run: RunState;
}
