/**
 * The logit-lens graph: a second, tiny ONNX model cut out of the decoder that applies the model's
 * own read-out — its final norm and LM head, exactly as the graph has them — to arbitrary residual
 * states, and returns only the top-k log-probabilities and each row's target log-probability, so
 * the full [N, vocab] distribution never leaves the runtime.
 *
 *   lens_states [N, hidden] float32 ─ Unsqueeze(0) ─ (Cast to the residual's type) ─┐
 *     final norm: the fused node (Skip* fed a zero skip from ConstantOfShape(Shape(x)), its bias
 *     dropped: the residual already holds it) or the decomposed norm's nodes, copied verbatim
 *     ─ (Casts) ─ LM head (MatMul / MatMulNBits / Gemm / FusedMatMul) ─ (bias Add) ─ (Casts)
 *     ─ Cast float32 ─ Squeeze(0) ─ LogSoftmax(-1) ─┬─ TopK(lens_k) → lens_top_values, lens_top_indices
 *                                                   └─ GatherElements(lens_targets, axis 1) → lens_target_logprob
 *
 * Nodes are copied as their original bytes (attributes such as epsilon, block_size, domain kept),
 * with only the residual input swapped and unused outputs dropped. Initializers are copied as their
 * TensorProto bytes, external-data references included: the session is created with the decoder's
 * external data and the runtime reads only the ranges these initializers name.
 */
import { TapError } from './errors';
import { GraphIndex } from './graph';
import { NORM_OPS, findLmHead } from './head';
import { ELEM, type OnnxModel, type OnnxNode, encodeInt64Tensor, encodeNode, encodeValueInfo, parseModel } from './onnx';
import { concat } from './splice';
import { freshNames, opSummary, planTap } from './walk';
import { WIRE_LEN, WireError, Writer, fields } from './wire';

export const LENS_STATES = 'lens_states';
export const LENS_TARGETS = 'lens_targets';
export const LENS_K = 'lens_k';
export const LENS_TOP_VALUES = 'lens_top_values';
export const LENS_TOP_INDICES = 'lens_top_indices';
export const LENS_TARGET_LOGPROB = 'lens_target_logprob';

export interface LensGraphInfo {
  /** Width of one state (the graph input's second dim). */
  readonly hiddenSize: number;
  /** Vocabulary of the head, when the graph says (logits output dim, MatMul weight, MatMulNBits N). */
  readonly vocabSize: number | null;
  /** The final norm as the model has it: an op type, or "decomposed (Pow, ReduceMean, …)". */
  readonly norm: string;
  readonly head: string;
  /** Element type the norm and head run in ('float32', 'float16', …). */
  readonly elemType: string;
  /** Op types of the lens graph in order, for messages and the report. */
  readonly ops: readonly string[];
  /** Initializers copied from the decoder. */
  readonly initializers: readonly string[];
}

const ELEM_NAMES: Readonly<Record<number, string>> = { 1: 'float32', 10: 'float16', 11: 'float64', 16: 'bfloat16' };
const ELEM_BYTES: Readonly<Record<number, number>> = { 1: 4, 10: 2, 11: 8, 16: 2 };
/** Ops the path from the LM head to the logits may hold besides the head itself. */
const NORM_PARTS = new Set(['Pow', 'ReduceMean', 'ReduceSumSquare', 'ReduceSum', 'Add', 'Sub', 'Sqrt', 'Div', 'Mul', 'Reciprocal', 'Cast', 'Neg', 'Identity']);
const REDUCTIONS = new Set(['ReduceMean', 'ReduceSumSquare', 'ReduceSum']);

/** Builds the lens model from the decoder's bytes (not modified). Throws TapError when the read-out cannot be isolated. */
export function buildLensModel(bytes: Uint8Array): { model: Uint8Array; info: LensGraphInfo } {
  let m: OnnxModel;
  try {
    m = parseModel(bytes);
  } catch (e) {
    if (e instanceof WireError) throw new TapError(`not an ONNX model (${bytes.length} bytes): ${e.message}`, e.offset);
    throw e;
  }
  const opset = m.opsets.get('');
  if (opset === undefined) throw new TapError('the model imports no default ONNX opset');
  if (opset < 11) throw new TapError(`the logit lens needs opset 11 or later (GatherElements, TopK with a K input); the model imports opset ${opset}`);
  const g = new GraphIndex(m);
  for (const n of [LENS_STATES, LENS_TARGETS, LENS_K, LENS_TOP_VALUES, LENS_TOP_INDICES, LENS_TARGET_LOGPROB]) {
    if (g.has(n)) throw new TapError(`the model already uses the name "${n}" (a lens graph passed in?); load the original decoder graph`);
  }
  return new LensBuilder(m, g, opset).build();
}

