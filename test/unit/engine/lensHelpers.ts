/**
 * For the logit-lens tests: read a decoder's read-out weights straight from its ONNX bytes (an
 * initializer's data by name, inline or in external data), and build small synthetic "decoders"
 * (a norm and an LM head) from golden weights, with the tap's own wire writer.
 */
import type { LensHead } from '../../../src/core/scores/logitLens';
import { ELEM, encodeNode, encodeValueInfo, parseModel, type OnnxModel } from '../../../src/engine/tap/onnx';
import { WIRE_I32, WIRE_LEN, Writer, fields, readString } from '../../../src/engine/tap/wire';

/** A float32 initializer's values by name: raw_data, float_data, or external_data (location/offset/length). */
export function readFloatInitializer(m: OnnxModel, name: string, external: ReadonlyMap<string, Uint8Array>): Float32Array {
  const init = m.initializers.get(name);
  if (!init) throw new Error(`no initializer "${name}"`);
  if (init.dataType !== ELEM.FLOAT) throw new Error(`initializer "${name}" has data type ${init.dataType}, not float32`);
  const count = init.dims.reduce((a, b) => a * b, 1);
  const { buf } = m;
  const ext = new Map<string, string>();
  let raw: Uint8Array | null = null;
  const floats: number[] = [];
  for (const f of fields(buf, init.field.valueStart, init.field.end)) {
    if (f.num === 9 && f.wire === WIRE_LEN) raw = buf.subarray(f.valueStart, f.end);
    else if (f.num === 4 && f.wire === WIRE_LEN) floats.push(...new Float32Array(buf.slice(f.valueStart, f.end).buffer));
    else if (f.num === 13 && f.wire === WIRE_LEN) {
      let k = '';
      let v = '';
      for (const e of fields(buf, f.valueStart, f.end)) {
        if (e.num === 1) k = readString(buf, e);
        else if (e.num === 2) v = readString(buf, e);
      }
      ext.set(k, v);
    }
  }
  if (ext.size) {
    const file = external.get(ext.get('location') ?? '');
    if (!file) throw new Error(`initializer "${name}" lives in "${ext.get('location')}", which was not given`);
    const offset = Number(ext.get('offset') ?? 0);
    const length = Number(ext.get('length') ?? count * 4);
    raw = file.subarray(offset, offset + length);
  }
  if (raw) {
    if (raw.length !== count * 4) throw new Error(`initializer "${name}": ${raw.length} bytes for ${count} floats`);
    return new Float32Array(raw.slice().buffer);
  }
  if (floats.length === count) return Float32Array.from(floats);
  throw new Error(`initializer "${name}" has no data the helper can read`);
}

/** A float attribute (AttributeProto.f, field 2) of a node, by name. */
export function floatAttribute(m: OnnxModel, nodeName: string, attr: string): number | null {
  const node = m.nodes.find((n) => n.name === nodeName);
  if (!node) throw new Error(`no node "${nodeName}"`);
  for (const f of fields(m.buf, node.field.valueStart, node.field.end)) {
    if (f.num !== 5 || f.wire !== WIRE_LEN) continue;
    let name = '';
    let value: number | null = null;
    for (const a of fields(m.buf, f.valueStart, f.end)) {
      if (a.num === 1 && a.wire === WIRE_LEN) name = readString(m.buf, a);
      else if (a.num === 2 && a.wire === WIRE_I32) value = new DataView(m.buf.buffer, m.buf.byteOffset + a.valueStart, 4).getFloat32(0, true);
    }
    if (name === attr) return value;
  }
  return null;
}

/**
 * The float64 reference head of a builder graph (final SkipSimplifiedLayerNormalization + MatMul LM
 * head), read from its initializers: norm weight, epsilon, and the head transposed to [vocab][dim].
 */
export function referenceHead(graph: Uint8Array, external: ReadonlyMap<string, Uint8Array>, normNode: string, normWeight: string, lmHead: string): LensHead {
  const m = parseModel(graph);
  const w = readFloatInitializer(m, normWeight, external);
  const head = readFloatInitializer(m, lmHead, external);
  const [dim, vocab] = m.initializers.get(lmHead)!.dims;
  const t = new Float64Array(vocab * dim);
  for (let i = 0; i < dim; i++) for (let v = 0; v < vocab; v++) t[v * dim + i] = head[i * vocab + v];
  const eps = floatAttribute(m, normNode, 'epsilon');
  if (eps === null) throw new Error(`no epsilon on ${normNode}`);
  return { normWeight: Float64Array.from(w), normEps: eps, lmHead: t, dim, vocab };
}

