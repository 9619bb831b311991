import { DEFAULT_COTK } from '../core/scores/index';
import type { LoadProgress, RunResult, TokenEvent, WorkerInfo } from '../engine/protocol';
import type { CalibrationProfile } from './calibration';

/**
 * The store's slices, as types and initial values. One `create()` (store.ts) composes them; the
 * actions (actions.ts) are the only writers. Types only plus plain data, so tests can build states.
 */
export type InputMode = 'ask' | 'paste';
/** How a trace is pasted: one text box (plain text with <think>…</think>, or a JSON message) or three fields. */
export type PasteFormat = 'text' | 'fields';

/** What the user typed; persisted so that a reload or an error loses nothing they made. */
export interface DraftSlice {
  mode: InputMode;
  question: string;
  trace: string;
  pasteFormat: PasteFormat;
  fieldPrompt: string;
  fieldReasoning: string;
  fieldAnswer: string;
}

export type ModelStatus = 'idle' | 'loading' | 'ready' | 'error';

export interface ModelSlice {
  model: {
    status: ModelStatus;
    info: WorkerInfo | null;
    /** Latest progress per file (or per phase when no file is named), in arrival order. */
    progress: Record<string, LoadProgress>;
    /** The phase the load is in now ("download", "session", …). */
    phase: string | null;
    error: string | null;
  };
  /** False until an engine is injected (setEngine): the UI says so instead of offering dead buttons. */
  engineReady: boolean;
  /** A fault the engine recovered from (its worker died, its GPU was lost), as a sentence; cleared by the next run. */
  engineNotice: string | null;
}

export type RunStatus = 'running' | 'stopping' | 'done' | 'cancelled' | 'error';

export interface RunState {
  readonly id: string;
  readonly kind: 'generate' | 'score';
  /** The prompt as the user gave it (shown muted above the output). */
  readonly prompt: string;
  readonly status: RunStatus;
  /** Tokens as streamed, one TokenBatch appended at a time; they carry the text the result lacks. */
  readonly events: readonly TokenEvent[];
  readonly result: RunResult | null;
  readonly error: string | null;
  /** Wall-clock milliseconds from the click to the result, as the page saw them (absent on reopened runs). */
  readonly wallMs?: number;
}

export interface RunSlice {
  run: RunState | null;
  /** A problem with the input found before any engine call (shown next to the input). */
  inputError: string | null;
  /** A run asked for while the model loads: it starts by itself once the model is ready (Stop cancels the wait). */
  queued: 'generate' | 'score' | null;
}

/** Per-token quantities a view can tint or plot by. */
export const TINT_METRICS = ['v2energy', 'kappa', 'energy', 'kinetic', 'curvature', 'surprise', 'entropy'] as const;
export type TintMetric = (typeof TINT_METRICS)[number];
export type Theme = 'system' | 'light' | 'dark';

export interface SettingsSlice {
  /** γ of CoT-Kinetics v1: energies are recomputed on the page from K and P when it changes. */
  gamma: number;
  tint: TintMetric;
  theme: Theme;
  educator: boolean;
  /** The layer the trajectory plot shows up to (educator mode steps it); null = the last layer. */
  layer: number | null;
}

export interface SelectionSlice {
  /** Output-token index under the pointer or keyboard cursor in any view. */
  hover: number | null;
  /** Output-token index picked by a click or Enter in any view. */
  selected: number | null;
  /** An inclusive span of output-token indices brushed in the energy strip. */
  span: readonly [number, number] | null;
}

/** One logit-lens read-out: per layer l = 0 … L, the top-k tokens and p(actual next token). */
export interface LensLayerRow {
  readonly layer: number;
  readonly topIds: readonly number[];
  readonly topProbs: readonly number[];
  /** p(the token that actually follows), or null when none follows (the last token). */
  readonly targetProb: number | null;
}

