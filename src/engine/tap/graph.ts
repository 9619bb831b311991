/**
 * Edges of the main graph by tensor name (who makes a tensor, who reads it) and the element type of
 * a tensor where the model declares it or the producing op fixes it. Builder graphs without
 * value_info (stories260K) still type every residual this way, from the embedding table on.
 */
import { ELEM, type OnnxModel, type OnnxNode } from './onnx';

export interface Use {
  readonly node: OnnxNode;
  /** Input slot (for consumers) or output slot (for the producer). */
  readonly slot: number;
}

/** Ops whose output 0 has the element type of their input 0; enough to follow a residual stream. */
const SAME_TYPE_AS_INPUT0 = new Set([
  'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Sqrt', 'Neg', 'Identity', 'Transpose', 'Reshape', 'Squeeze', 'Unsqueeze',
  'MatMul', 'Gemm', 'MatMulNBits', 'Attention', 'MultiHeadAttention', 'GroupQueryAttention', 'FastGelu', 'Gelu',
  'BiasGelu', 'Sigmoid', 'Softmax', 'LayerNormalization', 'SimplifiedLayerNormalization', 'SkipLayerNormalization',
  'SkipSimplifiedLayerNormalization', 'RMSNormalization', 'ReduceMean', 'Slice', 'Split', 'Concat', 'Tile', 'Expand',
]);

export class GraphIndex {
  readonly model: OnnxModel;
  private readonly producers = new Map<string, Use>();
  private readonly consumers = new Map<string, Use[]>();
  private readonly constants = new Set<string>();
  private readonly graphInputs = new Map<string, number | null>();
  private readonly typeCache = new Map<string, number | null>();

  constructor(model: OnnxModel) {
    this.model = model;
    for (const name of model.initializers.keys()) this.constants.add(name);
    for (const v of model.inputs) this.graphInputs.set(v.name, v.elemType);
    for (const node of model.nodes) {
      node.outputs.forEach((o, slot) => {
        if (o) this.producers.set(o, { node, slot });
      });
      if (node.opType === 'Constant' && node.outputs[0]) this.constants.add(node.outputs[0]);
      node.inputs.forEach((i, slot) => {
        if (!i) return;
        const list = this.consumers.get(i);
        if (list) list.push({ node, slot });
        else this.consumers.set(i, [{ node, slot }]);
      });
    }
  }

  producer(tensor: string): Use | undefined {
    return this.producers.get(tensor);
  }

  consumersOf(tensor: string): readonly Use[] {
    return this.consumers.get(tensor) ?? [];
  }

  isConstant(tensor: string): boolean {
    return this.constants.has(tensor);
  }

  isGraphInput(tensor: string): boolean {
    return this.graphInputs.has(tensor) && !this.constants.has(tensor);
  }

  /** True when any node or graph value already uses `name` (new names must not collide). */
  has(name: string): boolean {
    return this.producers.has(name) || this.consumers.has(name) || this.constants.has(name) || this.graphInputs.has(name) || this.model.outputs.some((o) => o.name === name);
  }

  /** Consumers of `tensor` and of every Cast chain hanging off it: the walk steps over Casts. */
  consumersThroughCasts(tensor: string): Use[] {
    const out: Use[] = [];
    const seen = new Set<string>();
    const visit = (t: string) => {
      if (seen.has(t)) return;
      seen.add(t);
      for (const u of this.consumersOf(t)) {
        if (u.node.opType === 'Cast' && u.node.outputs[0]) visit(u.node.outputs[0]);
        else out.push(u);
      }
    };
    visit(tensor);
    return out;
  }

  /** Follows Casts backwards to the tensor a Cast chain starts from. */
  beforeCasts(tensor: string): string {
    let t = tensor;
    for (let p = this.producer(t); p && p.node.opType === 'Cast' && p.node.inputs[0]; p = this.producer(t)) t = p.node.inputs[0];
    return t;
  }

  /** Whether `a` and `b` are the same tensor up to Casts in between. */
  sameUpToCasts(a: string, b: string): boolean {
    return this.beforeCasts(a) === this.beforeCasts(b);
  }

  /** TensorProto.DataType of `tensor`, or null when neither the model nor the producing op says. */
  elemType(tensor: string): number | null {
    const cached = this.typeCache.get(tensor);
    if (cached !== undefined) return cached;
    this.typeCache.set(tensor, null); // cycle guard: a malformed graph must not recurse forever
    const t = this.declaredType(tensor) ?? this.inferredType(tensor);
    this.typeCache.set(tensor, t);
    return t;
  }

  private declaredType(tensor: string): number | null {
    const init = this.model.initializers.get(tensor);
    if (init) return init.dataType || null;
    const vi = this.model.valueInfo.get(tensor) ?? this.model.outputs.find((o) => o.name === tensor);
    if (vi?.elemType) return vi.elemType;
    return this.graphInputs.get(tensor) ?? null;
  }

  private inferredType(tensor: string): number | null {
    const p = this.producer(tensor);
    if (!p) return null;
    const { node, slot } = p;
    const input = (i: number) => (node.inputs[i] ? this.elemType(node.inputs[i]) : null);
    switch (node.opType) {
      case 'Cast':
        return node.ints.get('to') ?? null;
      case 'Gather':
        return input(0);
      case 'GatherBlockQuantized':
        return input(2); // the scales carry the float type of the dequantized rows
      case 'EmbedLayerNormalization':
        return slot === 1 ? ELEM.INT32 : input(2); // mask_index is int32; the rest follow the word embedding
      case 'Constant':
        return null;
      default:
        return SAME_TYPE_AS_INPUT0.has(node.opType) ? input(0) : null;
    }
  }
}
