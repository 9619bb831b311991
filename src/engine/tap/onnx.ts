/**
 * A read-only view of an ONNX ModelProto that decodes only what the tap needs: the opset, the
 * graph's nodes, inputs, outputs, value_info, and each initializer's name, type and dims (its data
 * is skipped by length). Field numbers are from onnx.proto3 (IR version 10).
 */
import { type Field, WIRE_LEN, WIRE_VARINT, WireError, Writer, fields, readInts, readString } from './wire';

/** TensorProto.DataType values the tap looks at. */
export const ELEM = { FLOAT: 1, INT32: 6, INT64: 7, FLOAT16: 10, DOUBLE: 11, BFLOAT16: 16 } as const;

export interface OnnxNode {
  readonly index: number;
  /** The node field's span in the model buffer, copied as is unless the node changes. */
  readonly field: Field;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  /** Integer attributes by name (Cast's `to`, Concat's `axis`…); other kinds are not decoded. */
  readonly ints: ReadonlyMap<string, number>;
}

export interface OnnxInitializer {
  readonly name: string;
  readonly dataType: number;
  readonly dims: readonly number[];
  readonly field: Field;
}

export interface OnnxValueInfo {
  readonly name: string;
  readonly elemType: number | null;
  /** Dims as numbers (fixed), strings (symbolic) or null (unknown); null when there is no shape. */
  readonly dims: ReadonlyArray<number | string | null> | null;
}

export interface OnnxModel {
  readonly buf: Uint8Array;
  readonly irVersion: number;
  /** Opset version by domain ('' is the default ONNX domain). */
  readonly opsets: ReadonlyMap<string, number>;
  /** The graph field (7) of the ModelProto. */
  readonly graph: Field;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: ReadonlyMap<string, OnnxInitializer>;
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  readonly valueInfo: ReadonlyMap<string, OnnxValueInfo>;
}

/** Parses the ModelProto envelope and its main graph. Throws WireError on malformed bytes. */
export function parseModel(buf: Uint8Array): OnnxModel {
  let irVersion = -1;
  let graph: Field | null = null;
  const opsets = new Map<string, number>();
  for (const f of fields(buf, 0, buf.length)) {
    if (f.num === 1 && f.wire === WIRE_VARINT) irVersion = f.value;
    else if (f.num === 8 && f.wire === WIRE_LEN) {
      let domain = '';
      let version = 0;
      for (const g of fields(buf, f.valueStart, f.end)) {
        if (g.num === 1 && g.wire === WIRE_LEN) domain = readString(buf, g);
        else if (g.num === 2 && g.wire === WIRE_VARINT) version = g.value;
      }
      opsets.set(domain === 'ai.onnx' ? '' : domain, version);
    } else if (f.num === 7) {
      if (f.wire !== WIRE_LEN) throw new WireError(f.start, 'field 7 (graph) is not a message');
      if (graph) throw new WireError(f.start, 'a second graph field (7)');
      graph = f;
    }
  }
  if (!graph) throw new WireError(buf.length, `no graph (ModelProto field 7) in ${buf.length} bytes`);
  if (irVersion < 1) throw new WireError(0, 'no ir_version (ModelProto field 1)');
  const nodes: OnnxNode[] = [];
  const initializers = new Map<string, OnnxInitializer>();
  const inputs: OnnxValueInfo[] = [];
  const outputs: OnnxValueInfo[] = [];
  const valueInfo = new Map<string, OnnxValueInfo>();
  for (const f of fields(buf, graph.valueStart, graph.end)) {
    if (f.wire !== WIRE_LEN) continue;
    if (f.num === 1) nodes.push(parseNode(buf, f, nodes.length));
    else if (f.num === 5) {
      const t = parseTensorHeader(buf, f);
      initializers.set(t.name, t);
    } else if (f.num === 11) inputs.push(parseValueInfo(buf, f));
    else if (f.num === 12) outputs.push(parseValueInfo(buf, f));
    else if (f.num === 13) {
      const v = parseValueInfo(buf, f);
      valueInfo.set(v.name, v);
    }
  }
  return { buf, irVersion, opsets, graph, nodes, initializers, inputs, outputs, valueInfo };
}

