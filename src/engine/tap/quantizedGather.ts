/**
 * Lowers com.microsoft `GatherBlockQuantized` (the onnxruntime-genai builder's 4-bit embedding) into
 * standard ONNX ops, for execution providers without a kernel for it (onnxruntime-web's WASM EP in
 * the `onnxruntime-web/webgpu` bundle). The table stays packed: only the gathered rows are unpacked
 * and dequantised, so memory grows with the tokens looked up, never with the vocabulary.
 *
 * Semantics (onnxruntime's CPU kernel, contrib_ops/cpu/quantization/gather_block_quantized.cc, for
 * uint8 data — the only layout the builder writes):
 * - attributes: gather_axis (default 0, must be 0), quantize_axis (default 1, must be the last
 *   axis), block_size (default 128), bits (default 4; 2, 4 or 8);
 * - data [d0, …, P] uint8 packs 8/bits values per byte, lowest bits first: logical last axis C = P·8/bits;
 * - scales [d0, …, ceil(C / block_size)] float or float16 (the output's type);
 * - zero_points (optional) uint8, packed like data along the last axis
 *   ([d0, …, ceil(nBlocks·bits/8)]); absent, every zero point is 2^(bits−1) (8 for 4 bits);
 * - out[i…, …, c] = (q − zp[block(c)]) · scale[block(c)], computed in float32 and cast to the scale type.
 *
 * The lowering, over the flattened indices (N = their count):
 *   Gather(data) [N, …, P] → Cast int64 → per-component Div/Sub → Concat on a new last axis →
 *   Reshape [N, …, C]; scales (and zero points, unpacked the same way) are gathered per row and
 *   broadcast over their blocks (Unsqueeze, Expand, Reshape, Slice to C); Sub, Cast float32, Mul,
 *   CastLike to the scale type, Reshape to indices.shape ++ data.shape[1:-1] ++ [C].
 * One difference, on input the engine never feeds: an index outside [−d0, d0) is an error in
 * Gather where the contrib kernel writes zeros.
 */
import { TapError } from './errors';
import { GraphIndex } from './graph';
import { ELEM, type OnnxModel, type OnnxNode, encodeNode, parseModel } from './onnx';
import { rewriteGraph } from './splice';
import { freshNames } from './walk';
import { WireError, Writer } from './wire';

export const GBQ_OP = 'GatherBlockQuantized';
const MS_DOMAIN = 'com.microsoft';
const UINT8 = 2;

/** True when the graph has a com.microsoft GatherBlockQuantized node (a cheap scan of node headers). */
export function hasQuantizedGather(model: Uint8Array | OnnxModel): boolean {
  const m = model instanceof Uint8Array ? parseModel(model) : model;
  return m.nodes.some(isGbq);
}

function isGbq(n: OnnxNode): boolean {
  return n.opType === GBQ_OP && n.domain === MS_DOMAIN;
}

export interface LoweringInfo {
  /** Names of the GatherBlockQuantized nodes replaced. */
  readonly nodes: readonly string[];
}

/**
 * Returns a new model with every GatherBlockQuantized node replaced by standard ops (the input is not
 * modified), or the same bytes when there is none. Throws TapError for a node it cannot lower
 * exactly (int4/uint4-typed data, a gather or quantize axis the kernel itself rejects for uint8).
 */
export function lowerQuantizedGather(bytes: Uint8Array): { model: Uint8Array; info: LoweringInfo } {
  let m: OnnxModel;
  try {
    m = parseModel(bytes);
  } catch (e) {
    if (e instanceof WireError) throw new TapError(`not an ONNX model (${bytes.length} bytes): ${e.message}`, e.offset);
    throw e;
  }
  const targets = m.nodes.filter(isGbq);
  if (targets.length === 0) return { model: bytes, info: { nodes: [] } };
  const opset = m.opsets.get('') ?? 0;
  if (opset < 15) {
    throw new TapError(`cannot rewrite ${GBQ_OP} for this runtime: the graph's ONNX opset is ${opset}, the rewrite needs 15 or later (Shape with start/end, CastLike)`);
  }
  const g = new GraphIndex(m);
  const fresh = freshNames(g);
  const replace = new Map<OnnxNode, Uint8Array>();
  const w = new Writer();
  for (const node of targets) {
    for (const enc of lowerNode(m, g, node, fresh)) w.message(1, enc);
    replace.set(node, new Uint8Array(0));
  }
  return { model: rewriteGraph(m, replace, w.finish()), info: { nodes: targets.map((n) => n.name) } };
}

