import { CorruptModelError, ModelConfigError } from '../errors';
import { parseModel, type OnnxModel } from '../tap/onnx';
import { planTap } from '../tap/walk';
import type { ModelConfig } from './types';

/**
 * A cheap structural check of an ONNX file before any runtime sees it. ORT's own message for a
 * truncated model ("protobuf parsing failed") names no file and no reason; this walk names both,
 * and lists the external-data ranges the initializers need so a short `.data` file is caught too.
 * Weights are skipped by length, never decoded, so it costs a few milliseconds even at 1.4 GB.
 */
export interface ExternalRef {
  readonly tensor: string;
  readonly location: string;
  readonly offset: number;
  /** -1 when the file says "to the end". */
  readonly length: number;
}

interface Field {
  readonly num: number;
  readonly wire: number;
  readonly start: number;
  readonly end: number;
}

class Truncated extends Error {}

function varint(b: Uint8Array, pos: number, end: number): [number, number] {
  let v = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new Truncated(`a number at byte ${pos} runs past the end of its message`);
    const x = b[pos++];
    v += (x & 0x7f) * scale;
    if (x < 0x80) return [v, pos];
    scale *= 128;
  }
  throw new Truncated(`a number at byte ${pos} is longer than 10 bytes`);
}

function fieldsOf(b: Uint8Array, start: number, end: number): Field[] {
  const out: Field[] = [];
  let pos = start;
  while (pos < end) {
    const at = pos;
    const [tag, p] = varint(b, pos, end);
    const num = Math.floor(tag / 8);
    const wire = tag % 8;
    if (num === 0) throw new Truncated(`field number 0 at byte ${at}`);
    pos = p;
    let valueStart = pos;
    if (wire === 0) [, pos] = varint(b, pos, end);
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const [len, q] = varint(b, pos, end);
      valueStart = q;
      pos = q + len;
    } else throw new Truncated(`unknown wire type ${wire} at byte ${at}`);
    if (pos > end) throw new Truncated(`field ${num} at byte ${at} needs ${pos - end} bytes more than its message holds`);
    out.push({ num, wire, start: valueStart, end: pos });
  }
  return out;
}

const utf8 = new TextDecoder();

function externalRef(b: Uint8Array, t: Field): ExternalRef | null {
  let name = '';
  let external = false;
  const kv = new Map<string, string>();
  for (const f of fieldsOf(b, t.start, t.end)) {
    if (f.num === 8 && f.wire === 2) name = utf8.decode(b.subarray(f.start, f.end));
    else if (f.num === 14 && f.wire === 0) external = varint(b, f.start, f.end)[0] === 1;
    else if (f.num === 13 && f.wire === 2) {
      let k = '';
      let v = '';
      for (const e of fieldsOf(b, f.start, f.end)) {
        if (e.num === 1) k = utf8.decode(b.subarray(e.start, e.end));
        else if (e.num === 2) v = utf8.decode(b.subarray(e.start, e.end));
      }
      kv.set(k, v);
    }
  }
  if (!external || !kv.has('location')) return null;
  return {
    tensor: name,
    location: kv.get('location') as string,
    offset: Number(kv.get('offset') ?? 0),
    length: kv.has('length') ? Number(kv.get('length')) : -1,
  };
}

/** Walks ModelProto → GraphProto → initializers; throws {@link CorruptModelError} naming `file`. */
export function checkOnnx(file: string, bytes: Uint8Array): ExternalRef[] {
  try {
    const top = fieldsOf(bytes, 0, bytes.length);
    const graph = top.find((f) => f.num === 7 && f.wire === 2);
    if (!top.some((f) => f.num === 1 && f.wire === 0) || !graph) {
      throw new Truncated(bytes.length === 0 ? 'the file is empty' : 'no ir_version or graph: this is not an ONNX model');
    }
    const refs: ExternalRef[] = [];
    for (const f of fieldsOf(bytes, graph.start, graph.end)) {
      if (f.num === 5 && f.wire === 2) {
        const r = externalRef(bytes, f);
        if (r) refs.push(r);
      }
    }
    return refs;
  } catch (e) {
    if (e instanceof Truncated) throw new CorruptModelError(file, e.message);
    throw e;
  }
}

/** The byte length each external file must at least have, from the initializers that point into it. */
export function requiredSizes(refs: readonly ExternalRef[]): Map<string, number> {
  const need = new Map<string, number>();
  for (const r of refs) need.set(r.location, Math.max(need.get(r.location) ?? 0, r.offset + Math.max(0, r.length)));
  return need;
}

/**
 * What the graph itself says about the architecture, read from its structure (the tap's walk), its
 * initializer shapes and its attention attributes; a field is null where this graph does not state it.
 */
export interface GraphFacts {
  readonly layers: number | null;
  readonly hiddenSize: number | null;
  readonly numHeads: number | null;
  readonly numKvHeads: number | null;
  /** Rows of the embedding table (or the LM head's outputs). */
  readonly vocabSize: number | null;
  /** Positions the rotary cache (GroupQueryAttention's cos_cache) holds. */
  readonly rotaryPositions: number | null;
}

