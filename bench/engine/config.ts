/** What the engine benchmark runs: shared by the runner, the Node cells and the bench page. */

/** Testbed trace 567: the longest greedy output of the testbed (52 prompt tokens, 89 output tokens). */
export const TRACE_ID = 567;
/** Output tokens per generate() call; trace 567 emits no EOS before token 89, so every run decodes exactly this many. */
export const DECODE_TOKENS = 64;
/** WebGPU on SwiftShader takes ~0.3 s per step (CPU-emulated dispatches), so fewer there; per-token time is flat. */
export const WEBGPU_DECODE_TOKENS = 8;
/** …and scoring there covers the prompt and the first 26 output tokens: 78 positions, 5 passes of 16. */
export const WEBGPU_SCORE_OUTPUT_TOKENS = 26;
/** SwiftShader WebGPU prefills more than 16 positions wrongly (docs/webgpu-gqa-repro): the app's parity check picks 16. */
export const WEBGPU_PREFILL_CHUNK = 16;

export const RUNTIME_LABELS = {
  node: 'Node · onnxruntime-node (CPU EP, 1 thread)',
  wasm: 'Node · onnxruntime-web (WASM EP, 1 thread)',
  'chromium-webgpu': 'Chromium · onnxruntime-web (WebGPU EP, SwiftShader)',
  'chromium-wasm': 'Chromium · onnxruntime-web (WASM EP, 1 thread)',
} as const;
export type RuntimeId = keyof typeof RUNTIME_LABELS;

/** Graphs per runtime: the CPU ones everywhere; on WebGPU also the int4 graph made for it (fp16 activations). */
export const VARIANTS: Readonly<Record<RuntimeId, readonly string[]>> = {
  node: ['fp32-cpu', 'int4-cpu'],
  wasm: ['fp32-cpu', 'int4-cpu'],
  'chromium-webgpu': ['fp32-cpu', 'int4-cpu', 'int4-webgpu'],
  'chromium-wasm': ['fp32-cpu', 'int4-cpu'],
};

/** transformers.js's view of the same graphs: throwaway onnx-community folders (hfFolder.ts). */
export interface HfModel {
  /** Folder name under the root: the model id transformers.js is given. */
  readonly id: string;
  readonly dtype: 'fp32' | 'q4' | 'q4f16';
  /** The graph's KV cache type. */
  readonly kv: 'float32' | 'float16';
}

/** Graph variants of the bundled model and their onnx-community file names. */
export const HF_MODELS: Readonly<Record<string, HfModel>> = {
  'fp32-cpu': { id: 'tiny-reasoner-fp32-cpu', dtype: 'fp32', kv: 'float32' },
  'int4-cpu': { id: 'tiny-reasoner-int4-cpu', dtype: 'q4', kv: 'float32' },
  'int4-webgpu': { id: 'tiny-reasoner-int4-webgpu', dtype: 'q4f16', kv: 'float16' },
};

/**
 * The builder's graphs reference their weights as `model.onnx.data`, not the `model.onnx_data`
 * transformers.js derives from the file name, so the session is told where they are; transformers.js
 * fetches the file relative to the model folder (in Node and in the page alike).
 */
export const TJS_EXTERNAL_DATA = [{ path: 'model.onnx.data', data: 'onnx/model.onnx.data' }];
