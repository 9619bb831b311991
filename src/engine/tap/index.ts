/**
 * The hidden-state tap: rewrites an ONNX decoder at load time so that, besides its logits and KV
 * cache, it outputs every position's residual stream R[0..L] and the final-normed H[L] as ONE
 * float32 tensor `cotk_states` [L+2, batch, seq, hidden] (one read-back per step instead of L+2).
 * Runtime-agnostic (plain Uint8Array work), so the browser worker and Node share it. Logits are
 * untouched: the tap only names optional outputs the kernels compute anyway and adds readers.
 */
import { TapError } from './errors';
import { ELEM, type OnnxModel, type OnnxNode, encodeNode, encodeValueInfo, parseModel } from './onnx';
import { nodeWithOutputs, rewriteGraph } from './splice';
import type { TapInfo } from './types';
import { GraphIndex } from './graph';
import { type TapPlan, freshNames, planTap } from './walk';
import { WireError, Writer } from './wire';

export { TapError } from './errors';
export type { GraphStyle, TapInfo } from './types';

export const STATES_OUTPUT = 'cotk_states';

/**
 * Returns a new model (the input is not modified) with the `cotk_states` output, and what the walk
 * found. `expectedLayers` (from the model's config) is checked against the walk; any doubt throws a
 * TapError rather than tapping a tensor that might be the wrong one.
 */
export function tapModel(model: Uint8Array, opts: { expectedLayers?: number } = {}): { model: Uint8Array; info: TapInfo } {
  const parsed = parse(model);
  if (parsed.outputs.some((o) => o.name === STATES_OUTPUT)) {
    throw new TapError(`the model already has an output named "${STATES_OUTPUT}" (tapped twice?); load the original graph`);
  }
  const plan = planTap(parsed, opts.expectedLayers);
  const out = rewriteGraph(parsed, switchedOnNodes(parsed, plan), appendedFields(parsed, plan));
  const info: TapInfo = {
    style: plan.style,
    layers: plan.layers,
    hiddenSize: plan.hiddenSize,
    statesOutput: STATES_OUTPUT,
    residualTensors: plan.residual,
    finalNormTensor: plan.finalNorm,
    dtype: plan.elemTypes.some((t) => t === ELEM.FLOAT16) ? 'float16' : 'float32',
  };
  return { model: out, info };
}

function parse(bytes: Uint8Array): OnnxModel {
  try {
    const m = parseModel(bytes);
    if (!m.opsets.has('')) throw new WireError(m.graph.end, 'no opset_import for the default ONNX domain');
    return m;
  } catch (e) {
    if (e instanceof WireError) {
      throw new TapError(`not an ONNX model (${bytes.length} bytes): ${e.message}; the file is truncated, corrupt or not a .onnx graph`, e.offset);
    }
    throw e;
  }
}

/** Nodes whose optional outputs the tap names (final norm output 3, embedding sum), re-encoded. */
function switchedOnNodes(m: OnnxModel, plan: TapPlan): Map<OnnxNode, Uint8Array> {
  const out = new Map<OnnxNode, Uint8Array>();
  for (const s of plan.switchOn) {
    const outputs = [...s.node.outputs];
    while (outputs.length < s.slot) outputs.push('');
    outputs[s.slot] = s.name;
    out.set(s.node, nodeWithOutputs(m, s.node, outputs));
  }
  return out;
}

/** New nodes (Cast to float32 where needed, Unsqueeze on axis 0, one Concat) and the new graph output. */
function appendedFields(m: OnnxModel, plan: TapPlan): Uint8Array {
  // Bases differ from the walk's own new names (cotk_tap/final_residual, cotk_tap/embedding_sum).
  const fresh = freshNames(new GraphIndex(m));
  const opset = m.opsets.get('') as number;
  const w = new Writer();
  const tapped = [...plan.residual, plan.finalNorm];
  const parts: string[] = [];
  let axes: string | null = null;
  if (opset >= 13) {
    // Unsqueeze takes its axes as an input from opset 13; a Constant node keeps the initializers untouched.
    axes = fresh('cotk_tap/axes0');
    w.message(1, encodeNode({ inputs: [], outputs: [axes], name: fresh('cotk_tap/Constant'), opType: 'Constant', intLists: { value_ints: [0] } }));
  }
  tapped.forEach((t, i) => {
    let x = t;
    if (plan.elemTypes[i] !== ELEM.FLOAT) {
      // fp16 (or undeclared) streams: one output type for every graph, so the reader needs no dtype switch.
      x = fresh(`cotk_tap/cast_${i}`);
      w.message(1, encodeNode({ inputs: [t], outputs: [x], name: fresh(`cotk_tap/Cast_${i}`), opType: 'Cast', ints: { to: ELEM.FLOAT } }));
    }
    const u = fresh(`cotk_tap/unsqueeze_${i}`);
    const name = fresh(`cotk_tap/Unsqueeze_${i}`);
    w.message(1, axes ? encodeNode({ inputs: [x, axes], outputs: [u], name, opType: 'Unsqueeze' }) : encodeNode({ inputs: [x], outputs: [u], name, opType: 'Unsqueeze', intLists: { axes: [0] } }));
    parts.push(u);
  });
  w.message(1, encodeNode({ inputs: parts, outputs: [STATES_OUTPUT], name: fresh('cotk_tap/Concat'), opType: 'Concat', ints: { axis: 0 } }));
  w.message(12, encodeValueInfo(STATES_OUTPUT, ELEM.FLOAT, [tapped.length, 'cotk_batch', 'cotk_sequence', plan.hiddenSize ?? 'cotk_hidden']));
  return w.finish();
}
