import { ModelConfigError } from '../errors';
import type { ModelConfig } from './types';

/**
 * Normalises the two config dialects into {@link ModelConfig}: onnxruntime-genai's
 * `genai_config.json` (everything under `model` and `model.decoder`) and Hugging Face's
 * `config.json` (with GPT-2's `n_layer`-style names and multimodal `text_config` nesting).
 */
type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : null;
}

function intField(file: string, o: Obj, names: readonly string[], what: string): number {
  for (const n of names) {
    const v = o[n];
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  }
  throw new ModelConfigError(file, `no ${what} (looked for ${names.join(' / ')})`);
}

function optInt(o: Obj, names: readonly string[]): number | null {
  for (const n of names) {
    const v = o[n];
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  }
  return null;
}

/** eos_token_id is a number or a list of numbers in both dialects. */
function idList(v: unknown): number[] {
  if (typeof v === 'number' && Number.isInteger(v)) return [v];
  if (Array.isArray(v)) return v.filter((x): x is number => typeof x === 'number' && Number.isInteger(x));
  return [];
}

export function parseJsonFile(file: string, bytes: Uint8Array): unknown {
  const text = new TextDecoder().decode(bytes);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ModelConfigError(file, `not valid JSON (${(e as Error).message})`);
  }
}

export function configFromGenai(file: string, raw: unknown): ModelConfig {
  const top = obj(raw);
  const model = obj(top?.model);
  const dec = obj(model?.decoder);
  if (!model || !dec) throw new ModelConfigError(file, 'expected an object with "model" and "model.decoder"');
  const hiddenSize = intField(file, dec, ['hidden_size'], 'model.decoder.hidden_size');
  const numHeads = intField(file, dec, ['num_attention_heads'], 'model.decoder.num_attention_heads');
  const search = obj(top?.search) ?? {};
  const contextLength = optInt(model, ['context_length']) ?? optInt(search, ['max_length']);
  if (contextLength === null || contextLength === 0) throw new ModelConfigError(file, 'no model.context_length');
  const eos = idList(model.eos_token_id);
  if (eos.length === 0) throw new ModelConfigError(file, 'no model.eos_token_id');
  return {
    modelType: typeof model.type === 'string' ? model.type : 'unknown',
    layers: intField(file, dec, ['num_hidden_layers'], 'model.decoder.num_hidden_layers'),
    hiddenSize,
    numHeads,
    numKvHeads: optInt(dec, ['num_key_value_heads']) ?? numHeads,
    headDim: optInt(dec, ['head_size']) ?? hiddenSize / numHeads,
    vocabSize: intField(file, model, ['vocab_size'], 'model.vocab_size'),
    contextLength,
    eosTokenIds: eos,
    bosTokenId: optInt(model, ['bos_token_id']),
    padTokenId: optInt(model, ['pad_token_id']),
  };
}

/** Hugging Face config.json, with generation_config.json's EOS ids merged in (Qwen3 lists two there). */
export function configFromHf(file: string, raw: unknown, generationConfig: unknown = null): ModelConfig {
  const top = obj(raw);
  if (!top) throw new ModelConfigError(file, 'expected a JSON object');
  const c = obj(top.text_config) ?? top;
  const hiddenSize = intField(file, c, ['hidden_size', 'n_embd', 'd_model'], 'hidden size');
  const numHeads = intField(file, c, ['num_attention_heads', 'n_head'], 'attention head count');
  const contextLength = optInt(c, ['max_position_embeddings', 'n_positions', 'n_ctx', 'max_sequence_length']);
  if (contextLength === null || contextLength === 0) throw new ModelConfigError(file, 'no max_position_embeddings');
  const gen = obj(generationConfig) ?? {};
  const eos = [...new Set([...idList(c.eos_token_id ?? top.eos_token_id), ...idList(gen.eos_token_id)])];
  return {
    modelType: typeof c.model_type === 'string' ? c.model_type : typeof top.model_type === 'string' ? top.model_type : 'unknown',
    layers: intField(file, c, ['num_hidden_layers', 'n_layer', 'num_layers'], 'layer count'),
    hiddenSize,
    numHeads,
    numKvHeads: optInt(c, ['num_key_value_heads']) ?? numHeads,
    headDim: optInt(c, ['head_dim']) ?? hiddenSize / numHeads,
    vocabSize: intField(file, c, ['vocab_size'], 'vocab_size'),
    contextLength,
    eosTokenIds: eos,
    bosTokenId: optInt(c, ['bos_token_id']) ?? optInt(top, ['bos_token_id']),
    padTokenId: optInt(c, ['pad_token_id']) ?? optInt(top, ['pad_token_id']),
  };
}