class LensBuilder {
  private readonly fresh: (base: string) => string;
  private readonly nodes: Uint8Array[] = [];
  private readonly ops: string[] = [];
  private readonly inits = new Set<string>();
  private readonly constNodes = new Set<OnnxNode>();
  private readonly coneCache = new Map<string, boolean>();
  private axes0: string | null = null;

  constructor(
    private readonly m: OnnxModel,
    private readonly g: GraphIndex,
    private readonly opset: number,
  ) {
    this.fresh = freshNames(g);
  }

  build(): { model: Uint8Array; info: LensGraphInfo } {
    const { m, g } = this;
    const summary = () => opSummary(m);
    const head = findLmHead(g, summary);
    // The read-out from the logits back to the norm output: Casts, an optional bias Add, the head.
    const chain = this.headChain(head.logits, head.hidden, head.node);
    const p = g.producer(head.hidden);
    if (!p) throw new TapError(`the LM head "${head.node.name}" reads "${head.hidden}", which no node produces: there is no final norm to copy`);
    const norm = NORM_OPS.has(p.node.opType) ? this.fusedNorm(p.node, p.slot) : this.decomposedNorm(head.hidden, p.node);

    // Prelude: [N, hidden] float32 → [1, N, hidden] in the residual's type.
    const x3 = this.unsqueeze0(LENS_STATES);
    let x = x3;
    if (norm.elemType !== ELEM.FLOAT) {
      x = this.fresh('cotk_lens/states_cast');
      this.add(encodeNode({ inputs: [x3], outputs: [x], name: 'cotk_lens/Cast_in', opType: 'Cast', ints: { to: norm.elemType } }), 'Cast');
    }
    norm.emit(x);
    for (const n of chain) this.copy(n, n.inputs, n.outputs);
    let logits = head.logits;
    const logitsType = g.elemType(logits);
    if (logitsType !== ELEM.FLOAT) {
      const cast = this.fresh('cotk_lens/logits_float');
      this.add(encodeNode({ inputs: [logits], outputs: [cast], name: 'cotk_lens/Cast_out', opType: 'Cast', ints: { to: ELEM.FLOAT } }), 'Cast');
      logits = cast;
    }
    const logits2 = this.squeeze0(logits);
    const logp = this.fresh('cotk_lens/log_probs');
    this.add(encodeNode({ inputs: [logits2], outputs: [logp], name: 'cotk_lens/LogSoftmax', opType: 'LogSoftmax', ints: { axis: -1 } }), 'LogSoftmax');
    this.add(encodeNode({ inputs: [logp, LENS_K], outputs: [LENS_TOP_VALUES, LENS_TOP_INDICES], name: 'cotk_lens/TopK', opType: 'TopK', ints: { axis: -1, largest: 1, sorted: 1 } }), 'TopK');
    this.add(encodeNode({ inputs: [logp, LENS_TARGETS], outputs: [LENS_TARGET_LOGPROB], name: 'cotk_lens/GatherElements', opType: 'GatherElements', ints: { axis: 1 } }), 'GatherElements');

    const hidden = norm.hidden ?? this.headInputSize(head.node);
    if (!hidden) throw new TapError(`cannot tell the hidden size: neither the final norm's weight nor the LM head "${head.node.name}" nor the residual's declared shape gives it`);
    const vocab = this.vocabSize(head.node, head.logits);
    const model = this.encode(hidden);
    return {
      model,
      info: {
        hiddenSize: hidden,
        vocabSize: vocab,
        norm: norm.label,
        head: head.node.opType,
        elemType: ELEM_NAMES[norm.elemType] ?? `type ${norm.elemType}`,
        ops: this.ops,
        initializers: [...this.inits],
      },
    };
  }

  /** Nodes from `logits` back to (excluding) the producer of `hidden`, in graph order; a straight line of Casts, one bias Add and the head. */
  private headChain(logits: string, hidden: string, headNode: OnnxNode): OnnxNode[] {
    const out: OnnxNode[] = [];
    let t = logits;
    let sawHead = false;
    for (let guard = 0; guard < 32 && t !== hidden; guard++) {
      const p = this.g.producer(t);
      if (!p) throw new TapError(`the read-out from "${logits}" back to the LM head breaks at "${t}", which no node produces`);
      const n = p.node;
      const moving = n.inputs.filter((i) => i && !this.constantCone(i));
      if (moving.length !== 1) {
        throw new TapError(`between the LM head and the logits, ${n.opType} "${n.name}" has ${moving.length} non-constant inputs (${moving.join(', ')}); the lens copies only a straight read-out`);
      }
      if (n === headNode) sawHead = true;
      else if (n.opType !== 'Cast' && !(n.opType === 'Add' && !sawHead)) {
        throw new TapError(`the read-out passes through ${n.opType} "${n.name}"; the lens copies only the final norm, Casts, the LM head and a bias Add`);
      }
      out.unshift(n);
      t = moving[0];
    }
    if (t !== hidden || !sawHead) throw new TapError(`could not follow the read-out from "${logits}" back to the LM head's input "${hidden}"`);
    return out;
  }

