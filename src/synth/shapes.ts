/**
 * The two real models `cotk synth` rehearses, with the values of their public config.json files
 * (Qwen/Qwen3-0.6B and deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B). Only the weights are made up.
 */
export type ShapeName = 'qwen3-0.6b' | 'r1-distill-1.5b';
export type SynthDtype = 'fp32' | 'fp16' | 'q4' | 'q4f16';

export const SHAPE_NAMES: readonly ShapeName[] = ['qwen3-0.6b', 'r1-distill-1.5b'];
export const SYNTH_DTYPES: readonly SynthDtype[] = ['fp32', 'fp16', 'q4', 'q4f16'];

export interface Shape {
  readonly name: ShapeName;
  /** The Hub repo whose layout and config the folder copies. */
  readonly repo: string;
  readonly modelType: 'qwen3' | 'qwen2';
  readonly architecture: string;
  readonly layers: number;
  readonly hidden: number;
  readonly intermediate: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly vocab: number;
  readonly ropeTheta: number;
  readonly rmsEps: number;
  readonly maxPositions: number;
  readonly tiedEmbeddings: boolean;
  /** Qwen2's q/k/v projection biases. */
  readonly qkvBias: boolean;
  /** Qwen3's per-head RMSNorm of q and k. */
  readonly qkNorm: boolean;
  readonly bosTokenId: number;
  readonly eosTokenId: number;
  readonly generation: Readonly<Record<string, unknown>>;
  readonly extraConfig: Readonly<Record<string, unknown>>;
}

export const SHAPES: Readonly<Record<ShapeName, Shape>> = {
  'qwen3-0.6b': {
    name: 'qwen3-0.6b',
    repo: 'onnx-community/Qwen3-0.6B-ONNX',
    modelType: 'qwen3',
    architecture: 'Qwen3ForCausalLM',
    layers: 28,
    hidden: 1024,
    intermediate: 3072,
    heads: 16,
    kvHeads: 8,
    headDim: 128,
    vocab: 151936,
    ropeTheta: 1000000,
    rmsEps: 1e-6,
    maxPositions: 40960,
    tiedEmbeddings: true,
    qkvBias: false,
    qkNorm: true,
    bosTokenId: 151643,
    eosTokenId: 151645,
    generation: { bos_token_id: 151643, do_sample: true, eos_token_id: [151645, 151643], pad_token_id: 151643, temperature: 0.6, top_k: 20, top_p: 0.95 },
    extraConfig: { attention_bias: false, attention_dropout: 0.0, max_window_layers: 28, rope_scaling: null, sliding_window: null, use_sliding_window: false, initializer_range: 0.02 },
  },
  'r1-distill-1.5b': {
    name: 'r1-distill-1.5b',
    repo: 'onnx-community/DeepSeek-R1-Distill-Qwen-1.5B-ONNX',
    modelType: 'qwen2',
    architecture: 'Qwen2ForCausalLM',
    layers: 28,
    hidden: 1536,
    intermediate: 8960,
    heads: 12,
    kvHeads: 2,
    headDim: 128,
    vocab: 151936,
    ropeTheta: 10000,
    rmsEps: 1e-6,
    maxPositions: 131072,
    tiedEmbeddings: false,
    qkvBias: true,
    qkNorm: false,
    bosTokenId: 151643,
    eosTokenId: 151643,
    generation: { bos_token_id: 151646, eos_token_id: 151643, do_sample: true, temperature: 0.6, top_p: 0.95 },
    extraConfig: { attention_dropout: 0.0, max_window_layers: 21, sliding_window: 4096, use_sliding_window: false, use_mrope: false, initializer_range: 0.02 },
  },
};

/** transformers.js's file name for each dtype (ONNX-NOTES.md). */
export function graphFileName(dtype: SynthDtype): string {
  return dtype === 'fp32' ? 'model.onnx' : `model_${dtype}.onnx`;
}

/** The config.json of the folder: the real model's values, with `num_hidden_layers` from --layers. */
export function configJson(shape: Shape, layers: number, dataChunks: ReadonlyMap<string, number>): Record<string, unknown> {
  const external: Record<string, boolean | number> = {};
  for (const [file, chunks] of dataChunks) external[file] = chunks === 1 ? true : chunks;
  return {
    architectures: [shape.architecture],
    bos_token_id: shape.bosTokenId,
    eos_token_id: shape.eosTokenId,
    ...(shape.qkNorm ? { head_dim: shape.headDim } : {}),
    hidden_act: 'silu',
    hidden_size: shape.hidden,
    intermediate_size: shape.intermediate,
    max_position_embeddings: shape.maxPositions,
    model_type: shape.modelType,
    num_attention_heads: shape.heads,
    num_hidden_layers: layers,
    num_key_value_heads: shape.kvHeads,
    rms_norm_eps: shape.rmsEps,
    rope_theta: shape.ropeTheta,
    tie_word_embeddings: shape.tiedEmbeddings,
    torch_dtype: 'bfloat16',
    use_cache: true,
    vocab_size: shape.vocab,
    ...shape.extraConfig,
    'transformers.js_config': {
      kv_cache_dtype: { q4f16: 'float16', fp16: 'float16' },
      use_external_data_format: external,
    },
  };
}
