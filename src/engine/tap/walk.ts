/**
 * The structural walk (ONNX-NOTES "A structural walk"): from the embedding output, repeatedly take
 * the unique node that joins the residual stream with a non-constant other input — a Skip*Norm
 * (whose output 3 is the next residual) or an Add — stepping over Casts. A pre-norm decoder joins
 * twice per layer (attention, MLP), so 2L joins follow the embedding. Names are never trusted: a
 * count that does not add up is refused with what was found.
 */
import { TapError } from './errors';
import { GraphIndex, type Use } from './graph';
import { findLmHead, hiddenSize, verifyFinalNorm } from './head';
import { ELEM, type OnnxModel, type OnnxNode } from './onnx';
import type { GraphStyle } from './types';

/** An optional output slot the tap gives a name so the kernel computes it. */
export interface SwitchOn {
  readonly node: OnnxNode;
  readonly slot: number;
  readonly name: string;
}

export interface TapPlan {
  readonly style: GraphStyle;
  readonly layers: number;
  readonly hiddenSize: number | null;
  /** R[0..L]. */
  readonly residual: readonly string[];
  /** H[L]. */
  readonly finalNorm: string;
  readonly switchOn: readonly SwitchOn[];
  /** Element type of each of R[0..L], H[L] (null where the graph does not say). */
  readonly elemTypes: ReadonlyArray<number | null>;
}

const SKIP_NORMS = new Set(['SkipLayerNormalization', 'SkipSimplifiedLayerNormalization']);
const ATTENTION_OPS = new Set(['GroupQueryAttention', 'Attention', 'MultiHeadAttention', 'PackedAttention', 'PackedMultiHeadAttention', 'SparseAttention', 'PagedAttention', 'DecoderMaskedMultiHeadAttention', 'DecoderMaskedSelfAttention']);
/** Embedding lookups and the input slot that takes the token ids. */
const EMBEDDING_IDS_SLOT: Readonly<Record<string, number>> = { Gather: 1, GatherBlockQuantized: 1, EmbedLayerNormalization: 0 };

export function planTap(model: OnnxModel, expectedLayers?: number): TapPlan {
  const g = new GraphIndex(model);
  const summary = () => opSummary(model);
  const switchOn: SwitchOn[] = [];
  const fresh = freshNames(g);

  const embedding = findEmbedding(g, summary);
  let r0 = embedding.outputs[0];
  if (embedding.opType === 'EmbedLayerNormalization') {
    // Output 2 is the embedding sum (word + position), before the fused first norm.
    r0 = embedding.outputs[2] ?? '';
    if (!r0) {
      r0 = fresh('cotk_tap/embedding_sum');
      switchOn.push({ node: embedding, slot: 2, name: r0 });
    }
  }

  const chain = [r0];
  const joiners: OnnxNode[] = [];
  let finalSkip: OnnxNode | null = null;
  for (let guard = 0; guard <= model.nodes.length; guard++) {
    const r = chain[chain.length - 1];
    const found = joinersOf(g, r);
    if (found.length === 0) break;
    if (found.length > 1) {
      throw new TapError(`the residual stream "${r}" feeds ${found.length} joins (${found.map((n) => `${n.opType} "${n.name}"`).join(', ')}) after ${joiners.length} joins; expected exactly one`);
    }
    const j = found[0];
    if (j.opType === 'Add') {
      // word + position embedding (GPT-2 export): the sum is R[0], not a layer.
      if (chain.length === 1 && isEmbeddingLookup(g, otherInput(g, j, r))) {
        chain[0] = j.outputs[0];
        continue;
      }
      joiners.push(j);
      chain.push(j.outputs[0]);
      continue;
    }
    joiners.push(j);
    if (j.outputs[3]) {
      chain.push(j.outputs[3]);
      continue;
    }
    // A Skip*Norm that does not expose its sum: the final norm. Naming output 3 makes the kernel write R[L].
    const name = fresh('cotk_tap/final_residual');
    switchOn.push({ node: j, slot: 3, name });
    chain.push(name);
    finalSkip = j;
    break;
  }

  const joins = chain.length - 1;
  const last = chain[chain.length - 1];
  const lastJoin = joiners.length ? `${joiners[joiners.length - 1].opType} "${joiners[joiners.length - 1].name}"` : 'none';
  const where = () => `the walk from the embedding "${r0}" made ${joins} residual joins and stopped at "${last}" (last join: ${lastJoin})`;
  if (joins === 0) {
    throw new TapError(`no residual connection or norm found after the embedding "${r0}" (its readers: ${g.consumersThroughCasts(r0).map((u) => u.node.opType).join(', ') || 'none'}); ops in the graph: ${summary()}`);
  }
  const layers = joins / 2;
  const expected = expectedLayers !== undefined ? `, expected ${expectedLayers} layers (${2 * expectedLayers} joins)` : '';
  if (!Number.isInteger(layers)) {
    throw new TapError(`found an odd number of residual joins (${joins}): a pre-norm decoder joins twice per layer${expected}; ${where()}`);
  }
  if (expectedLayers !== undefined && layers !== expectedLayers) {
    throw new TapError(`found ${layers} layers, expected ${expectedLayers}: ${where()}`);
  }
  // Cross-check with the attention blocks: fused attention ops must match one to one; a decomposed
  // graph's Softmax count must be a multiple (routers or other heads may add their own Softmax).
  const attention = model.nodes.filter((n) => ATTENTION_OPS.has(n.opType));
  const softmax = model.nodes.filter((n) => n.opType === 'Softmax').length;
  if (attention.length ? attention.length !== layers : softmax > 0 && softmax % layers !== 0) {
    const what = attention.length ? `${attention.length} ${attention[0].opType} nodes` : `${softmax} Softmax nodes`;
    throw new TapError(`found ${layers} layers on the residual stream but ${what}; ${where()}`);
  }

  const head = findLmHead(g, summary);
  const norm = verifyFinalNorm(g, last, head.hidden, finalSkip, () => `${where()}; ops in the graph: ${summary()}`);
  const residual = chain.filter((_, i) => i % 2 === 0);
  const typeOf = (t: string): number | null => {
    const s = switchOn.find((x) => x.name === t);
    if (!s) return g.elemType(t);
    // Skip*Norm output 3 and EmbedLayerNormalization output 2 have the type of the stream they sum.
    return g.elemType(s.node.inputs[s.slot === 2 ? 2 : 0]);
  };
  const style: GraphStyle =
    embedding.opType === 'EmbedLayerNormalization' || joiners.some((j) => j.opType === 'SkipLayerNormalization')
      ? 'ort-fused'
      : joiners.some((j) => j.opType === 'Add') ? 'decomposed' : 'builder';
  return {
    style,
    layers,
    hiddenSize: hiddenSize(g, norm.gamma, [...residual, head.hidden], embedding),
    residual,
    finalNorm: head.hidden,
    switchOn,
    elemTypes: [...residual, head.hidden].map(typeOf),
  };
}

