import { encodeValueInfo } from '../engine/tap/onnx';
import { Writer } from '../engine/tap/wire';
import { type ChunkWriter, emitKN, emitNK, emitQ4, emitRope, emitScales, emitValues, type FloatKind } from './emit';
import { ELEM, externalTensor, int64Tensor, node, UINT8, type Attr } from './proto';
import { graphFileName, type Shape, type SynthDtype } from './shapes';
import { BLOCK, QuantMatrix, vectorValues } from './weights';

/**
 * One decoder graph in the onnxruntime-genai builder's style, node for node as in our fixture graphs
 * (tiny-reasoner/onnx/fp32-cpu and int4-cpu, made by the real builder): the attention-mask subgraph
 * feeding GroupQueryAttention's seqlens_k and total_sequence_length, a fused qkv_proj MatMul (or
 * MatMulNBits) and Split, Qwen3's q/k norms as SimplifiedLayerNormalization on [.., head_dim]
 * reshapes, GroupQueryAttention with RoPE caches, SkipSimplifiedLayerNormalization carrying the
 * residual on output 3, a SiLU MLP, and the final norm without output 3. The tied embedding is a
 * Transpose + Gather of the LM head (fp) or a Reshape + GatherBlockQuantized of its 4-bit codes.
 *
 * The fp16 and q4f16 graphs keep the CPU-style q/k norm nodes (the builder's WebGPU graphs fuse them
 * into GroupQueryAttention, which onnxruntime's CPU kernel refuses) and take float16 I/O, as
 * transformers.js's fp16 and q4f16 files do.
 */
export interface TensorPlan {
  readonly name: string;
  readonly dataType: number;
  readonly dims: readonly number[];
  readonly bytes: number;
  emit(w: ChunkWriter): void;
}

export interface PlacedTensor extends TensorPlan {
  readonly location: string;
  readonly offset: number;
}

export interface ModelPlan {
  readonly file: string;
  readonly tensors: readonly PlacedTensor[];
  /** External data files in order, with their sizes (transformers.js naming: `<file>_data`, `_data_1`…). */
  readonly dataFiles: ReadonlyArray<{ readonly name: string; readonly bytes: number }>;
  /** The ModelProto bytes (small: every weight is external). */
  readonly model: Uint8Array;
  readonly parameters: number;
}

/** Gains (output RMS over input RMS) of each projection, and the embedding's element standard deviation. */
const STD = { qkv: 1, o: 1, gate: 1, up: 1, down: 1.5, embed: 0.05 };
/** The final norm's gain: logits of standard deviation ≈ 3 (peaked, yet many tokens in play). */
const FINAL_GAIN = 2;
/** onnxruntime-genai's defaults for int4 on CPU (accuracy_level 4: int8 activations). */
const ACCURACY_LEVEL = 4;
/** No chunk of external data grows past 2 GiB (browsers and protobuf both stumble there). */
const MAX_CHUNK = 2 ** 31 - (1 << 20);

const BYTES: Readonly<Record<number, number>> = { [ELEM.FLOAT]: 4, [ELEM.FLOAT16]: 2, [UINT8]: 1 };

function size(dataType: number, dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1) * BYTES[dataType];
}

class GraphBuilder {
  readonly nodes: Writer[] = [];
  readonly tensors: TensorPlan[] = [];
  readonly valueInfo: Writer[] = [];
  private readonly constants = new Set<string>();
  parameters = 0;

  constructor(readonly kind: FloatKind) {}

  get floatType(): number {
    return this.kind === 'float32' ? ELEM.FLOAT : ELEM.FLOAT16;
  }

  add(opType: string, name: string, inputs: readonly string[], outputs: readonly string[], attrs: Record<string, Attr> = {}, domain = ''): void {
    this.nodes.push(node(opType, name, inputs, outputs, attrs, domain));
  }

  tensor(name: string, dataType: number, dims: readonly number[], emit: (w: ChunkWriter) => void, params = 0): string {
    this.tensors.push({ name, dataType, dims, bytes: size(dataType, dims), emit });
    this.parameters += params;
    return name;
  }

