// Writes docs/webgpu-gqa-repro/gqa.onnx: ONE com.microsoft GroupQueryAttention node with the
// attributes of the tiny-reasoner's attention (5 query heads, 1 KV head, head size 32, rotary
// inside the op), fed directly by graph inputs. Run: npx tsx scripts/make-gqa-repro.ts
import { writeFileSync } from 'node:fs';
import { ELEM, encodeNode, encodeValueInfo } from '../src/engine/tap/onnx';
import { Writer } from '../src/engine/tap/wire';

const HEADS = 5;
const KV_HEADS = 1;
const HEAD = 32;
const MAX_POS = 256;

function ropeCache(fn: (x: number) => number): Writer {
  const half = HEAD / 2;
  const data = new Float32Array(MAX_POS * half);
  for (let p = 0; p < MAX_POS; p++) for (let i = 0; i < half; i++) data[p * half + i] = fn(p * 10000 ** ((-2 * i) / HEAD));
  return new Writer().int(1, MAX_POS).int(1, half).int(2, ELEM.FLOAT).string(8, fn === Math.cos ? 'cos_cache' : 'sin_cache').bytes(9, new Uint8Array(data.buffer));
}

const node = encodeNode({
  inputs: ['query', 'key', 'value', 'past_key', 'past_value', 'seqlens_k', 'total_sequence_length', 'cos_cache', 'sin_cache'],
  outputs: ['output', 'present_key', 'present_value'],
  name: 'GroupQueryAttention_0',
  opType: 'GroupQueryAttention',
  ints: { num_heads: HEADS, kv_num_heads: KV_HEADS, do_rotary: 1, rotary_interleaved: 0 },
}).string(7, 'com.microsoft');

const graph = new Writer()
  .message(1, node)
  .string(2, 'gqa_prefill_repro')
  .message(5, ropeCache(Math.cos))
  .message(5, ropeCache(Math.sin))
  .message(11, encodeValueInfo('query', ELEM.FLOAT, [1, 'S', HEADS * HEAD]))
  .message(11, encodeValueInfo('key', ELEM.FLOAT, [1, 'S', KV_HEADS * HEAD]))
  .message(11, encodeValueInfo('value', ELEM.FLOAT, [1, 'S', KV_HEADS * HEAD]))
  .message(11, encodeValueInfo('past_key', ELEM.FLOAT, [1, KV_HEADS, 'P', HEAD]))
  .message(11, encodeValueInfo('past_value', ELEM.FLOAT, [1, KV_HEADS, 'P', HEAD]))
  .message(11, encodeValueInfo('seqlens_k', ELEM.INT32, [1]))
  .message(11, encodeValueInfo('total_sequence_length', ELEM.INT32, []))
  .message(12, encodeValueInfo('output', ELEM.FLOAT, [1, 'S', HEADS * HEAD]))
  .message(12, encodeValueInfo('present_key', ELEM.FLOAT, [1, KV_HEADS, 'T', HEAD]))
  .message(12, encodeValueInfo('present_value', ELEM.FLOAT, [1, KV_HEADS, 'T', HEAD]));

const model = new Writer()
  .int(1, 10) // ir_version
  .string(2, 'cot-kinetics-inspector')
  .message(7, graph)
  .message(8, new Writer().string(1, '').int(2, 21))
  .message(8, new Writer().string(1, 'com.microsoft').int(2, 1));

const out = new URL('../docs/webgpu-gqa-repro/gqa.onnx', import.meta.url);
writeFileSync(out, model.finish());
console.log(`wrote ${out.pathname}`);