const NO_FACTS: GraphFacts = { layers: null, hiddenSize: null, numHeads: null, numKvHeads: null, vocabSize: null, rotaryPositions: null };

/** Reads {@link GraphFacts}; a graph the walk cannot read gives no facts (the tap then says why, at session time). */
export function graphFacts(graph: Uint8Array): GraphFacts {
  let model: OnnxModel;
  try {
    model = parseModel(graph);
  } catch {
    return NO_FACTS;
  }
  let layers: number | null = null;
  let hidden: number | null = null;
  try {
    const plan = planTap(model);
    layers = plan.layers;
    hidden = plan.hiddenSize;
  } catch {
    // not tappable: the session's tap reports it with the walk's own sentence
  }
  const dim = (tensor: string | undefined, axis: number): number | null => {
    const d = tensor ? model.initializers.get(tensor)?.dims[axis] : undefined;
    return typeof d === 'number' && d > 0 ? d : null;
  };
  const gqa = model.nodes.filter((n) => n.opType === 'GroupQueryAttention');
  const attr = (name: string): number | null => {
    const vs = new Set(gqa.map((n) => n.ints.get(name)).filter((v): v is number => v !== undefined));
    return vs.size === 1 ? [...vs][0] : null;
  };
  const ids = model.inputs.find((i) => i.name === 'input_ids')?.name;
  const lookup = ids ? model.nodes.find((n) => (n.opType === 'Gather' || n.opType === 'GatherBlockQuantized') && n.inputs[1] === ids) : undefined;
  let vocab = lookup ? dim(lookup.inputs[0], 0) : null;
  if (vocab === null) {
    const head = model.nodes.find((n) => n.outputs.includes('logits'));
    vocab = head?.opType === 'MatMulNBits' ? (head.ints.get('N') ?? null) : head?.opType === 'MatMul' ? dim(head.inputs[1], 1) : null;
  }
  return {
    layers,
    hiddenSize: hidden,
    numHeads: attr('num_heads'),
    numKvHeads: attr('kv_num_heads'),
    vocabSize: vocab,
    rotaryPositions: gqa.length ? dim(gqa[0].inputs[7], 0) : null,
  };
}

/**
 * Refuses a config that contradicts its graph (a hand-edited or mismatched config.json would load
 * and score with wrong numbers): every value both state must agree. Throws {@link ModelConfigError}
 * naming the field and both values.
 */
export function checkConfigAgainstGraph(configFile: string, config: ModelConfig, graph: Uint8Array, graphFile: string): void {
  const facts = graphFacts(graph);
  const checks: Array<[string, number, number | null, string]> = [
    ['num_hidden_layers', config.layers, facts.layers, 'layers'],
    ['hidden_size', config.hiddenSize, facts.hiddenSize, 'hidden size'],
    ['num_attention_heads', config.numHeads, facts.numHeads, 'attention heads (GroupQueryAttention num_heads)'],
    ['num_key_value_heads', config.numKvHeads, facts.numKvHeads, 'key/value heads (GroupQueryAttention kv_num_heads)'],
    ['vocab_size', config.vocabSize, facts.vocabSize, 'vocabulary (rows of its embedding table)'],
  ];
  for (const [field, said, found, what] of checks) {
    if (found !== null && said !== found) throw new ModelConfigError(configFile, `${field} is ${said}, but ${graphFile} has ${found} ${what}`);
  }
  if (facts.rotaryPositions !== null && config.contextLength > facts.rotaryPositions) {
    throw new ModelConfigError(
      configFile,
      `the context length is ${config.contextLength}, but ${graphFile} has rotary positions (cos_cache) for ${facts.rotaryPositions} only; a longer sequence cannot run`,
    );
  }
}

/**
 * Checks tokenizer.json against the model: a non-empty vocabulary whose every id (and every added
 * token's id) is inside the embedding table. Throws {@link ModelConfigError} naming the file.
 */
export function checkTokenizer(file: string, tokenizerJson: object, vocabSize: number): void {
  const t = tokenizerJson as { model?: { vocab?: unknown }; added_tokens?: unknown };
  const vocab = t.model?.vocab;
  const ids: number[] = [];
  if (Array.isArray(vocab)) vocab.forEach((_, i) => ids.push(i)); // Unigram: [piece, score] pairs, id = index
  else if (typeof vocab === 'object' && vocab !== null) for (const v of Object.values(vocab)) if (typeof v === 'number') ids.push(v);
  if (ids.length === 0) throw new ModelConfigError(file, 'the vocabulary (model.vocab) is empty: the tokenizer cannot turn text into tokens');
  if (Array.isArray(t.added_tokens)) for (const a of t.added_tokens as { id?: unknown }[]) if (typeof a?.id === 'number') ids.push(a.id);
  let max = -1;
  for (const id of ids) if (id > max) max = id;
  if (max >= vocabSize) {
    throw new ModelConfigError(file, `it has token id ${max}, but the model's vocabulary (vocab_size, the embedding's rows) is ${vocabSize}: this tokenizer belongs to another model`);
  }
}