  /** `/model/constants/INT64/[…]` Constant nodes, as the builder names and shares them. */
  int64(values: readonly number[], scalar = false): string {
    const label = scalar ? String(values[0]) : `[${values.join(', ')}]`;
    const out = `/model/constants/INT64/${label}`;
    if (!this.constants.has(out)) {
      this.constants.add(out);
      this.add('Constant', `/model/constant_nodes/INT64/${label}`, [], [out], { value: { tensor: int64Tensor(values, scalar ? [] : [values.length]) } });
    }
    return out;
  }

  declare(name: string, dims: ReadonlyArray<number | string>, elem = this.floatType): void {
    this.valueInfo.push(encodeValueInfo(name, elem, dims));
  }
}

interface Ctx {
  readonly b: GraphBuilder;
  readonly shape: Shape;
  readonly dtype: SynthDtype;
  readonly seed: number;
  readonly quant: boolean;
}

/** Plans W's initializers: a float [K, N] MatMul weight, or MatMulNBits' 4-bit codes and scales. */
function weights(c: Ctx, prefix: string, m: QuantMatrix): string[] {
  const { K, N } = m;
  if (!c.quant) {
    return [c.b.tensor(`${prefix}.MatMul.weight`, c.b.floatType, [K, N], (wr) => {
      emitKN(wr, m, c.b.kind);
      m.release();
    }, K * N)];
  }
  const q = c.b.tensor(`${prefix}.MatMul.weight_Q4`, UINT8, [N, K / BLOCK, BLOCK / 2], (wr) => emitQ4(wr, m), K * N);
  const s = c.b.tensor(`${prefix}.MatMul.weight_scales`, c.b.floatType, [N, K / BLOCK], (wr) => {
    emitScales(wr, m, c.b.kind);
    m.release();
  });
  return [q, s];
}

/** The MatMul (or MatMulNBits) node over planned weights. */
function matmulNode(c: Ctx, nodeName: string, input: string, w: readonly string[], K: number, N: number, out: string): string {
  if (!c.quant) c.b.add('MatMul', `${nodeName}/MatMul`, [input, w[0]], [out]);
  else c.b.add('MatMulNBits', `${nodeName}/MatMul_Q4`, [input, ...w], [out], { K, N, accuracy_level: ACCURACY_LEVEL, bits: 4, block_size: BLOCK }, 'com.microsoft');
  return out;
}

/** x @ W for a fresh seeded W[K, N] whose output has about `gain` times its input's RMS. */
function linear(c: Ctx, prefix: string, nodeName: string, input: string, K: number, N: number, gain: number): string {
  const w = weights(c, prefix, new QuantMatrix(`${prefix}.MatMul.weight`, c.seed, K, N, gain / Math.sqrt(K)));
  return matmulNode(c, nodeName, input, w, K, N, `${nodeName}/MatMul/output_0`);
}

function vector(c: Ctx, name: string, n: number, center: number, spread: number): string {
  const v = vectorValues(c.seed, name, n, center, spread);
  return c.b.tensor(name, c.b.floatType, [n], (w) => emitValues(w, v, c.b.kind), n);
}

const EPS = (c: Ctx): Attr => ({ f: c.shape.rmsEps });

function simplifiedNorm(c: Ctx, name: string, input: string, gamma: string, out: string): void {
  c.b.add('SimplifiedLayerNormalization', name, [input, gamma], [out], { epsilon: EPS(c), axis: -1, stash_type: 1 });
}