/** Declared rank of a tensor (initializer dims or value_info shape), or null. */
function declaredRank(m: OnnxModel, tensor: string): number | null {
  const init = m.initializers.get(tensor);
  if (init) return init.dims.length;
  const vi = m.valueInfo.get(tensor) ?? m.inputs.find((i) => i.name === tensor);
  return vi?.dims ? vi.dims.length : null;
}

function lowerNode(m: OnnxModel, g: GraphIndex, node: OnnxNode, fresh: (b: string) => string): Writer[] {
  const where = `${GBQ_OP} node "${node.name}"`;
  const [data, indices, scales, zeroPoints] = node.inputs;
  const out = node.outputs[0];
  if (!data || !indices || !scales || !out) throw new TapError(`${where} lacks data, indices, scales or its output`);
  const bits = node.ints.get('bits') ?? 4;
  const blockSize = node.ints.get('block_size') ?? 128;
  const gatherAxis = node.ints.get('gather_axis') ?? 0;
  const quantizeAxis = node.ints.get('quantize_axis') ?? 1;
  if (bits !== 2 && bits !== 4 && bits !== 8) throw new TapError(`${where} has bits=${bits}; uint8 data holds 2, 4 or 8`);
  if (blockSize < 1) throw new TapError(`${where} has block_size=${blockSize}`);
  const dataType = g.elemType(data);
  if (dataType !== null && dataType !== UINT8) {
    throw new TapError(`${where} stores its table as TensorProto type ${dataType}; the rewrite handles uint8-packed tables (the onnxruntime-genai builder's), so this graph needs a runtime with the ${GBQ_OP} kernel (onnxruntime-node, or WebGPU)`);
  }
  const rank = declaredRank(m, scales) ?? declaredRank(m, data);
  const norm = (a: number) => (a < 0 && rank !== null ? a + rank : a);
  if (norm(gatherAxis) !== 0) throw new TapError(`${where} gathers on axis ${gatherAxis}; uint8 tables gather on axis 0`);
  if (rank !== null && norm(quantizeAxis) !== rank - 1) throw new TapError(`${where} quantizes axis ${quantizeAxis} of a rank-${rank} table; uint8 tables quantize the last axis`);

  const base = `cotk_gbq/${node.name || out}`;
  const nodes: Writer[] = [];
  const t = (s: string) => fresh(`${base}/${s}`);
  const op = (opType: string, inputs: string[], extra: { ints?: Record<string, number>; intLists?: Record<string, readonly number[]> } = {}, outName?: string): string => {
    const o = outName ?? t(opType.toLowerCase());
    nodes.push(encodeNode({ inputs, outputs: [o], name: t(opType), opType, ...extra }));
    return o;
  };
  const constInts = (vals: readonly number[]) => op('Constant', [], { intLists: { value_ints: vals } });

  const minus1 = constInts([-1]);
  const zero = constInts([0]);
  const components = 8 / bits;
  const levels = 2 ** bits;

  /** Unpacks [N, …, P] uint8 (already gathered) into [N, …, P·components] int64, lowest bits first. */
  const unpack = (packed: string): string => {
    const x = op('Cast', [packed], { ints: { to: ELEM.INT64 } });
    if (components === 1) return x;
    const lev = constInts([levels]);
    const parts: string[] = [];
    let q = x;
    for (let k = 0; k < components; k++) {
      // part k = (x / levels^k) mod levels, with integer Div (exact: x ≥ 0).
      const next = op('Div', [q, lev]);
      const part = k === components - 1 ? q : op('Sub', [q, op('Mul', [next, lev])]);
      parts.push(op('Unsqueeze', [part, minus1]));
      q = next;
    }
    const stacked = op('Concat', parts, { ints: { axis: -1 } });
    const lead = op('Shape', [packed], { ints: { end: -1 } });
    return op('Reshape', [stacked, op('Concat', [lead, minus1], { ints: { axis: 0 } })]);
  };
  /** [N, …, nb] per-block values → [N, …, C]: each repeated block_size times, cut to C. */
  const perColumn = (blocks: string, cols: string): string => {
    const up = op('Unsqueeze', [blocks, minus1]);
    const wide = op('Expand', [up, constInts([blockSize])]);
    const lead = op('Shape', [blocks], { ints: { end: -1 } });
    const flat = op('Reshape', [wide, op('Concat', [lead, minus1], { ints: { axis: 0 } })]);
    return op('Slice', [flat, zero, cols, minus1]);
  };

  const flatIdx = op('Reshape', [indices, minus1]);
  const q = unpack(op('Gather', [data, flatIdx], { ints: { axis: 0 } }));
  const cols = op('Shape', [q], { ints: { start: -1 } });
  const rowScales = op('Gather', [scales, flatIdx], { ints: { axis: 0 } });
  const scale = perColumn(op('Cast', [rowScales], { ints: { to: ELEM.FLOAT } }), cols);
  let zp: string;
  if (zeroPoints) {
    const nBlocks = op('Shape', [rowScales], { ints: { start: -1 } });
    const zpBlocks = op('Slice', [unpack(op('Gather', [zeroPoints, flatIdx], { ints: { axis: 0 } })), zero, nBlocks, minus1]);
    zp = perColumn(zpBlocks, cols);
  } else {
    zp = constInts([levels / 2]);
  }
  const centred = op('Cast', [op('Sub', [q, zp])], { ints: { to: ELEM.FLOAT } });
  const deq = op('CastLike', [op('Mul', [centred, scale]), rowScales]);
  const outShape = op('Concat', [op('Shape', [indices]), op('Shape', [deq], { ints: { start: 1 } })], { ints: { axis: 0 } });
  op('Reshape', [deq, outShape], {}, out);
  return nodes;
}

