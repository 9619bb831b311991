/**
 * Writes the tapped model in one pass into one new buffer: every byte outside the changed nodes is
 * copied once from the original (weights included, never decoded; external-data references are
 * ordinary initializer bytes and stay as they are), changed nodes are re-encoded, and the new nodes
 * and the new graph output are appended at the end of the GraphProto (protobuf merges repeated
 * fields in order, and ORT sorts nodes itself, so appended nodes need no re-sort).
 */
import type { OnnxModel, OnnxNode } from './onnx';
import { WIRE_LEN, Writer, fields } from './wire';

/** The node's field (tag, length, payload) with its outputs replaced; other fields are copied as they are. */
export function nodeWithOutputs(model: OnnxModel, node: OnnxNode, outputs: readonly string[]): Uint8Array {
  const { buf } = model;
  const kept: Uint8Array[] = [];
  let outputsAt = -1;
  for (const f of fields(buf, node.field.valueStart, node.field.end)) {
    if (f.num === 2 && f.wire === WIRE_LEN) {
      if (outputsAt < 0) outputsAt = kept.length;
      continue;
    }
    kept.push(buf.subarray(f.start, f.end));
  }
  const outs = new Writer();
  for (const o of outputs) outs.string(2, o);
  // Outputs go where the old ones were, so a re-encoded node reads the same as the original.
  kept.splice(outputsAt < 0 ? kept.length : outputsAt, 0, outs.finish());
  const payloadLength = kept.reduce((n, p) => n + p.length, 0);
  const header = new Writer().tag(1, WIRE_LEN).varint(payloadLength).finish();
  return concat([header, ...kept]);
}

/**
 * A new model: the original bytes with `replace` (node → its new encoded field) swapped in and
 * `append` (encoded GraphProto fields) added at the end of the graph.
 */
export function rewriteGraph(model: OnnxModel, replace: ReadonlyMap<OnnxNode, Uint8Array>, append: Uint8Array): Uint8Array {
  const { buf, graph } = model;
  const pieces: Array<Uint8Array> = [];
  let cursor = graph.valueStart;
  const changed = [...replace.keys()].sort((a, b) => a.field.start - b.field.start);
  for (const node of changed) {
    pieces.push(buf.subarray(cursor, node.field.start), replace.get(node) as Uint8Array);
    cursor = node.field.end;
  }
  pieces.push(buf.subarray(cursor, graph.end), append);
  const graphLength = pieces.reduce((n, p) => n + p.length, 0);
  const header = new Writer().tag(7, WIRE_LEN).varint(graphLength).finish();
  return concat([buf.subarray(0, graph.start), header, ...pieces, buf.subarray(graph.end)]);
}

/** One allocation, one copy of each piece (subarrays are views, so the weights move exactly once). */
export function concat(pieces: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