function parseNode(buf: Uint8Array, field: Field, index: number): OnnxNode {
  const inputs: string[] = [];
  const outputs: string[] = [];
  const ints = new Map<string, number>();
  let name = '';
  let opType = '';
  let domain = '';
  for (const f of fields(buf, field.valueStart, field.end)) {
    if (f.wire !== WIRE_LEN) continue;
    if (f.num === 1) inputs.push(readString(buf, f));
    else if (f.num === 2) outputs.push(readString(buf, f));
    else if (f.num === 3) name = readString(buf, f);
    else if (f.num === 4) opType = readString(buf, f);
    else if (f.num === 7) domain = readString(buf, f);
    else if (f.num === 5) {
      // AttributeProto: name 1, i 3. Only integer attributes matter to the walk.
      let attrName = '';
      let value: number | null = null;
      for (const a of fields(buf, f.valueStart, f.end)) {
        if (a.num === 1 && a.wire === WIRE_LEN) attrName = readString(buf, a);
        else if (a.num === 3 && a.wire === WIRE_VARINT) value = readInts(buf, a)[0];
      }
      if (value !== null) ints.set(attrName, value);
    }
  }
  return { index, field, inputs, outputs, name, opType, domain: domain === 'ai.onnx' ? '' : domain, ints };
}

/** TensorProto: dims 1, data_type 2, name 8; raw_data (9), external_data (13) and the rest are skipped. */
function parseTensorHeader(buf: Uint8Array, field: Field): OnnxInitializer {
  const dims: number[] = [];
  let dataType = 0;
  let name = '';
  for (const f of fields(buf, field.valueStart, field.end)) {
    if (f.num === 1) dims.push(...readInts(buf, f));
    else if (f.num === 2 && f.wire === WIRE_VARINT) dataType = f.value;
    else if (f.num === 8 && f.wire === WIRE_LEN) name = readString(buf, f);
  }
  return { name, dataType, dims, field };
}

/** ValueInfoProto: name 1, type 2 → TypeProto.tensor_type 1 → elem_type 1, shape 2 → dim 1 → dim_value 1 | dim_param 2. */
function parseValueInfo(buf: Uint8Array, field: Field): OnnxValueInfo {
  let name = '';
  let elemType: number | null = null;
  let dims: Array<number | string | null> | null = null;
  for (const f of fields(buf, field.valueStart, field.end)) {
    if (f.num === 1 && f.wire === WIRE_LEN) name = readString(buf, f);
    if (f.num !== 2 || f.wire !== WIRE_LEN) continue;
    for (const t of fields(buf, f.valueStart, f.end)) {
      if (t.num !== 1 || t.wire !== WIRE_LEN) continue;
      for (const tt of fields(buf, t.valueStart, t.end)) {
        if (tt.num === 1 && tt.wire === WIRE_VARINT) elemType = tt.value;
        if (tt.num !== 2 || tt.wire !== WIRE_LEN) continue;
        dims = [];
        for (const d of fields(buf, tt.valueStart, tt.end)) {
          if (d.num !== 1 || d.wire !== WIRE_LEN) continue;
          let dim: number | string | null = null;
          for (const v of fields(buf, d.valueStart, d.end)) {
            if (v.num === 1 && v.wire === WIRE_VARINT) dim = v.value;
            else if (v.num === 2 && v.wire === WIRE_LEN) dim = readString(buf, v);
          }
          dims.push(dim);
        }
      }
    }
  }
  return { name, elemType, dims };
}

/** A new NodeProto: inputs 1, outputs 2, name 3, op_type 4, attribute 5 (ints only), domain 7. */
export function encodeNode(n: { inputs: readonly string[]; outputs: readonly string[]; name: string; opType: string; ints?: Record<string, number>; intLists?: Record<string, readonly number[]> }): Writer {
  const w = new Writer();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.opType);
  // AttributeProto: name 1, i 3, ints 8, type 20 (INT = 2, INTS = 7).
  for (const [k, v] of Object.entries(n.ints ?? {})) w.message(5, new Writer().string(1, k).int(3, v).int(20, 2));
  for (const [k, vs] of Object.entries(n.intLists ?? {})) {
    const a = new Writer().string(1, k);
    for (const v of vs) a.int(8, v);
    w.message(5, a.int(20, 7));
  }
  return w;
}

/** A small int64 initializer (dims 1, data_type 2, int64_data 7, name 8). */
export function encodeInt64Tensor(name: string, values: readonly number[]): Writer {
  const w = new Writer().int(1, values.length).int(2, ELEM.INT64);
  for (const v of values) w.int(7, v);
  return w.string(8, name);
}

/** ValueInfoProto for a tensor output with the given element type and dims (numbers fixed, strings symbolic). */
export function encodeValueInfo(name: string, elemType: number, dims: ReadonlyArray<number | string>): Writer {
  const shape = new Writer();
  for (const d of dims) shape.message(1, typeof d === 'number' ? new Writer().int(1, d) : new Writer().string(2, d));
  const tensor = new Writer().int(1, elemType).message(2, shape);
  return new Writer().string(1, name).message(2, new Writer().message(1, tensor));
}