/** Returns the residual stream after the layer and the MLP output still to be added to it. */
function decoderLayer(c: Ctx, i: number, residual: string, pending: string | null, mask: { seqlens: string; total: string }): { residual: string; pending: string } {
  const { b, shape } = c;
  const p = `model.layers.${i}`;
  const n = `/model/layers.${i}`;
  const d = shape.hidden;
  const hd = shape.headDim;
  const bt = ['batch_size', 'sequence_length'];
  // Input norm: plain for layer 0, fused with the previous layer's residual add after that.
  const inGamma = vector(c, `${p}.input_layernorm.weight`, d, 1, 0.25);
  const normed = `${n}/input_layernorm/output_0`;
  let res = residual;
  if (pending === null) {
    simplifiedNorm(c, `${n}/input_layernorm/LayerNorm`, residual, inGamma, normed);
  } else {
    res = `${n}/input_layernorm/output_3`;
    b.add('SkipSimplifiedLayerNormalization', `${n}/input_layernorm/SkipLayerNorm`, [residual, pending, inGamma], [normed, '', '', res], { epsilon: EPS(c) }, 'com.microsoft');
    b.declare(res, [...bt, d]);
  }
  b.declare(normed, [...bt, d]);
  // Attention: one fused projection, split into q, k, v.
  const qDim = shape.heads * hd;
  const kvDim = shape.kvHeads * hd;
  let qkv = linear(c, `${p}.attn.qkv_proj`, `${n}/attn/qkv_proj`, normed, d, qDim + 2 * kvDim, STD.qkv);
  if (shape.qkvBias) {
    const bias = vector(c, `${p}.attn.qkv_proj.Add.bias`, qDim + 2 * kvDim, 0, 0.5);
    const out = `${n}/attn/qkv_proj/Add/output_0`;
    b.add('Add', `${n}/attn/qkv_proj/Add`, [qkv, bias], [out]);
    qkv = out;
  }
  const split = [0, 1, 2].map((j) => `${n}/attn/qkv_proj/Split/output_${j}`);
  b.add('Split', `${n}/attn/qkv_proj/Split`, [qkv, b.int64([qDim, kvDim, kvDim])], split, { axis: -1 });
  let [q, k] = split;
  if (shape.qkNorm) {
    for (const [which, dim] of [['q', qDim], ['k', kvDim]] as const) {
      const src = which === 'q' ? q : k;
      const gamma = vector(c, `${p}.attn.${which}_norm.layernorm.weight`, hd, 1, 0.25);
      const r1 = `${n}/attn/${which}_norm/Reshape_1/output_0`;
      b.add('Reshape', `${n}/attn/${which}_norm/Reshape_1`, [src, b.int64([0, -1, hd])], [r1]);
      const nn = `${n}/attn/${which}_norm/SimplifiedLayerNormalization/output_0`;
      simplifiedNorm(c, `${n}/attn/${which}_norm/SimplifiedLayerNormalization`, r1, gamma, nn);
      const r2 = `${n}/attn/${which}_norm/Reshape_2/output_0`;
      b.add('Reshape', `${n}/attn/${which}_norm/Reshape_2`, [nn, b.int64([0, -1, dim])], [r2]);
      if (which === 'q') q = r2;
      else k = r2;
    }
  }
  const attn = `${n}/attn/GroupQueryAttention/output_0`;
  b.add(
    'GroupQueryAttention',
    `${n}/attn/GroupQueryAttention`,
    [q, k, split[2], `past_key_values.${i}.key`, `past_key_values.${i}.value`, mask.seqlens, mask.total, 'cos_cache', 'sin_cache', '', '', ''],
    [attn, `present.${i}.key`, `present.${i}.value`],
    { num_heads: shape.heads, kv_num_heads: shape.kvHeads, scale: { f: 1 / Math.sqrt(hd) }, softcap: { f: 0 }, do_rotary: 1, rotary_interleaved: 0 },
    'com.microsoft',
  );
  const o = linear(c, `${p}.attn.o_proj`, `${n}/attn/o_proj`, attn, qDim, d, STD.o);
  // Post-attention norm: residual + attention, the sum on output 3.
  const postGamma = vector(c, `${p}.post_attention_layernorm.weight`, d, 1, 0.25);
  const post = `${n}/post_attention_layernorm/output_0`;
  const mid = `${n}/post_attention_layernorm/output_3`;
  b.add('SkipSimplifiedLayerNormalization', `${n}/post_attention_layernorm/SkipLayerNorm`, [res, o, postGamma], [post, '', '', mid], { epsilon: EPS(c) }, 'com.microsoft');
  b.declare(post, [...bt, d]);
  b.declare(mid, [...bt, d]);
  // SiLU MLP.
  const gate = linear(c, `${p}.mlp.gate_proj`, `${n}/mlp/gate_proj`, post, d, shape.intermediate, STD.gate);
  const up = linear(c, `${p}.mlp.up_proj`, `${n}/mlp/up_proj`, post, d, shape.intermediate, STD.up);
  const sig = `${n}/mlp/act_fn/Sigmoid/output_0`;
  b.add('Sigmoid', `${n}/mlp/act_fn/Sigmoid`, [gate], [sig]);
  const act = `${n}/mlp/act_fn/Mul/output_0`;
  b.add('Mul', `${n}/mlp/act_fn/Mul`, [gate, sig], [act]);
  const prod = `${n}/mlp/Mul/output_0`;
  b.add('Mul', `${n}/mlp/Mul`, [act, up], [prod]);
  const down = linear(c, `${p}.mlp.down_proj`, `${n}/mlp/down_proj`, prod, shape.intermediate, d, STD.down);
  return { residual: mid, pending: down };
}

