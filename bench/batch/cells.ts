/** What the batch benchmark measures: its cells, and the results each collects. */
import type { Host } from '../shared/host';

export type CellId = 'cli-node-fp32' | 'cli-node-int4' | 'cli-wasm-fp32' | 'cli-wasm-int4' | 'app-wasm-fp32' | 'gen-node-fp32' | 'gen-node-int4' | 'gen-wasm-fp32' | 'app-gen-wasm-fp32';

export interface CellDef {
  readonly id: CellId;
  /** Scoring finished traces, or generate mode (answer, grade, score). */
  readonly task: 'score' | 'generate';
  readonly where: 'cotk batch' | 'app batch view';
  readonly runtime: string;
  readonly variant: string;
}

export const CELLS: readonly CellDef[] = [
  { id: 'cli-node-fp32', task: 'score', where: 'cotk batch', runtime: 'onnxruntime-node (CPU)', variant: 'fp32-cpu' },
  { id: 'cli-node-int4', task: 'score', where: 'cotk batch', runtime: 'onnxruntime-node (CPU)', variant: 'int4-cpu' },
  { id: 'cli-wasm-fp32', task: 'score', where: 'cotk batch', runtime: 'onnxruntime-web WASM in Node', variant: 'fp32-cpu' },
  { id: 'cli-wasm-int4', task: 'score', where: 'cotk batch', runtime: 'onnxruntime-web WASM in Node', variant: 'int4-cpu' },
  { id: 'app-wasm-fp32', task: 'score', where: 'app batch view', runtime: 'Chromium, WASM (worker)', variant: 'fp32-cpu' },
  { id: 'gen-node-fp32', task: 'generate', where: 'cotk batch', runtime: 'onnxruntime-node (CPU)', variant: 'fp32-cpu' },
  { id: 'gen-node-int4', task: 'generate', where: 'cotk batch', runtime: 'onnxruntime-node (CPU)', variant: 'int4-cpu' },
  { id: 'gen-wasm-fp32', task: 'generate', where: 'cotk batch', runtime: 'onnxruntime-web WASM in Node', variant: 'fp32-cpu' },
  { id: 'app-gen-wasm-fp32', task: 'generate', where: 'app batch view', runtime: 'Chromium, WASM (worker)', variant: 'fp32-cpu' },
];

/** A cell that was tried once and could not run here, with the reason the program gave. */
export interface CannotRun {
  readonly where: string;
  readonly runtime: string;
  readonly variant: string;
  readonly reason: string;
}

export interface CellResult {
  readonly def: CellDef;
  /** traces/s per repetition (NaN where a repetition failed), from the tool's own time for the traces. */
  readonly rate: number[];
  /** Whole command (CLI) per repetition, s: start-up and model load included. */
  readonly wallS: number[];
  /** The rate the app's view shows itself, per repetition. */
  readonly viewRate: number[];
  /** Checks from the last repetition: perplexity AUROC of the metrics, accuracy, traces written. */
  perplexityAuroc: number | null;
  accuracy: number | null;
  traces: number;
  /** Set when the cell failed; later repetitions skip it. */
  error: string | null;
}

export interface Machine extends Host {
  readonly chromium: string;
  readonly load: string;
  readonly durationS: number;
  readonly reps: number;
  readonly traces: number;
}
