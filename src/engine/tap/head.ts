/**
 * The end of the residual stream: which tensor the LM head reads (H[L]) and the proof that it is a
 * norm of the last residual R[L]. Decided from the logits backwards, so a walk that stopped early
 * (a layer it could not follow) is caught here instead of tapping the wrong tensor.
 */
import { TapError } from './errors';
import type { GraphIndex } from './graph';
import type { OnnxNode } from './onnx';

const LM_HEAD_OPS = new Set(['MatMul', 'MatMulNBits', 'Gemm', 'FusedMatMul']);
/** Fused norms whose input 0 (or, for Skip*, output 3) is the residual they normalise. */
export const NORM_OPS = new Set(['LayerNormalization', 'SimplifiedLayerNormalization', 'RMSNormalization', 'SkipLayerNormalization', 'SkipSimplifiedLayerNormalization']);
/** What a decomposed RMSNorm or LayerNorm is made of (torch export, Optimum). */
const NORM_PARTS = new Set(['Pow', 'ReduceMean', 'Add', 'Sub', 'Sqrt', 'Div', 'Mul', 'Reciprocal', 'Cast', 'Neg', 'Identity']);
const REDUCTIONS = new Set(['ReduceMean', 'ReduceSumSquare', 'ReduceSum']);

export interface LmHead {
  /** H[L]: the LM head's input, before any Cast. */
  readonly hidden: string;
  readonly node: OnnxNode;
  readonly logits: string;
}

/** The MatMul (or quantised/Gemm variant) that makes the logits, stepping over Casts and a bias Add. */
export function findLmHead(g: GraphIndex, summary: () => string): LmHead {
  const outs = g.model.outputs;
  const logitsOut = outs.find((o) => o.name === 'logits') ?? outs.find((o) => o.name.includes('logits'));
  if (!logitsOut) {
    throw new TapError(`no "logits" graph output to find the LM head from (outputs: ${outs.map((o) => o.name).slice(0, 8).join(', ')})`);
  }
  let t = g.beforeCasts(logitsOut.name);
  let p = g.producer(t);
  if (p && p.node.opType === 'Add') {
    // A bias Add after the projection (GPT-2 style heads): keep the non-constant side.
    const other = p.node.inputs.find((i) => i && !g.isConstant(i));
    if (other) {
      t = g.beforeCasts(other);
      p = g.producer(t);
    }
  }
  if (!p || !LM_HEAD_OPS.has(p.node.opType)) {
    throw new TapError(`the logits ("${logitsOut.name}") come from ${p ? `${p.node.opType} "${p.node.name}"` : 'no node'}, not a MatMul/MatMulNBits/Gemm LM head; ops in the graph: ${summary()}`);
  }
  const input = p.node.inputs.find((i) => i && !g.isConstant(i));
  if (!input) throw new TapError(`the LM head "${p.node.name}" has no non-constant input`);
  return { hidden: g.beforeCasts(input), node: p.node, logits: logitsOut.name };
}

export interface FinalNorm {
  /** The norm node (fused) or the last node of the decomposed norm. */
  readonly node: OnnxNode;
  /** A 1-D weight of the norm (its gamma), to read the hidden size from. */
  readonly gamma: string | null;
}

/**
 * Checks that `h` (what the LM head reads) is a norm of `rL` (the last residual the walk found).
 * `finalSkip` is the fused final norm whose output 3 the tap switched on, when there is one.
 */
export function verifyFinalNorm(g: GraphIndex, rL: string, h: string, finalSkip: OnnxNode | null, why: () => string): FinalNorm {
  const p = g.producer(h);
  if (!p) throw new TapError(`the LM head reads "${h}", which no node produces; ${why()}`);
  const { node, slot } = p;
  if (finalSkip) {
    if (node === finalSkip && slot === 0) return { node, gamma: node.inputs[2] || null };
    throw new TapError(`the last norm on the residual stream, ${finalSkip.opType} "${finalSkip.name}", is not what the LM head reads ("${h}" from ${node.opType} "${node.name}"); ${why()}`);
  }
  if (NORM_OPS.has(node.opType) && slot === 0) {
    const skip = node.opType.startsWith('Skip');
    if (skip && node.outputs[3] && g.sameUpToCasts(node.outputs[3], rL)) return { node, gamma: node.inputs[2] || null };
    if (!skip && node.inputs[0] && g.sameUpToCasts(node.inputs[0], rL)) return { node, gamma: node.inputs[1] || null };
  }
  const decomposed = decomposedNorm(g, rL, h);
  if (decomposed) return { node, gamma: decomposed };
  throw new TapError(`the LM head reads "${h}" (from ${node.opType} "${node.name}"), which is not a recognisable norm of the last residual "${rL}"; ${why()}`);
}

/**
 * Walks back from `h` through norm arithmetic only. Succeeds (returning a 1-D weight it met, or '')
 * when every path ends at `rL` or a constant and a mean/sum reduction was on the way.
 */
function decomposedNorm(g: GraphIndex, rL: string, h: string): string | null {
  const target = g.beforeCasts(rL);
  const seen = new Set<string>();
  let reduced = false;
  let reachedResidual = false;
  let gamma = '';
  const stack = [h];
  while (stack.length) {
    const t = stack.pop() as string;
    if (seen.has(t)) continue;
    seen.add(t);
    if (seen.size > 64) return null; // a norm is a dozen nodes; anything bigger is a different thing
    if (t === target || t === rL) {
      reachedResidual = true;
      continue;
    }
    if (g.isConstant(t)) {
      const init = g.model.initializers.get(t);
      if (init && init.dims.length === 1 && init.dims[0] > 1 && !gamma) gamma = t;
      continue;
    }
    const p = g.producer(t);
    if (!p || !NORM_PARTS.has(p.node.opType) && !REDUCTIONS.has(p.node.opType)) return null;
    if (REDUCTIONS.has(p.node.opType)) reduced = true;
    for (const i of p.node.inputs) if (i) stack.push(i);
  }
  return reachedResidual && reduced ? gamma : null;
}

/** Hidden size from the norm weight, the declared shape of a tapped tensor, or the embedding table. */
export function hiddenSize(g: GraphIndex, gamma: string | null, tapped: readonly string[], embedding: OnnxNode): number | null {
  const init = gamma ? g.model.initializers.get(gamma) : undefined;
  if (init && init.dims.length === 1) return init.dims[0];
  for (const t of tapped) {
    const dims = g.model.valueInfo.get(t)?.dims;
    const last = dims?.[dims.length - 1];
    if (typeof last === 'number' && last > 0) return last;
  }
  const table = g.model.initializers.get(embedding.opType === 'EmbedLayerNormalization' ? embedding.inputs[2] : embedding.inputs[0]);
  if (embedding.opType !== 'GatherBlockQuantized' && table && table.dims.length === 2) return table.dims[1];
  return null;
}
