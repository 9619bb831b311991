/**
 * The GatherBlockQuantized lowering (src/engine/tap/quantizedGather.ts) node by node: one-node
 * models with odd shapes, packed zero points, 2/4/8 bits, float and float16 scales, run with
 * onnxruntime-node's own contrib kernel and, lowered, on onnxruntime-node and onnxruntime-web WASM,
 * against an independent JavaScript reading of the kernel's definition. Plus a Qwen3-sized table
 * ([151936, 512] packed bytes) to show nothing in the rewrite depends on the tiny model's shapes.
 */
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { ELEM, encodeNode, encodeValueInfo, parseModel } from '../../../../src/engine/tap/onnx';
import { lowerQuantizedGather } from '../../../../src/engine/tap/quantizedGather';
import { concat } from '../../../../src/engine/tap/splice';
import { TapError } from '../../../../src/engine/tap/errors';
import { WIRE_LEN, Writer } from '../../../../src/engine/tap/wire';
import { lacksGbqKernel } from '../../../../src/engine/session';
import { randomBytes } from './synth';

ortWeb.env.wasm.numThreads = 1;

interface Case {
  readonly name: string;
  /** Packed data dims: [rows, …, P]. */
  readonly dataDims: number[];
  readonly bits: 2 | 4 | 8;
  readonly blockSize: number;
  readonly scaleType: 'float32' | 'float16';
  readonly zeroPoints: boolean;
  readonly indices: number[];
  readonly indexDims: number[];
  readonly indexType?: 'int64' | 'int32';
  /** Attributes left out (the kernel's defaults apply). */
  readonly defaults?: boolean;
}

function lenField(num: number, payload: Uint8Array): Uint8Array {
  return concat([new Writer().tag(num, WIRE_LEN).varint(payload.length).finish(), payload]);
}

/** TensorProto with raw_data, built by concatenation so a 78 MB table is copied, never boxed per byte. */
function tensor(name: string, type: number, dims: number[], raw: Uint8Array): Uint8Array {
  const head = new Writer();
  for (const d of dims) head.int(1, d);
  head.int(2, type).string(8, name);
  return concat([head.finish(), lenField(9, raw)]);
}

function f32ToF16(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const e = ((x >>> 23) & 0xff) - 127 + 15;
  const m = x & 0x7fffff;
  if (e <= 0) return sign; // the test's scales are never that small
  // Round to nearest even on the dropped 13 bits.
  let h = sign | (e << 10) | (m >>> 13);
  const rest = m & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++;
  return h;
}

function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

interface Built {
  readonly model: Uint8Array;
  readonly data: Uint8Array;
  /** Scale values as the kernel reads them (fp16 already rounded). */
  readonly scales: Float32Array;
  readonly zp: Uint8Array | null;
  readonly cols: number;
  readonly blocks: number;
}

function build(c: Case, seed: number): Built {
  const components = 8 / c.bits;
  const rows = c.dataDims[0];
  const inner = c.dataDims.slice(1, -1);
  const P = c.dataDims[c.dataDims.length - 1];
  const cols = P * components;
  const blocks = Math.ceil(cols / c.blockSize);
  const lines = rows * inner.reduce((a, b) => a * b, 1);
  // A big table repeats a 1 MiB random pattern (at an odd period, so rows still differ): fast to make.
  const n = lines * P;
  const pattern = randomBytes(Math.min(n, (1 << 20) + 1), seed);
  const table = n === pattern.length ? pattern : new Uint8Array(n);
  for (let at = 0; table !== pattern && at < n; at += pattern.length) table.set(pattern.subarray(0, Math.min(pattern.length, n - at)), at);
  // 1000 distinct scales in a scrambled order (a table, so a Qwen3-sized model builds in a second).
  const levels = Float32Array.from({ length: 1000 }, (_, v) => 0.01 + v / 20000);
  const half = Uint16Array.from(levels, f32ToF16);
  if (c.scaleType === 'float16') half.forEach((h, v) => (levels[v] = f16ToF32(h)));
  const scales = new Float32Array(lines * blocks);
  const h = new Uint16Array(scales.length);
  for (let i = 0; i < scales.length; i++) {
    const v = Math.imul(i, 2654435761) >>> 0;
    scales[i] = levels[v % 1000];
    h[i] = half[v % 1000];
  }
  const scaleRaw = new Uint8Array(c.scaleType === 'float16' ? h.buffer : scales.buffer);
  const zpCols = Math.ceil(blocks / components);
  const zp = c.zeroPoints ? randomBytes(lines * zpCols, seed + 1) : null;
  const attrs: Record<string, number> = c.defaults ? {} : { bits: c.bits, block_size: c.blockSize, gather_axis: 0, quantize_axis: c.dataDims.length - 1 };
  const node = encodeNode({ inputs: ['data', 'ids', 'scales', ...(zp ? ['zp'] : [])], outputs: ['y'], name: 'embed/GatherBlockQuantized', opType: 'GatherBlockQuantized', ints: attrs }).string(7, 'com.microsoft');
  const outDims = [...c.indexDims.map((_, i) => `i${i}`), ...inner, cols];
  const pieces = [
    lenField(1, node.finish()),
    new Writer().string(2, 'gbq').finish(),
    lenField(5, tensor('data', 2, c.dataDims, table)),
    lenField(5, tensor('scales', c.scaleType === 'float16' ? ELEM.FLOAT16 : ELEM.FLOAT, [...c.dataDims.slice(0, -1), blocks], scaleRaw)),
    ...(zp ? [lenField(5, tensor('zp', 2, [...c.dataDims.slice(0, -1), zpCols], zp))] : []),
    lenField(11, encodeValueInfo('ids', c.indexType === 'int32' ? ELEM.INT32 : ELEM.INT64, c.indexDims.map((_, i) => `i${i}`)).finish()),
    lenField(12, encodeValueInfo('y', c.scaleType === 'float16' ? ELEM.FLOAT16 : ELEM.FLOAT, outDims).finish()),
  ];
  const model = concat([
    new Writer().int(1, 9).message(8, new Writer().string(1, '').int(2, 21)).message(8, new Writer().string(1, 'com.microsoft').int(2, 1)).finish(),
    lenField(7, concat(pieces)),
  ]);
  return { model, data: table, scales, zp, cols, blocks };
}