function floatTensor(name: string, dims: number[], values: ArrayLike<number>): Writer {
  const w = new Writer();
  for (const d of dims) w.int(1, d);
  return w.int(2, ELEM.FLOAT).string(8, name).bytes(9, new Uint8Array(Float32Array.from(values).buffer));
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A node with a float attribute (the wire writer has no fixed32, so the attribute is spliced in as bytes). */
function nodeWithFloat(n: { inputs: string[]; outputs: string[]; name: string; opType: string }, attr: string, value: number): Writer {
  const f = new Uint8Array(5);
  f[0] = (2 << 3) | WIRE_I32;
  new DataView(f.buffer).setFloat32(1, value, true);
  const a = concat([new Writer().string(1, attr).finish(), f, new Writer().int(20, 1).finish()]);
  return encodeNode(n).bytes(5, a);
}

/**
 * A minimal "decoder read-out": input x [batch, seq, dim] → `norm` (SimplifiedLayerNormalization
 * with epsilon; a Relu or a lone Mul where no norm should be found) → MatMul with the head [dim][vocab] →
 * (optional extra op) → logits. Opset 17, IR 8.
 */
export function synthReadout(o: { dim: number; vocab: number; normWeight: ArrayLike<number>; normEps: number; lmHead: ArrayLike<number> /* [vocab][dim] */; norm?: 'rms' | 'relu' | 'mul'; after?: string }): Uint8Array {
  const { dim, vocab } = o;
  const wt = new Float32Array(dim * vocab);
  for (let v = 0; v < vocab; v++) for (let i = 0; i < dim; i++) wt[i * vocab + v] = o.lmHead[v * dim + i];
  const g = new Writer();
  if ((o.norm ?? 'rms') === 'rms') g.message(1, nodeWithFloat({ inputs: ['x', 'norm.weight'], outputs: ['h'], name: 'final_norm', opType: 'SimplifiedLayerNormalization' }, 'epsilon', o.normEps));
  else if (o.norm === 'mul') g.message(1, encodeNode({ inputs: ['x', 'norm.weight'], outputs: ['h'], name: 'final_scale', opType: 'Mul' }));
  else g.message(1, encodeNode({ inputs: ['x'], outputs: ['h'], name: 'final_relu', opType: 'Relu' }));
  g.message(1, encodeNode({ inputs: ['h', 'lm_head.weight'], outputs: [o.after ? 'z' : 'logits'], name: 'lm_head', opType: 'MatMul' }));
  if (o.after) g.message(1, encodeNode({ inputs: ['z'], outputs: ['logits'], name: 'after_head', opType: o.after }));
  g.string(2, 'synthetic-readout');
  g.message(5, floatTensor('norm.weight', [dim], o.normWeight));
  g.message(5, floatTensor('lm_head.weight', [dim, vocab], wt));
  g.message(11, encodeValueInfo('x', ELEM.FLOAT, ['batch', 'seq', dim]));
  g.message(12, encodeValueInfo('logits', ELEM.FLOAT, ['batch', 'seq', vocab]));
  const opset = new Writer().string(1, '').int(2, 17);
  return new Writer().int(1, 8).string(2, 'cotk-test').message(7, g).message(8, opset).finish();
}

/** log_softmax(row)[target] in float64. */
export function logSoftmaxAt(row: ArrayLike<number>, offset: number, vocab: number, target: number): number {
  let mx = -Infinity;
  for (let j = 0; j < vocab; j++) mx = Math.max(mx, row[offset + j]);
  let s = 0;
  for (let j = 0; j < vocab; j++) s += Math.exp(row[offset + j] - mx);
  return row[offset + target] - mx - Math.log(s);
}

/** Ids of a row's k largest values, largest first (ties by lower id). */
export function topIds(row: ArrayLike<number>, offset: number, vocab: number, k: number): number[] {
  const ids = Array.from({ length: vocab }, (_, i) => i);
  ids.sort((a, b) => row[offset + b] - row[offset + a] || a - b);
  return ids.slice(0, k);
}
