/**
 * The engine: load a decoder LLM, tap every layer's hidden state, generate or teacher-force, and
 * reduce the states as they arrive. Runtime-agnostic — it is handed an onnxruntime module and the
 * model's bytes, and touches no file system — so the browser worker (onnxruntime-web, WebGPU or
 * WASM) and Node (the CLI and tests, onnxruntime-node or onnxruntime-web) run the same code.
 *
 * ```ts
 * // 1. Files: any FolderReader (disk: src/cli/modelDir.ts; memory: memoryReader) → ModelFiles.
 * const files = await loadModelFiles(reader, { variant: 'fp32-cpu', onProgress });
 * // 2. Engine: tokenizer + chat template (transformers.js), tapped session, KV-cache decode loop.
 * const engine = await createEngine(ort, files, { executionProviders: ['wasm'], runtime: 'onnxruntime-web' });
 * // 3. Runs. Each streams TokenEvents (text delta, logit stats, CoT-Kinetics terms, per-layer
 * //    speeds and norms) and resolves to a RunResult (segments, the eight scores, kept states).
 * const run = await engine.generate('12+7=?', { maxTokens: 128, temperature: 0 }, (t) => show(t), signal);
 * const scored = await engine.score('12+7=?', '<think>\n12+7=19\n</think>\n\n19<|im_end|>');
 * await engine.release();
 * ```
 *
 * - `generate(prompt, {maxTokens, temperature, topP, seed, gamma, stateCapBytes, keepLogits,
 *   prefillChunk}, onToken, signal)`: greedy when temperature is 0; stops on EOS or maxTokens;
 *   refuses a prompt + maxTokens beyond the context before running (ContextOverflowError).
 * - `score(prompt, output, {gamma, stateCapBytes, keepLogits, prefillChunk}, onToken, signal)`:
 *   one chunked prefill over prompt + output giving the states generation would.
 * - Aborting `signal` stops before the next forward pass; the result (stop: 'cancelled') holds
 *   every token reported so far, with their states.
 * - Full states are kept up to `stateCapBytes` (default 256 MB; Infinity for capture); scores
 *   never need them. `toStatesCase` turns a run into the golden layout `cotk states` reads.
 * - Every failure is an {@link EngineError} subclass with a `code` and a sentence a user can act on.
 */
export { createEngine } from './engine';
export type { Engine, EngineInfo, EngineOptions, PromptInput } from './engine';
export type { GenerateOptions } from './generate';
export { DEFAULT_MAX_TOKENS } from './generate';
export type { ReduceOptions, RunResult, RunTiming, StopReason, TokenCallback, TokenEvent } from './run';
export { scoreNumbers } from './run';
export type { TokenReduction, ReducedScores } from './reduce';
export type { KeptStates } from './keep';
export { DEFAULT_STATE_CAP_BYTES } from './keep';
export type { TokenSegment } from './segmentStream';
export type { SamplingOptions } from './sample';
export type { OrtModule } from './ort';
export { toStatesCase, statesCaseJson } from './capture';
export { explainOrtError } from './ortErrors';
export * from './errors';
export { loadModelFiles, memoryReader } from './source/load';
export type { FolderReader, LoadFilesOptions } from './source/load';
export { planLayout, pickVariant, CPU_VARIANT_PREFERENCE, WEBGPU_VARIANT_PREFERENCE } from './source/layout';
export type { ModelConfig, ModelFiles, ModelLayout, LoadProgress, ProgressCallback } from './source/types';
