/**
 * Builds small ONNX models and edits fixture models for the tap's error tests, with the tap's own
 * wire writer (no protobuf library in the project).
 */
import { type OnnxNode, encodeNode, encodeValueInfo, parseModel } from '../../../../src/engine/tap/onnx';
import { nodeWithOutputs, rewriteGraph } from '../../../../src/engine/tap/splice';
import { Writer } from '../../../../src/engine/tap/wire';

export interface SynthNode {
  op: string;
  inputs: string[];
  outputs: string[];
}

/** A float32 initializer of the given dims filled with small deterministic values. */
function initializer(name: string, dims: number[]): Writer {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n).map((_, i) => ((i * 7919) % 13) / 13 - 0.5);
  const w = new Writer();
  for (const d of dims) w.int(1, d);
  return w.int(2, 1).string(8, name).bytes(9, new Uint8Array(data.buffer));
}

/** ModelProto (ir 8, opset 17) with int64 input_ids [1, seq], float32 logits, the given nodes and weights. */
export function synthModel(nodes: SynthNode[], weights: Record<string, number[]>): Uint8Array {
  const graph = new Writer();
  nodes.forEach((n, i) => graph.message(1, encodeNode({ inputs: n.inputs, outputs: n.outputs, name: `n${i}_${n.op}`, opType: n.op })));
  graph.string(2, 'synthetic');
  for (const [name, dims] of Object.entries(weights)) graph.message(5, initializer(name, dims));
  graph.message(11, encodeValueInfo('input_ids', 7, ['batch', 'seq']));
  graph.message(12, encodeValueInfo('logits', 1, ['batch', 'seq', 10]));
  const opset = new Writer().string(1, '').int(2, 17);
  return new Writer().int(1, 8).string(2, 'cotk-test').message(7, graph).message(8, opset).finish();
}

/** The fixture model with one node's output renamed (its readers keep the old name, so the stream breaks there). */
export function renameOutput(bytes: Uint8Array, nodeName: string, slot: number, newName: string): Uint8Array {
  const m = parseModel(bytes);
  const node = m.nodes.find((n) => n.name === nodeName);
  if (!node) throw new Error(`no node ${nodeName}`);
  const outputs = [...node.outputs];
  outputs[slot] = newName;
  return rewriteGraph(m, new Map<OnnxNode, Uint8Array>([[node, nodeWithOutputs(m, node, outputs)]]), new Uint8Array(0));
}

/** Deterministic pseudo-random bytes (xorshift32), so a failure reproduces. */
export function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