/** The unique embedding lookup reading the token ids (through Casts). */
function findEmbedding(g: GraphIndex, summary: () => string): OnnxNode {
  const lookups = (input: string) =>
    g.consumersThroughCasts(input).filter((u: Use) => EMBEDDING_IDS_SLOT[u.node.opType] === u.slot);
  const ints = g.model.inputs.filter((i) => i.elemType === ELEM.INT64 || i.elemType === ELEM.INT32);
  const named = g.model.inputs.find((i) => i.name === 'input_ids');
  const candidates = named ? [named] : ints.filter((i) => lookups(i.name).length > 0 && !/position/i.test(i.name));
  if (candidates.length !== 1) {
    throw new TapError(`cannot tell which graph input holds the token ids: no "input_ids", and ${candidates.length} integer inputs feed an embedding lookup (${candidates.map((c) => c.name).join(', ') || 'none'}); inputs: ${g.model.inputs.map((i) => i.name).join(', ')}`);
  }
  const uses = lookups(candidates[0].name);
  if (uses.length !== 1) {
    const readers = g.consumersThroughCasts(candidates[0].name).map((u) => `${u.node.opType} "${u.node.name}"`);
    throw new TapError(`expected one embedding lookup (Gather, GatherBlockQuantized or EmbedLayerNormalization) reading "${candidates[0].name}", found ${uses.length} (its readers: ${readers.join(', ') || 'none'}); ops in the graph: ${summary()}`);
  }
  return uses[0].node;
}

/** Nodes that add something non-constant to `r`: the next step of the residual stream. */
function joinersOf(g: GraphIndex, r: string): OnnxNode[] {
  const out = new Set<OnnxNode>();
  for (const { node, slot } of g.consumersThroughCasts(r)) {
    const skip = SKIP_NORMS.has(node.opType) && (slot === 0 || slot === 1);
    const add = node.opType === 'Add' && node.inputs.length === 2;
    if (!skip && !add) continue;
    const other = node.inputs[1 - slot];
    if (other && !g.isConstant(other)) out.add(node);
  }
  return [...out];
}

function otherInput(g: GraphIndex, node: OnnxNode, r: string): string {
  const i = node.inputs.findIndex((x) => g.sameUpToCasts(x, r));
  return node.inputs[1 - i] ?? '';
}

function isEmbeddingLookup(g: GraphIndex, t: string): boolean {
  const p = t ? g.producer(g.beforeCasts(t)) : undefined;
  return !!p && (p.node.opType === 'Gather' || p.node.opType === 'GatherBlockQuantized') && !g.isConstant(p.node.inputs[1] ?? '');
}

/** New tensor names that collide with nothing in the graph or with each other. */
export function freshNames(g: GraphIndex): (base: string) => string {
  const used = new Set<string>();
  return (base) => {
    let name = base;
    for (let i = 1; g.has(name) || used.has(name); i++) name = `${base}_${i}`;
    used.add(name);
    return name;
  };
}

/** "Gather×2, MatMul×41, …": what the graph is made of, for messages. */
export function opSummary(model: OnnxModel): string {
  const counts = new Map<string, number>();
  for (const n of model.nodes) counts.set(n.opType, (counts.get(n.opType) ?? 0) + 1);
  return [...counts].map(([op, n]) => `${op}×${n}`).join(', ') || 'no nodes';
}
