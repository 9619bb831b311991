import { MissingFileError, UnknownLayoutError, UnknownVariantError } from '../errors';
import type { ModelLayout } from './types';

/**
 * Which files make up each graph of a model folder, decided from the file list alone (pure: the
 * Node CLI, a folder the user picked in the browser and the Hub loader all call it with their own
 * listing). Two layouts:
 * - onnxruntime-genai: `genai_config.json` beside `model.onnx` (+ `model.onnx.data`) and the
 *   tokenizer files, either at the root or in one sub-folder per variant (our bundled
 *   `tiny-reasoner/` holds fp32-cpu/, int4-cpu/, fp16-webgpu/, int4-webgpu/);
 * - onnx-community: `config.json` and tokenizer files at the root, `onnx/model{_dtype}.onnx` with
 *   `_data` chunks beside them.
 */
export interface VariantPlan {
  readonly layout: ModelLayout;
  /** The name a user picks it by: the sub-folder (genai) or the dtype (onnx-community). */
  readonly variant: string;
  readonly graph: string;
  /** genai_config.json or config.json. */
  readonly config: string;
  readonly generationConfig: string | null;
  readonly tokenizer: string | null;
  readonly tokenizerConfig: string | null;
  readonly chatTemplate: string | null;
}

/** transformers.js's file suffixes (ONNX-NOTES.md) and the dtype names users know them by. */
const SUFFIX_DTYPE: Readonly<Record<string, string>> = { '': 'fp32', _fp16: 'fp16', _q4: 'q4', _q4f16: 'q4f16', _quantized: 'q8', _int8: 'int8', _uint8: 'uint8', _bnb4: 'bnb4' };

/** Node/CPU order: full precision first (exact states), then what onnxruntime-node runs fastest. */
export const CPU_VARIANT_PREFERENCE: readonly string[] = ['fp32-cpu', 'fp32', 'int4-cpu', 'q4', 'q8', 'int8', 'uint8', 'fp16', 'q4f16'];
/** WebGPU order: the half-precision graphs the onnx-community recommends for browsers. */
export const WEBGPU_VARIANT_PREFERENCE: readonly string[] = ['q4f16', 'fp16', 'fp16-webgpu', 'int4-webgpu', 'fp32-cpu', 'fp32', 'q4'];

function dirOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i + 1);
}

function baseOf(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

function firstOf(files: ReadonlySet<string>, candidates: readonly string[]): string | null {
  return candidates.find((c) => files.has(c)) ?? null;
}

function genaiPlans(files: ReadonlySet<string>, paths: readonly string[]): VariantPlan[] {
  const dirs = paths.filter((p) => baseOf(p) === 'genai_config.json' && dirOf(p).split('/').length <= 2).map(dirOf);
  const plans: VariantPlan[] = [];
  for (const d of dirs.sort()) {
    const graph = files.has(`${d}model.onnx`) ? `${d}model.onnx` : paths.find((p) => dirOf(p) === d && p.endsWith('.onnx'));
    if (!graph) continue;
    plans.push({
      layout: 'genai',
      variant: d === '' ? baseOf(graph) : d.slice(0, -1),
      graph,
      config: `${d}genai_config.json`,
      generationConfig: null,
      // A tokenizer shared at the root serves every variant folder that lacks its own.
      tokenizer: firstOf(files, [`${d}tokenizer.json`, 'tokenizer.json']),
      tokenizerConfig: firstOf(files, [`${d}tokenizer_config.json`, 'tokenizer_config.json']),
      chatTemplate: firstOf(files, [`${d}chat_template.jinja`, 'chat_template.jinja']),
    });
  }
  return plans;
}

function communityPlans(files: ReadonlySet<string>, paths: readonly string[]): VariantPlan[] {
  const plans: VariantPlan[] = [];
  for (const p of paths.filter((x) => /^onnx\/[^/]+\.onnx$/.test(x)).sort()) {
    const stem = baseOf(p).slice(0, -'.onnx'.length);
    const m = /^(?:model|decoder_model_merged)(_[a-z0-9]+)?$/.exec(stem);
    const variant = m ? (SUFFIX_DTYPE[m[1] ?? ''] ?? (m[1] ?? '').slice(1)) : stem;
    plans.push({
      layout: 'onnx-community',
      variant,
      graph: p,
      config: 'config.json',
      generationConfig: firstOf(files, ['generation_config.json']),
      tokenizer: firstOf(files, ['tokenizer.json']),
      tokenizerConfig: firstOf(files, ['tokenizer_config.json']),
      chatTemplate: firstOf(files, ['chat_template.jinja']),
    });
  }
  return plans;
}

/** Every graph the folder offers; throws {@link UnknownLayoutError} listing what it found when none. */
export function planLayout(paths: readonly string[], where: string): VariantPlan[] {
  const files = new Set(paths);
  const genai = genaiPlans(files, paths);
  if (genai.length > 0) return genai;
  const community = communityPlans(files, paths);
  if (community.length > 0) {
    if (!files.has('config.json')) {
      throw new MissingFileError(where, 'config.json', 'the onnx-community layout needs it for the layer count and context length; copy it from the model repo.');
    }
    return community;
  }
  throw new UnknownLayoutError(where, [...paths].sort());
}

/** The plan for `variant` (by name or graph path), else the first of `preference` the folder has. */
export function pickVariant(plans: readonly VariantPlan[], where: string, variant?: string, preference: readonly string[] = CPU_VARIANT_PREFERENCE): VariantPlan {
  if (variant !== undefined) {
    const hit = plans.find((p) => p.variant === variant || p.graph === variant || baseOf(p.graph) === variant);
    if (!hit) throw new UnknownVariantError(where, variant, plans.map((p) => p.variant));
    return hit;
  }
  for (const want of preference) {
    const hit = plans.find((p) => p.variant === want);
    if (hit) return hit;
  }
  return plans[0];
}

/** Resolves an external-data `location` (relative to the graph's folder) to a path in the listing. */
export function externalPath(plan: VariantPlan, location: string): string {
  return `${dirOf(plan.graph)}${location}`;
}
