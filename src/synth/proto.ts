import { ELEM } from '../engine/tap/onnx';
import { Writer } from '../engine/tap/wire';

/**
 * The few ONNX messages a synth graph needs, encoded with the tap's protobuf Writer (field numbers
 * from onnx.proto3). Weights never pass through here: initializers point into external data.
 */
export const UINT8 = 2;
export { ELEM };

export type Attr = number | { f: number } | readonly number[] | { tensor: Writer };

/** AttributeProto: name 1, f 2, i 3, t 5, ints 8, type 20 (FLOAT 1, INT 2, TENSOR 4, INTS 7). */
function attribute(name: string, v: Attr): Writer {
  const a = new Writer().string(1, name);
  if (typeof v === 'number') return a.int(3, v).int(20, 2);
  if (Array.isArray(v)) {
    for (const x of v as readonly number[]) a.int(8, x);
    return a.int(20, 7);
  }
  if ('f' in (v as object)) {
    return a.float(2, (v as { f: number }).f).int(20, 1);
  }
  return a.message(5, (v as { tensor: Writer }).tensor).int(20, 4);
}

/** NodeProto: input 1, output 2, name 3, op_type 4, attribute 5, domain 7. */
export function node(opType: string, name: string, inputs: readonly string[], outputs: readonly string[], attrs: Record<string, Attr> = {}, domain = ''): Writer {
  const w = new Writer();
  for (const i of inputs) w.string(1, i);
  for (const o of outputs) w.string(2, o);
  w.string(3, name).string(4, opType);
  for (const [k, v] of Object.entries(attrs)) w.message(5, attribute(k, v));
  if (domain) w.string(7, domain);
  return w;
}

/** A small int64 TensorProto for Constant nodes: dims 1, data_type 2, int64_data 7. Scalar when `dims` is []. */
export function int64Tensor(values: readonly number[], dims: readonly number[]): Writer {
  const w = new Writer();
  for (const d of dims) w.int(1, d);
  w.int(2, ELEM.INT64);
  for (const v of values) w.int(7, v);
  return w;
}

/** TensorProto with external data: dims 1, data_type 2, name 8, external_data 13, data_location 14 (EXTERNAL = 1). */
export function externalTensor(name: string, dataType: number, dims: readonly number[], location: string, offset: number, length: number): Writer {
  const w = new Writer();
  for (const d of dims) w.int(1, d);
  w.int(2, dataType).string(8, name);
  for (const [k, v] of [['location', location], ['offset', String(offset)], ['length', String(length)]]) {
    w.message(13, new Writer().string(1, k).string(2, v));
  }
  return w.int(14, 1);
}