/**
 * A one-node model (a 32-column, 4-bit, 1-row table) whose session creation fails exactly when the
 * execution provider has no GatherBlockQuantized kernel: the runtime resolves kernels at creation.
 */
export function gbqProbeModel(): Uint8Array {
  const tensor = (name: string, type: number, dims: number[], raw: Uint8Array) => {
    const w = new Writer();
    for (const d of dims) w.int(1, d);
    return w.int(2, type).string(8, name).bytes(9, raw);
  };
  const valueInfo = (name: string, type: number, dims: number[]) => {
    const shape = new Writer();
    for (const d of dims) shape.message(1, new Writer().int(1, d));
    return new Writer().string(1, name).message(2, new Writer().message(1, new Writer().int(1, type).message(2, shape)));
  };
  const graph = new Writer()
    .message(1, encodeNode({ inputs: ['q', 'i', 's'], outputs: ['y'], name: 'probe', opType: GBQ_OP, ints: { bits: 4, block_size: 32, gather_axis: 0, quantize_axis: 1 } }).string(7, MS_DOMAIN))
    .string(2, 'cotk_gbq_probe')
    .message(5, tensor('q', UINT8, [1, 16], new Uint8Array(16).fill(0x98)))
    .message(5, tensor('s', ELEM.FLOAT, [1, 1], new Uint8Array(new Float32Array([1]).buffer)))
    .message(11, valueInfo('i', ELEM.INT64, [1]))
    .message(12, valueInfo('y', ELEM.FLOAT, [1, 32]));
  return new Writer()
    .int(1, 8)
    .message(8, new Writer().string(1, '').int(2, 21))
    .message(8, new Writer().string(1, MS_DOMAIN).int(2, 1))
    .message(7, graph)
    .finish();
}
