/**
 * The worker contract: what the page may ask of the engine worker (workers/engine.worker.ts, the
 * only `expose()`), through src/engine/client.ts (the only `wrap()`). Types only, so the page never
 * pulls engine code into its bundle. A deterministic fake (src/engine/fake.ts) implements the same
 * contract for UI tests that are not about the model.
 *
 * Callbacks cross the thread boundary as comlink proxies; results are structured-cloned with their
 * typed arrays transferred, never turned into JSON arrays of numbers.
 */
import type { EngineInfo, PromptInput } from './engine';
import type { GenerateOptions } from './generate';
import type { LensResult } from './lens';
import type { ReduceOptions, RunResult, TokenEvent } from './run';
import type { HubDtype } from './source/hub';
import type { LoadProgress } from './source/types';

export type { LensResult, LoadProgress, PromptInput, RunResult, TokenEvent };

/** Where a model comes from. */
export type ModelSourceSpec =
  /** The tiny-reasoner shipped in public/models (works offline). `variant` picks its graph folder. */
  | { readonly kind: 'bundled'; readonly variant?: string }
  /** A Hub repo in the onnx-community layout, fetched once and then served from Cache Storage. */
  | { readonly kind: 'hub'; readonly repo: string; readonly revision?: string; readonly dtype?: HubDtype; readonly host?: string }
  /** A folder the user picked or dropped: its files by path relative to the folder. */
  | { readonly kind: 'files'; readonly name: string; readonly files: ReadonlyArray<{ readonly path: string; readonly data: Uint8Array }> };

/**
 * The engine worker holds a Web Lock named `${LIFE_LOCK_PREFIX}…` for its whole life; the page
 * learns of its death when the same lock is granted to it (src/engine/client.ts).
 */
export const LIFE_LOCK_PREFIX = 'cotk-engine-life:';

export type Backend = 'webgpu' | 'wasm' | 'cpu';

/** How far the chosen backend's prefill agrees with a reference, at each chunk size tried. */
export interface ParityReport {
  /** What the logits were compared against: "PyTorch reference" or "one token at a time". */
  readonly reference: string;
  readonly tokens: number;
  readonly tolerance: number;
  readonly trials: ReadonlyArray<{ readonly chunk: number; readonly maxAbsDiff: number; readonly ok: boolean }>;
  /** The prefill chunk the engine uses from now on. */
  readonly chosenChunk: number;
  /** True when this verdict was read from an earlier visit's check (same adapter, model bytes and runtime). */
  readonly cached?: boolean;
}

export interface WorkerInfo extends EngineInfo {
  readonly backend: Backend;
  /** e.g. "google swiftshader", or null on WASM. */
  readonly adapter: string | null;
  readonly parity: ParityReport | null;
  /** Sentences the UI must show: WASM fallback, parity decisions, slow-device warnings. */
  readonly notices: readonly string[];
  readonly loadMs: number;
  /** Why this backend runs, in one sentence for the device line (e.g. a software WebGPU adapter lost to WASM). */
  readonly backendReason?: string;
  /** The other backend this device can run, offered as one click; null when there is none. */
  readonly switchTo?: 'webgpu' | 'wasm' | null;
}

/** Tokens streamed during a run, batched (≤ about 10 updates a second). */
export interface TokenBatch {
  readonly runId: string;
  readonly tokens: readonly TokenEvent[];
}

export type ProgressCallback = (p: LoadProgress) => void;
/** May return a promise (a comlink proxy's call does): the run's last batch is awaited before its result returns. */
export type TokensCallback = (b: TokenBatch) => unknown;

export interface LoadOptions {
  /** 'auto' (default): WebGPU when there is an adapter, else WASM. */
  readonly backend?: 'auto' | 'webgpu' | 'wasm';
}

export interface EngineWorkerApi {
  /** Loads (and replaces) the model; resolves once the parity check has picked a backend. */
  load(source: ModelSourceSpec, onProgress?: ProgressCallback, options?: LoadOptions): Promise<WorkerInfo>;
  generate(runId: string, prompt: PromptInput, options: GenerateOptions, onTokens?: TokensCallback): Promise<RunResult>;
  /** Teacher-forced scoring of a finished output. */
  score(runId: string, prompt: PromptInput, output: string, options: ReduceOptions, onTokens?: TokensCallback): Promise<RunResult>;
  /**
   * The logit lens on the loaded model: its own final norm and LM head applied to `states`
   * ([n][hidden] row-major, e.g. one token's R[0..L] from a run's kept states), giving each row's
   * `k` most likely tokens (ids and log-probabilities, most likely first) and, with `targets` (one
   * token id per row), each target's log-probability. Computed in the worker in one small run; the
   * [n, vocab] distribution never crosses to the page. Queued behind a running generate/score.
   * The client transfers `states` when it spans its whole buffer (the caller's array is then
   * detached) and copies it when it is a view into a larger buffer.
   */
  logitLens(states: Float32Array, hidden: number, targets: number[] | null, k: number): Promise<LensResult>;
  /** Stops a run at its next step; its promise still resolves, with stop = 'cancelled'. */
  cancel(runId: string): Promise<boolean>;
  info(): Promise<WorkerInfo | null>;
}