export interface LensEntry {
  /** 'unavailable': the run has no states for this token (a note, not an error). */
  readonly status: 'loading' | 'done' | 'error' | 'unavailable';
  readonly rows: readonly LensLayerRow[] | null;
  /** The id of the token that follows, or null for the last output token. */
  readonly targetId: number | null;
  readonly error: string | null;
  /** The engine's spelling of the ids in `rows` (the model's tokenizer), when it gave one. */
  readonly spelled?: Readonly<Record<number, string>>;
}

export interface LensSlice {
  /** Logit-lens results cached per (run, output-token index); emptied when a new run starts. */
  lens: Readonly<Record<string, LensEntry>>;
}

export type PickerSource = 'bundled' | 'hub' | 'files';
export type PickerBackend = 'auto' | 'webgpu' | 'wasm';

/** The model picker's fields; persisted with the drafts so a failed load or a reload loses nothing typed. */
export interface PickerDraft {
  source: PickerSource;
  /** '' = the device's default graph. */
  variant: string;
  repo: string;
  dtype: string;
  revision: string;
  backend: PickerBackend;
}

export interface PickerSlice {
  picker: PickerDraft;
}

/** Where the loaded model's calibration profile came from. */
export type ProfileOrigin = 'bundled' | 'stored' | 'imported' | 'made';

export interface CalibrationSlice {
  /** The loaded model's calibration profile (src/state/profileActions.ts), for the verdict. */
  calibration: {
    /** The key id the lookup was for (keyId of the loaded model's ProfileKey), or null before any. */
    readonly keyId: string | null;
    readonly status: 'idle' | 'loading' | 'ready';
    readonly profile: CalibrationProfile | null;
    readonly origin: ProfileOrigin | null;
    /** The last import/make/store problem, one sentence; the profile in use stays. */
    readonly error: string | null;
    /** What the last import/make/export did, one sentence. */
    readonly notice: string | null;
  };
}

export type StoreState = DraftSlice & ModelSlice & RunSlice & SettingsSlice & SelectionSlice & LensSlice & PickerSlice & CalibrationSlice;

/** The drafts alone, out of a larger state (what persists, what a saved run and a share link restore). */
export function draftsOf(s: DraftSlice): DraftSlice {
  const { mode, question, trace, pasteFormat, fieldPrompt, fieldReasoning, fieldAnswer } = s;
  return { mode, question, trace, pasteFormat, fieldPrompt, fieldReasoning, fieldAnswer };
}

export const initialDraft: DraftSlice = {
  mode: 'ask',
  question: '',
  trace: '',
  pasteFormat: 'text',
  fieldPrompt: '',
  fieldReasoning: '',
  fieldAnswer: '',
};

export const initialModel: ModelSlice = {
  model: { status: 'idle', info: null, progress: {}, phase: null, error: null },
  engineReady: false,
  engineNotice: null,
};

export const initialRun: RunSlice = { run: null, inputError: null, queued: null };

export const DEFAULT_GAMMA = 0.8;

/** Tint by the per-token energy of the default CoT-Kinetics formulation. */
export const DEFAULT_TINT: TintMetric = DEFAULT_COTK === 'cotkV2' ? 'v2energy' : 'energy';

export const initialSettings: SettingsSlice = { gamma: DEFAULT_GAMMA, tint: DEFAULT_TINT, theme: 'system', educator: false, layer: null };

export const initialSelection: SelectionSlice = { hover: null, selected: null, span: null };

export const initialLens: LensSlice = { lens: {} };

export const initialPicker: PickerSlice = {
  picker: { source: 'bundled', variant: '', repo: 'onnx-community/Qwen3-0.6B-ONNX', dtype: 'q4f16', revision: '', backend: 'auto' },
};

export const initialCalibration: CalibrationSlice = { calibration: { keyId: null, status: 'idle', profile: null, origin: null, error: null, notice: null } };

/** The fresh state of every slice (the store starts from it; tests reset to it). Pure, so Node tests can build states without the store. */
export function initialState(): StoreState {
  return { ...initialDraft, ...initialModel, ...initialRun, ...initialSettings, ...initialSelection, ...initialLens, ...initialPicker, ...initialCalibration };
}