/** out[n, line, c] = (q − zp) · scale, read straight off the contrib kernel's definition. */
function reference(c: Case, b: Built): Float32Array {
  const components = 8 / c.bits;
  const P = c.dataDims[c.dataDims.length - 1];
  const rows = c.dataDims[0];
  const perRow = c.dataDims.slice(1, -1).reduce((x, y) => x * y, 1);
  const zpCols = Math.ceil(b.blocks / components);
  const mask = 2 ** c.bits - 1;
  const out = new Float32Array(c.indices.length * perRow * b.cols);
  let o = 0;
  for (const raw of c.indices) {
    const row = raw < 0 ? raw + rows : raw;
    for (let l = 0; l < perRow; l++) {
      const line = row * perRow + l;
      for (let col = 0; col < b.cols; col++) {
        const byte = b.data[line * P + Math.floor(col / components)];
        const q = (byte >> ((col % components) * c.bits)) & mask;
        const blk = Math.floor(col / c.blockSize);
        let z = 2 ** (c.bits - 1);
        if (b.zp) z = (b.zp[line * zpCols + Math.floor(blk / components)] >> ((blk % components) * c.bits)) & mask;
        out[o++] = Math.fround((q - z) * b.scales[line * b.blocks + blk]);
      }
    }
  }
  return out;
}

type AnyOrt = typeof ortNode | typeof ortWeb;
async function run(ort: AnyOrt, model: Uint8Array, c: Case, providers: string[]): Promise<{ dims: readonly number[]; data: Float32Array }> {
  const session = await (ort as typeof ortNode).InferenceSession.create(model, { executionProviders: providers, logSeverityLevel: 3 });
  try {
    const ids = c.indexType === 'int32' ? new ortNode.Tensor('int32', Int32Array.from(c.indices), c.indexDims) : new ortNode.Tensor('int64', BigInt64Array.from(c.indices.map(BigInt)), c.indexDims);
    const y = (await session.run({ ids: ids as never })).y;
    const d = y.data as Float32Array | Uint16Array;
    const data = y.type === 'float16' ? Float32Array.from(d instanceof Uint16Array ? Array.from(d, f16ToF32) : (d as unknown as ArrayLike<number>)) : (d as Float32Array);
    return { dims: y.dims, data };
  } finally {
    await session.release();
  }
}