function buildGraph(shape: Shape, dtype: SynthDtype, layers: number, seed: number): GraphBuilder {
  const kind: FloatKind = dtype === 'fp16' || dtype === 'q4f16' ? 'float16' : 'float32';
  const b = new GraphBuilder(kind);
  const c: Ctx = { b, shape, dtype, seed, quant: dtype === 'q4' || dtype === 'q4f16' };
  const d = shape.hidden;
  // Attention-mask subgraph: seqlens_k = sum(mask) - 1 and total_sequence_length, both int32.
  const am = '/model/attn_mask_reformat/attn_mask_subgraph';
  b.add('ReduceSum', `${am}/ReduceSum`, ['attention_mask', b.int64([1])], [`${am}/ReduceSum/output_0`], { keepdims: 0 });
  b.add('Sub', `${am}/Sub`, [`${am}/ReduceSum/output_0`, b.int64([1])], [`${am}/Sub/output_0`]);
  b.add('Cast', `${am}/Sub/Cast`, [`${am}/Sub/output_0`], [`${am}/Sub/Cast/output_0`], { to: ELEM.INT32 });
  b.add('Shape', `${am}/Shape`, ['attention_mask'], [`${am}/Shape/output_0`]);
  b.add('Gather', `${am}/Gather`, [`${am}/Shape/output_0`, b.int64([1], true)], [`${am}/Gather/output_0`], { axis: 0 });
  b.add('Cast', `${am}/Gather/Cast`, [`${am}/Gather/output_0`], [`${am}/Gather/Cast/output_0`], { to: ELEM.INT32 });
  const mask = { seqlens: `${am}/Sub/Cast/output_0`, total: `${am}/Gather/Cast/output_0` };
  // Embedding: the LM head's table when tied, its own otherwise.
  const lm = new QuantMatrix('lm_head.MatMul.weight', seed, d, shape.vocab, STD.embed);
  const table = shape.tiedEmbeddings ? lm : new QuantMatrix('model.embed_tokens.weight', seed, d, shape.vocab, STD.embed);
  const emb = c.quant ? '/model/embed_tokens/GatherBlockQuantized/output_0' : '/model/embed_tokens/Gather/output_0';
  // The LM head's tensors come first in the file; when tied, the embedding reads them too.
  const head = weights(c, 'lm_head', lm);
  if (shape.tiedEmbeddings) {
    if (c.quant) {
      const r = '/model/embed_tokens/Reshape/output_0';
      b.add('Reshape', '/model/embed_tokens/Reshape', [head[0], b.int64([shape.vocab, d / 2])], [r]);
      b.add('GatherBlockQuantized', '/model/embed_tokens/GatherBlockQuantized', [r, 'input_ids', head[1]], [emb], { bits: 4, block_size: BLOCK, gather_axis: 0, quantize_axis: 1 }, 'com.microsoft');
    } else {
      const t = '/model/embed_tokens/Transpose/output_0';
      b.add('Transpose', '/model/embed_tokens/Transpose', [head[0]], [t], { perm: [1, 0] });
      b.add('Gather', '/model/embed_tokens/Gather', [t, 'input_ids'], [emb]);
    }
  } else if (c.quant) {
    const q = b.tensor('model.embed_tokens.weight_Q4', UINT8, [shape.vocab, d / 2], (w) => emitQ4(w, table), d * shape.vocab);
    const s = b.tensor('model.embed_tokens.weight_scales', b.floatType, [shape.vocab, d / BLOCK], (w) => {
      emitScales(w, table, kind);
      table.release();
    });
    b.add('GatherBlockQuantized', '/model/embed_tokens/GatherBlockQuantized', [q, 'input_ids', s], [emb], { bits: 4, block_size: BLOCK, gather_axis: 0, quantize_axis: 1 }, 'com.microsoft');
  } else {
    const t = b.tensor('model.embed_tokens.weight', b.floatType, [shape.vocab, d], (w) => {
      emitNK(w, table, kind);
      table.release();
    }, d * shape.vocab);
    b.add('Gather', '/model/embed_tokens/Gather', [t, 'input_ids'], [emb]);
  }
  b.declare(emb, ['batch_size', 'sequence_length', d]);
  b.tensor('cos_cache', b.floatType, [shape.maxPositions, shape.headDim / 2], (w) => emitRope(w, 'cos', shape.maxPositions, shape.headDim, shape.ropeTheta, kind));
  b.tensor('sin_cache', b.floatType, [shape.maxPositions, shape.headDim / 2], (w) => emitRope(w, 'sin', shape.maxPositions, shape.headDim, shape.ropeTheta, kind));
  let residual = emb;
  let pending: string | null = null;
  for (let i = 0; i < layers; i++) ({ residual, pending } = decoderLayer(c, i, residual, pending, mask));
  // Final norm: residual + last MLP, no output 3 (the tap switches it on).
  const fg = vector(c, `model.layers.${layers}.final_norm_layernorm.weight`, d, FINAL_GAIN, 0.5);
  const fin = `/model/layers.${layers}/final_norm_layernorm/output_0`;
  b.add('SkipSimplifiedLayerNormalization', `/model/layers.${layers}/final_norm_layernorm/SkipLayerNorm`, [residual, pending!, fg], [fin], { epsilon: EPS(c) }, 'com.microsoft');
  b.declare(fin, ['batch_size', 'sequence_length', d]);
  matmulNode(c, '/lm_head', fin, head, d, shape.vocab, 'logits');
  return b;
}