  /** A fused norm node: the lens feeds it `x` (and a zero skip for Skip* norms, whose sum the residual already is). */
  private fusedNorm(node: OnnxNode, slot: number): NormPart {
    if (slot !== 0) throw new TapError(`the LM head reads output ${slot} of ${node.opType} "${node.name}", not its normalised output 0`);
    const skip = node.opType.startsWith('Skip');
    const residual = node.inputs[0];
    const elemType = this.g.elemType(residual) ?? this.initType(node.inputs[skip ? 2 : 1]);
    if (!elemType) throw new TapError(`cannot tell the element type of the residual "${residual}" that ${node.opType} "${node.name}" normalises`);
    const gamma = node.inputs[skip ? 2 : 1];
    return {
      label: node.opType,
      elemType,
      hidden: this.size1d(gamma),
      emit: (x) => {
        let inputs: string[];
        if (skip) {
          const zeros = this.zerosLike(x, elemType);
          // SkipSimplifiedLayerNormalization: input, skip, gamma, bias. SkipLayerNormalization: input, skip, gamma, beta, bias.
          // The bias is part of the residual sum (output 3), which is what the lens is given: drop it.
          inputs = node.opType === 'SkipSimplifiedLayerNormalization' ? [x, zeros, node.inputs[2] ?? ''] : [x, zeros, node.inputs[2] ?? '', node.inputs[3] ?? ''];
        } else {
          inputs = [x, ...node.inputs.slice(1)];
        }
        while (inputs.length && !inputs[inputs.length - 1]) inputs.pop();
        this.copy(node, inputs, [node.outputs[0]]);
      },
    };
  }

  /**
   * A norm spelled out in arithmetic (torch export): the nodes between the last residual (found by
   * the structural walk) and what the head reads, all norm arithmetic with a reduction among them.
   */
  private decomposedNorm(h: string, last: OnnxNode): NormPart {
    if (!NORM_PARTS.has(last.opType)) {
      throw new TapError(`the LM head reads "${h}" from ${last.opType} "${last.name}", which is neither a norm op (${[...NORM_OPS].join(', ')}) nor norm arithmetic; the lens cannot isolate the final norm`);
    }
    let rL: string;
    try {
      rL = this.g.beforeCasts(planTap(this.m).residual.at(-1) as string);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new TapError(`the final norm before the LM head is decomposed (${last.opType} "${last.name}"), and the residual it normalises cannot be found: ${why}`);
    }
    const nodes = new Set<OnnxNode>();
    const seen = new Set<string>();
    let reduced = false;
    let reached = false;
    const stack = [h];
    while (stack.length) {
      const t = stack.pop() as string;
      if (seen.has(t)) continue;
      seen.add(t);
      if (t === rL) {
        reached = true;
        continue;
      }
      if (this.constantCone(t)) continue;
      if (seen.size > 64) throw new TapError(`the final norm before the LM head is not isolable: more than 64 tensors between "${h}" and the residual "${rL}" (a norm has about a dozen)`);
      const p = this.g.producer(t);
      if (!p || !NORM_PARTS.has(p.node.opType)) {
        throw new TapError(`the final norm before the LM head is not isolable: from "${h}" back to the residual "${rL}" the path meets ${p ? `${p.node.opType} "${p.node.name}"` : `"${t}", which no node produces`}`);
      }
      if (REDUCTIONS.has(p.node.opType)) reduced = true;
      nodes.add(p.node);
      for (const i of p.node.inputs) if (i) stack.push(i);
    }
    if (!reached || !reduced) {
      throw new TapError(`"${h}" is not a norm of the last residual "${rL}" (${reached ? 'no mean or sum reduction on the way' : 'the residual is never reached'})`);
    }
    const elemType = this.g.elemType(rL);
    if (!elemType) throw new TapError(`cannot tell the element type of the last residual "${rL}"`);
    const ordered = [...nodes].sort((a, b) => a.index - b.index);
    let hidden: number | null = null;
    for (const n of ordered) for (const i of n.inputs) hidden ??= this.size1d(i);
    return {
      label: `decomposed (${ordered.map((n) => n.opType).join(', ')})`,
      elemType,
      hidden: hidden ?? this.declaredLast(rL),
      emit: (x) => {
        for (const n of ordered) this.copy(n, n.inputs.map((i) => (i === rL ? x : i)), n.outputs);
      },
    };
  }

