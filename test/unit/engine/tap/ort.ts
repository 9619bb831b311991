/**
 * Runs fixture graphs on onnxruntime-node (CPU) for the tap tests: one prefill over a token
 * sequence with an empty KV cache, inputs built from the session's own input metadata.
 */
import { dirname } from 'node:path';
import * as ort from 'onnxruntime-node';
import { sharedPath } from '../../../paths';
import type { Fixture } from './fixtures';

/** A session on model bytes; external data (model.onnx.data) is read from the fixture's folder, which stays read-only. */
export function createSession(f: Fixture, bytes: Uint8Array): Promise<ort.InferenceSession> {
  const options = { extra: { session: { model_external_initializers_file_folder_path: dirname(sharedPath('fixtures', f.file)) } } };
  return ort.InferenceSession.create(bytes, { logSeverityLevel: 4, ...options } as ort.InferenceSession.SessionOptions);
}

/** What the feed builder needs from a session (onnxruntime-node and onnxruntime-web alike). */
export interface InputMeta {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
}
type MakeTensor<T> = (type: 'int32' | 'int64' | 'float32' | 'float16', data: Int32Array | BigInt64Array | Float32Array | Uint16Array, dims: number[]) => T;

/** Feeds for one prefill over `ids` with an empty KV cache, typed from the session's input metadata. */
export function prefillFeeds<T>(inputs: readonly InputMeta[], f: Fixture, ids: readonly number[], make: MakeTensor<T>): Record<string, T> {
  const feeds: Record<string, T> = {};
  const n = ids.length;
  for (const meta of inputs) {
    const { name } = meta;
    const int = (values: number[]) => (meta.type === 'int32' ? make('int32', Int32Array.from(values), [1, n]) : make('int64', BigInt64Array.from(values.map(BigInt)), [1, n]));
    if (name === 'input_ids') feeds[name] = int([...ids]);
    else if (name === 'attention_mask') feeds[name] = int(new Array(n).fill(1));
    else if (name === 'position_ids') feeds[name] = int([...Array(n).keys()]);
    else if (/past/.test(name)) feeds[name] = meta.type === 'float16' ? make('float16', new Uint16Array(0), [...f.pastShape]) : make('float32', new Float32Array(0), [...f.pastShape]);
    else throw new Error(`prefill: no value for input "${name}"`);
  }
  return feeds;
}

export function prefill(session: ort.InferenceSession, f: Fixture, ids: readonly number[]): Promise<ort.InferenceSession.OnnxValueMapType> {
  return session.run(prefillFeeds(session.inputMetadata, f, ids, (type, data, dims) => new ort.Tensor(type, data, dims)));
}

/** The parts of a tensor compared here, common to onnxruntime-node and onnxruntime-web. */
export interface TensorLike {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: unknown;
}

/** Same type, dims and bytes (so NaN payloads and -0 count, and float16 needs no decoding). */
export function bitIdentical(a: TensorLike, b: TensorLike): boolean {
  if (a.type !== b.type || a.dims.join() !== b.dims.join()) return false;
  const bytes = (t: TensorLike) => {
    const d = t.data as ArrayBufferView;
    return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  };
  const x = bytes(a);
  const y = bytes(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** Tensor values as float64 (float16 arrives as raw Uint16 bits in Node 20). */
export function toFloat64(t: ort.Tensor): Float64Array {
  if (t.type !== 'float16') return Float64Array.from(t.data as Float32Array);
  return Float64Array.from(t.data as Uint16Array, (h) => {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) return sign * frac * 2 ** -24;
    if (exp === 31) return frac ? NaN : sign * Infinity;
    return sign * (1 + frac / 1024) * 2 ** (exp - 15);
  });
}