const CASES: Case[] = [
  { name: 'the builder layout (4 bits, block 32, no zero points)', dataDims: [86, 80], bits: 4, blockSize: 32, scaleType: 'float32', zeroPoints: false, indices: [0, 85, 3, 3, 40, 17], indexDims: [2, 3] },
  { name: 'odd columns, packed zero points, an odd block count', dataDims: [13, 20], bits: 4, blockSize: 16, scaleType: 'float32', zeroPoints: true, indices: [12, 0, 5, -1], indexDims: [1, 4] },
  { name: 'a rank-3 table, float16 scales, int32 indices', dataDims: [9, 3, 24], bits: 4, blockSize: 16, scaleType: 'float16', zeroPoints: true, indices: [8, 2, 2], indexDims: [3], indexType: 'int32' },
  { name: '8 bits with zero points', dataDims: [11, 40], bits: 8, blockSize: 16, scaleType: 'float32', zeroPoints: true, indices: [1, 10, 7], indexDims: [1, 3] },
  { name: '2 bits with zero points', dataDims: [7, 12], bits: 2, blockSize: 16, scaleType: 'float32', zeroPoints: true, indices: [6, 0], indexDims: [2] },
  { name: 'default attributes (bits 4, block 128, zero point 8)', dataDims: [5, 100], bits: 4, blockSize: 128, scaleType: 'float32', zeroPoints: false, indices: [4, 1], indexDims: [1, 2], defaults: true },
];

describe('GatherBlockQuantized lowered into standard ops', () => {
  CASES.forEach((c, k) => {
    it(c.name, async () => {
      const b = build(c, 17 + k);
      const lowered = lowerQuantizedGather(b.model);
      expect(lowered.info.nodes).toEqual(['embed/GatherBlockQuantized']);
      const ops = new Set(parseModel(lowered.model).nodes.map((n) => `${n.domain}:${n.opType}`));
      expect([...ops].filter((o) => !o.startsWith(':'))).toEqual([]); // standard ONNX only
      const ref = reference(c, b);
      const expectedDims = [...c.indexDims, ...c.dataDims.slice(1, -1), b.cols];
      const kernel = await run(ortNode, b.model, c, ['cpu']);
      expect(kernel.dims).toEqual(expectedDims);
      expect(Array.from(kernel.data)).toEqual(Array.from(c.scaleType === 'float16' ? ref.map((v) => f16ToF32(f32ToF16(v))) : ref));
      for (const [ort, ep] of [[ortNode, 'cpu'], [ortWeb, 'wasm']] as const) {
        const got = await run(ort, lowered.model, c, [ep]);
        expect(got.dims).toEqual(expectedDims);
        // Same float32 products rounded the same way: bit-identical to the contrib kernel.
        expect(Array.from(got.data)).toEqual(Array.from(kernel.data));
      }
    });
  });

  it('is generic over shapes: a Qwen3-0.6B-sized table ([151936, 512] bytes, 4-bit, block 32)', async () => {
    const c: Case = { name: 'qwen3', dataDims: [151936, 512], bits: 4, blockSize: 32, scaleType: 'float16', zeroPoints: false, indices: [151935, 0, 151667, 151668, 9707], indexDims: [1, 5] };
    const b = build(c, 7);
    const lowered = lowerQuantizedGather(b.model).model;
    // The rewrite adds a few hundred bytes of nodes; the table is copied once, never expanded.
    expect(lowered.length - b.model.length).toBeLessThan(8192);
    const got = await run(ortNode, lowered, c, ['cpu']);
    expect(got.dims).toEqual([1, 5, 1024]);
    const ref = reference(c, b).map((v) => f16ToF32(f32ToF16(v)));
    expect(Array.from(got.data)).toEqual(Array.from(ref));
  });

  it('says why it cannot lower a table that is not uint8-packed or quantized on another axis', () => {
    const b = build(CASES[0], 1);
    const m = parseModel(b.model);
    const node = m.nodes[0];
    const other = new Uint8Array(b.model);
    // Rewrite quantize_axis 1 → 0 in place (the varint is one byte either way).
    const text = new TextDecoder('latin1').decode(other.subarray(node.field.start, node.field.end));
    const at = node.field.start + text.indexOf('quantize_axis') + 'quantize_axis'.length;
    expect(other[at]).toBe(0x18); // field 3 (i), varint
    other[at + 1] = 0;
    expect(() => lowerQuantizedGather(other)).toThrow(TapError);
    expect(() => lowerQuantizedGather(other)).toThrow(/quantizes axis 0 of a rank-2 table; uint8 tables quantize the last axis/);
  });

  it('leaves a graph without the op as it is, and probes kernels per runtime', async () => {
    const plain = new Writer().int(1, 9).message(8, new Writer().string(1, '').int(2, 21)).message(7, new Writer().string(2, 'empty')).finish();
    expect(lowerQuantizedGather(plain).model).toBe(plain);
    // onnxruntime-node has the contrib kernel; this onnxruntime-web build's default WASM has it too
    // (the app's onnxruntime-web/webgpu bundle does not: the browser test covers that path).
    expect(await lacksGbqKernel(ortNode, ['cpu'])).toBe(false);
    expect(await lacksGbqKernel(ortWeb, ['wasm'])).toBe(false);
  });
});
