/**
 * The contract between model sources (bundled folder, Hub repo, a folder the user picked, a folder
 * on disk for the CLI) and the engine. A source resolves to {@link ModelFiles}; the engine never
 * asks where the bytes came from.
 */

/** The two folder layouts we read. */
export type ModelLayout =
  /** onnx-community on the Hub: config.json, tokenizer.json, tokenizer_config.json, onnx/model_<dtype>.onnx (+ _data chunks). */
  | 'onnx-community'
  /** onnxruntime-genai builder output: genai_config.json, model.onnx, model.onnx.data, tokenizer files. */
  | 'genai';

/** What the engine needs to know about the architecture, normalised from either layout's config. */
export interface ModelConfig {
  readonly modelType: string;
  /** L, the number of decoder layers. */
  readonly layers: number;
  readonly hiddenSize: number;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  readonly vocabSize: number;
  /** Longest sequence (prompt + output) the model takes. */
  readonly contextLength: number;
  readonly eosTokenIds: readonly number[];
  readonly bosTokenId: number | null;
  readonly padTokenId: number | null;
}

export interface ExternalDataFile {
  /** The file name as the graph's initializers reference it (their `location`). */
  readonly path: string;
  readonly data: Uint8Array;
}

export interface ModelFiles {
  /** For display and errors: a repo id, a folder name, "tiny-reasoner (bundled)". */
  readonly name: string;
  readonly layout: ModelLayout;
  /** Which graph of the folder was picked (e.g. "fp32", "q4f16", "model.onnx"). */
  readonly variant: string;
  readonly config: ModelConfig;
  /** Where the graph was read from, relative to the source (e.g. "fp32-cpu/model.onnx"), for messages. */
  readonly graphPath?: string;
  /** The ONNX graph (ModelProto bytes), before the hidden-state tap. */
  readonly graph: Uint8Array;
  readonly externalData: readonly ExternalDataFile[];
  /** Parsed tokenizer.json and tokenizer_config.json, for transformers.js. */
  readonly tokenizerJson: object;
  readonly tokenizerConfig: object;
  /** The chat template (from tokenizer_config.json or chat_template.jinja), if any. */
  readonly chatTemplate: string | null;
}

/** Progress of a load, per file: bytes so far and the total when the server says it. */
export interface LoadProgress {
  readonly phase: 'download' | 'cache' | 'read' | 'tap' | 'session' | 'warmup' | 'parity';
  readonly file?: string;
  readonly loaded?: number;
  readonly total?: number | null;
  readonly message?: string;
}

export type ProgressCallback = (p: LoadProgress) => void;