  /** True when `t` is computed from initializers and Constant nodes only (so it may be copied with its producers). */
  private constantCone(t: string, depth = 0): boolean {
    const cached = this.coneCache.get(t);
    if (cached !== undefined) return cached;
    let r = false;
    if (this.m.initializers.has(t)) r = true;
    else if (depth < 16 && !this.g.isGraphInput(t)) {
      const p = this.g.producer(t);
      if (p && p.node.opType === 'Constant') r = true;
      else if (p && p.node.inputs.some(Boolean)) r = p.node.inputs.every((i) => !i || this.constantCone(i, depth + 1));
    }
    this.coneCache.set(t, r);
    return r;
  }

  /** Copies the constant producers of `t` (initializers, Constant nodes, and nodes computing from them) once. */
  private copyCone(t: string): void {
    if (!t || this.inits.has(t)) return;
    if (this.m.initializers.has(t)) {
      this.inits.add(t);
      return;
    }
    const p = this.g.producer(t);
    if (!p || this.constNodes.has(p.node)) return;
    this.constNodes.add(p.node);
    for (const i of p.node.inputs) this.copyCone(i);
    this.nodes.push(this.m.buf.slice(p.node.field.start, p.node.field.end));
    this.ops.push(p.node.opType);
  }

  /** The node's original bytes with its inputs and outputs replaced; its constant inputs come along. */
  private copy(node: OnnxNode, inputs: readonly string[], outputs: readonly string[]): void {
    for (const i of inputs) if (i && this.constantCone(i)) this.copyCone(i);
    const { buf } = this.m;
    const kept: Uint8Array[] = [];
    const io = new Writer();
    for (const i of inputs) io.string(1, i);
    for (const o of outputs) io.string(2, o);
    let placed = false;
    for (const f of fields(buf, node.field.valueStart, node.field.end)) {
      if ((f.num === 1 || f.num === 2) && f.wire === WIRE_LEN) {
        if (!placed) kept.push(io.finish());
        placed = true;
        continue;
      }
      kept.push(buf.subarray(f.start, f.end));
    }
    if (!placed) kept.unshift(io.finish());
    this.nodes.push(lengthDelimited(1, kept));
    this.ops.push(node.opType);
  }

  private add(node: Writer, op: string): void {
    this.nodes.push(lengthDelimited(1, [node.finish()]));
    this.ops.push(op);
  }

  /** Unsqueeze/Squeeze take their axes as an input from opset 13, as an attribute before. */
  private axes(): string | null {
    if (this.opset < 13) return null;
    this.axes0 ??= this.fresh('cotk_lens/axes0');
    return this.axes0;
  }

  private unsqueeze0(t: string): string {
    const out = this.fresh(`cotk_lens/${t}_3d`);
    const axes = this.axes();
    const name = `cotk_lens/Unsqueeze_${t}`;
    this.add(axes ? encodeNode({ inputs: [t, axes], outputs: [out], name, opType: 'Unsqueeze' }) : encodeNode({ inputs: [t], outputs: [out], name, opType: 'Unsqueeze', intLists: { axes: [0] } }), 'Unsqueeze');
    return out;
  }

  private squeeze0(t: string): string {
    const out = this.fresh('cotk_lens/logits_2d');
    const axes = this.axes();
    const name = 'cotk_lens/Squeeze_logits';
    this.add(axes ? encodeNode({ inputs: [t, axes], outputs: [out], name, opType: 'Squeeze' }) : encodeNode({ inputs: [t], outputs: [out], name, opType: 'Squeeze', intLists: { axes: [0] } }), 'Squeeze');
    return out;
  }