/** Lays the tensors out in `<file>_data` chunks (64-byte aligned; a chunk never passes 2 GiB). */
function place(file: string, tensors: readonly TensorPlan[]): { placed: PlacedTensor[]; dataFiles: Array<{ name: string; bytes: number }> } {
  const placed: PlacedTensor[] = [];
  const dataFiles: Array<{ name: string; bytes: number }> = [];
  let chunk = 0;
  let offset = 0;
  const name = (i: number): string => (i === 0 ? `${file}_data` : `${file}_data_${i}`);
  for (const t of tensors) {
    offset = Math.ceil(offset / 64) * 64;
    if (offset > 0 && offset + t.bytes > MAX_CHUNK) {
      dataFiles.push({ name: name(chunk), bytes: offset });
      chunk++;
      offset = 0;
    }
    placed.push({ ...t, location: name(chunk), offset });
    offset += t.bytes;
  }
  dataFiles.push({ name: name(chunk), bytes: offset });
  return { placed, dataFiles };
}

export function planModel(shape: Shape, dtype: SynthDtype, layers: number, seed: number): ModelPlan {
  const b = buildGraph(shape, dtype, layers, seed);
  const file = graphFileName(dtype);
  const { placed, dataFiles } = place(file, b.tensors);
  const kv = b.floatType;
  const graph = new Writer();
  for (const n of b.nodes) graph.message(1, n);
  graph.string(2, 'main_graph');
  for (const t of placed) graph.message(5, externalTensor(t.name, t.dataType, t.dims, t.location, t.offset, t.bytes));
  graph.message(11, encodeValueInfo('input_ids', ELEM.INT64, ['batch_size', 'sequence_length']));
  graph.message(11, encodeValueInfo('attention_mask', ELEM.INT64, ['batch_size', 'total_sequence_length']));
  for (const which of ['key', 'value']) {
    for (let i = 0; i < layers; i++) graph.message(11, encodeValueInfo(`past_key_values.${i}.${which}`, kv, ['batch_size', shape.kvHeads, 'past_sequence_length', shape.headDim]));
  }
  graph.message(12, encodeValueInfo('logits', kv, ['batch_size', 'sequence_length', shape.vocab]));
  for (const which of ['key', 'value']) {
    for (let i = 0; i < layers; i++) graph.message(12, encodeValueInfo(`present.${i}.${which}`, kv, ['batch_size', shape.kvHeads, 'total_sequence_length', shape.headDim]));
  }
  for (const v of b.valueInfo) graph.message(13, v);
  // ModelProto: ir_version 1, producer_name 2, producer_version 3, graph 7, opset_import 8.
  const model = new Writer()
    .int(1, 10)
    .string(2, 'cotk synth (onnxruntime-genai builder style)')
    .string(3, '1')
    .message(8, new Writer().string(1, '').int(2, 21))
    .message(8, new Writer().string(1, 'com.microsoft').int(2, 1))
    .message(7, graph);
  return { file, tensors: placed, dataFiles, model: model.finish(), parameters: b.parameters };
}