  /** Zeros with the shape of `x`: ConstantOfShape(Shape(x)) with a one-element value tensor of `elemType`. */
  private zerosLike(x: string, elemType: number): string {
    const bytes = ELEM_BYTES[elemType];
    if (!bytes) throw new TapError(`the residual's element type (${elemType}) is not one the lens can make a zero skip for`);
    const shape = this.fresh('cotk_lens/shape');
    const zeros = this.fresh('cotk_lens/zero_skip');
    this.add(encodeNode({ inputs: [x], outputs: [shape], name: 'cotk_lens/Shape', opType: 'Shape' }), 'Shape');
    const value = new Writer().int(1, 1).int(2, elemType).string(8, 'zero').bytes(9, new Uint8Array(bytes));
    // AttributeProto: name 1, t 5, type 20 (TENSOR = 4).
    const attr = new Writer().string(1, 'value').message(5, value).int(20, 4);
    const node = new Writer().string(1, shape).string(2, zeros).string(3, 'cotk_lens/ConstantOfShape').string(4, 'ConstantOfShape').message(5, attr);
    this.add(node, 'ConstantOfShape');
    return zeros;
  }

  private initType(name: string | undefined): number | null {
    return (name && this.m.initializers.get(name)?.dataType) || null;
  }

  private size1d(name: string | undefined): number | null {
    const init = name ? this.m.initializers.get(name) : undefined;
    return init && init.dims.length === 1 && init.dims[0] > 1 ? init.dims[0] : null;
  }

  private declaredLast(t: string): number | null {
    const dims = this.m.valueInfo.get(t)?.dims;
    const last = dims?.[dims.length - 1];
    return typeof last === 'number' && last > 0 ? last : null;
  }

  /** K of the head: MatMulNBits' K attribute, or the weight's first dim (MatMul; Gemm without transB). */
  private headInputSize(head: OnnxNode): number | null {
    if (head.ints.has('K')) return head.ints.get('K') as number;
    const w = this.m.initializers.get(head.inputs[1]);
    if (!w || w.dims.length !== 2) return null;
    return head.opType === 'Gemm' && head.ints.get('transB') ? w.dims[1] : w.dims[0];
  }

  private vocabSize(head: OnnxNode, logits: string): number | null {
    const dims = this.m.outputs.find((o) => o.name === logits)?.dims;
    const last = dims?.[dims.length - 1];
    if (typeof last === 'number' && last > 0) return last;
    if (head.ints.has('N')) return head.ints.get('N') as number;
    const w = this.m.initializers.get(head.inputs[1]);
    if (!w || w.dims.length !== 2) return null;
    return head.opType === 'Gemm' && head.ints.get('transB') ? w.dims[0] : w.dims[1];
  }

  /** ModelProto: the decoder's ir_version and opset imports (and local functions), the lens graph. */
  private encode(hidden: number): Uint8Array {
    const { buf } = this.m;
    const graph: Uint8Array[] = [...this.nodes];
    const w = new Writer().string(2, 'cotk_lens');
    if (this.axes0) w.message(5, encodeInt64Tensor(this.axes0, [0]));
    graph.push(w.finish());
    for (const name of this.inits) {
      const f = (this.m.initializers.get(name) as { field: { start: number; end: number } }).field;
      graph.push(buf.subarray(f.start, f.end));
    }
    const io = new Writer()
      .message(11, encodeValueInfo(LENS_STATES, ELEM.FLOAT, ['lens_n', hidden]))
      .message(11, encodeValueInfo(LENS_TARGETS, ELEM.INT64, ['lens_n', 1]))
      .message(11, encodeValueInfo(LENS_K, ELEM.INT64, [1]))
      .message(12, encodeValueInfo(LENS_TOP_VALUES, ELEM.FLOAT, ['lens_n', 'lens_topk']))
      .message(12, encodeValueInfo(LENS_TOP_INDICES, ELEM.INT64, ['lens_n', 'lens_topk']))
      .message(12, encodeValueInfo(LENS_TARGET_LOGPROB, ELEM.FLOAT, ['lens_n', 1]));
    graph.push(io.finish());
    const top: Uint8Array[] = [new Writer().int(1, this.m.irVersion).string(2, 'cotk-lens').finish(), lengthDelimited(7, graph)];
    for (const f of fields(buf, 0, buf.length)) {
      // opset_import (8) and model-local functions (25) travel as they are.
      if ((f.num === 8 || f.num === 25) && f.wire === WIRE_LEN) top.push(buf.subarray(f.start, f.end));
    }
    return concat(top);
  }
}

interface NormPart {
  readonly label: string;
  readonly elemType: number;
  readonly hidden: number | null;
  /** Appends the norm's nodes reading `x` (the residual in its own type, [1, N, hidden]). */
  emit(x: string): void;
}

function lengthDelimited(num: number, payload: readonly Uint8Array[]): Uint8Array {
  const len = payload.reduce((n, p) => n + p.length, 0);
  return concat([new Writer().tag(num, WIRE_LEN).varint(len).finish(), ...payload]);
}
