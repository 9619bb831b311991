import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseModel, type OnnxModel } from '../../../src/engine/tap/onnx';
import { fields, readString } from '../../../src/engine/tap/wire';
import { ChunkWriter } from '../../../src/synth/emit';
import { planModel } from '../../../src/synth/graph';
import { SHAPES } from '../../../src/synth/shapes';
import { QuantMatrix, round8, toHalf } from '../../../src/synth/weights';
import { cotkInProcess } from '../cli/cliHarness';

/**
 * cotk synth: the folder, the graph's builder style, determinism, and one-sentence errors. Shallow
 * (1–2 layers, full width and vocabulary); the full-depth runs are in bench/scale.
 */
const tmp = mkdtempSync(join(tmpdir(), 'cotk-synth-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The sha256 of a graph's external data, streamed (never held whole). */
function dataHash(shape: keyof typeof SHAPES, dtype: 'fp32' | 'fp16' | 'q4' | 'q4f16', layers: number, seed: number, tensors = Infinity): string {
  const plan = planModel(SHAPES[shape], dtype, layers, seed);
  const h = createHash('sha256');
  const w = new ChunkWriter({ write: (b) => void h.update(b) });
  for (const t of plan.tensors.slice(0, tensors)) {
    if (t.location !== plan.dataFiles[0].name) break;
    w.zeros(t.offset - w.position);
    t.emit(w);
  }
  w.flush();
  h.update(plan.model);
  return h.digest('hex');
}

function ops(m: OnnxModel): Map<string, number> {
  const count = new Map<string, number>();
  for (const n of m.nodes) count.set(n.opType, (count.get(n.opType) ?? 0) + 1);
  return count;
}

function externalOf(m: OnnxModel, name: string): Record<string, string> {
  const t = m.initializers.get(name)!;
  const out: Record<string, string> = {};
  for (const f of fields(m.buf, t.field.valueStart, t.field.end)) {
    if (f.num !== 13) continue;
    let k = '';
    let v = '';
    for (const g of fields(m.buf, f.valueStart, f.end)) {
      if (g.num === 1) k = readString(m.buf, g);
      else if (g.num === 2) v = readString(m.buf, g);
    }
    out[k] = v;
  }
  return out;
}

describe('synth weights', () => {
  it('keeps scales at 8 significant bits, so (q - 8)·scale is exact in float16', () => {
    const m = new QuantMatrix('w', 3, 64, 8, 0.01);
    for (const s of m.scales()) {
      expect(round8(s)).toBe(s);
      for (let q = 1; q <= 15; q++) {
        const v = (q - 8) * s;
        const h = toHalf(v);
        const back = new DataView(new Uint16Array([h]).buffer).getFloat16?.(0, true);
        if (back !== undefined) expect(back).toBe(v);
        // Without DataView.getFloat16 (Node 20): decode by hand.
        const e = (h >> 10) & 0x1f;
        const f = h & 0x3ff;
        const mag = e === 0 ? f * 2 ** -24 : (1 + f / 1024) * 2 ** (e - 15);
        expect((h & 0x8000 ? -1 : 1) * mag).toBe(v);
      }
    }
  });

  it('reads the same code for W[k, n] from rows, column pairs and single lookups', () => {
    const m = new QuantMatrix('w', 9, 64, 10, 0.01);
    const row = new Uint8Array(64);
    const even = new Uint8Array(10);
    const odd = new Uint8Array(10);
    m.row(7, row);
    m.columns(12, even, odd);
    for (let k = 0; k < 64; k++) expect(m.code(7, k)).toBe(row[k]);
    for (let n = 0; n < 10; n++) {
      expect(m.code(n, 12)).toBe(even[n]);
      expect(m.code(n, 13)).toBe(odd[n]);
    }
    expect(new Set(row).size).toBeGreaterThan(8);
    expect(Math.min(...row)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...row)).toBeLessThanOrEqual(15);
  });
});

describe('synth graphs in the builder style', () => {
  it('qwen3-0.6b q4: GatherBlockQuantized on the tied head, MatMulNBits block 32, GQA with RoPE and q/k norms', () => {
    const plan = planModel(SHAPES['qwen3-0.6b'], 'q4', 2, 0);
    const m = parseModel(plan.model);
    const c = ops(m);
    expect(c.get('GatherBlockQuantized')).toBe(1);
    expect(c.get('MatMulNBits')).toBe(2 * 5 + 1);
    expect(c.get('GroupQueryAttention')).toBe(2);
    expect(c.get('SimplifiedLayerNormalization')).toBe(1 + 2 * 2);
    expect(c.get('SkipSimplifiedLayerNormalization')).toBe(2 * 2);
    expect(c.get('MatMul')).toBeUndefined();
    const gbq = m.nodes.find((n) => n.opType === 'GatherBlockQuantized')!;
    expect(gbq.ints.get('block_size')).toBe(32);
    expect(gbq.ints.get('quantize_axis')).toBe(1);
    const head = m.nodes.find((n) => n.name === '/lm_head/MatMul_Q4')!;
    expect(head.inputs[1]).toBe('lm_head.MatMul.weight_Q4');
    expect(m.nodes.find((n) => n.name === '/model/embed_tokens/Reshape')!.inputs[0]).toBe('lm_head.MatMul.weight_Q4');
    expect(head.ints.get('N')).toBe(151936);
    expect(head.ints.get('K')).toBe(1024);
    const gqa = m.nodes.find((n) => n.opType === 'GroupQueryAttention')!;
    expect(gqa.ints.get('num_heads')).toBe(16);
    expect(gqa.ints.get('kv_num_heads')).toBe(8);
    expect(gqa.ints.get('do_rotary')).toBe(1);
    expect(gqa.inputs[0]).toBe('/model/layers.0/attn/q_norm/Reshape_2/output_0');
    expect(m.initializers.get('cos_cache')!.dims).toEqual([40960, 64]);
    expect(m.initializers.get('model.layers.0.attn.qkv_proj.MatMul.weight_Q4')!.dims).toEqual([4096, 32, 16]);
    // The final norm has no output 3; every other Skip norm carries the residual there.
    const fin = m.nodes.find((n) => n.name === '/model/layers.2/final_norm_layernorm/SkipLayerNorm')!;
    expect(fin.outputs).toEqual(['/model/layers.2/final_norm_layernorm/output_0']);
    expect(m.outputs[0]).toMatchObject({ name: 'logits', elemType: 1 });
    expect(m.inputs.map((i) => i.name).slice(0, 4)).toEqual(['input_ids', 'attention_mask', 'past_key_values.0.key', 'past_key_values.1.key']);
    expect(m.inputs[2].dims).toEqual(['batch_size', 8, 'past_sequence_length', 128]);
    // External data: transformers.js naming, offsets inside the file, 64-byte aligned.
    const ext = externalOf(m, 'lm_head.MatMul.weight_Q4');
    expect(ext.location).toBe('model_q4.onnx_data');
    for (const t of plan.tensors) {
      expect(t.offset % 64).toBe(0);
      expect(t.offset + t.bytes).toBeLessThanOrEqual(plan.dataFiles.find((f) => f.name === t.location)!.bytes);
    }
  });

  it('qwen3-0.6b fp16: float16 I/O and weights, Transpose + Gather embedding of the tied head', () => {
    const m = parseModel(planModel(SHAPES['qwen3-0.6b'], 'fp16', 1, 0).model);
    expect(m.outputs.find((o) => o.name === 'logits')!.elemType).toBe(10);
    expect(m.inputs.find((i) => i.name === 'past_key_values.0.key')!.elemType).toBe(10);
    expect(m.initializers.get('lm_head.MatMul.weight')!.dims).toEqual([1024, 151936]);
    expect(m.nodes.find((n) => n.opType === 'Transpose')!.inputs).toEqual(['lm_head.MatMul.weight']);
    expect(ops(m).get('MatMulNBits')).toBeUndefined();
  });

  it('r1-distill-1.5b q4f16: Qwen2 qkv bias, no q/k norms, its own embedding table, untied head, chunks under 2 GiB', () => {
    const plan = planModel(SHAPES['r1-distill-1.5b'], 'q4f16', 1, 0);
    const m = parseModel(plan.model);
    expect(m.nodes.find((n) => n.name === '/model/layers.0/attn/qkv_proj/Add')!.inputs[1]).toBe('model.layers.0.attn.qkv_proj.Add.bias');
    expect(m.nodes.some((n) => n.name.includes('q_norm'))).toBe(false);
    const gbq = m.nodes.find((n) => n.opType === 'GatherBlockQuantized')!;
    expect(gbq.inputs[0]).toBe('model.embed_tokens.weight_Q4');
    expect(m.initializers.get('lm_head.MatMul.weight_scales')!.dataType).toBe(10);
    const gqa = m.nodes.find((n) => n.opType === 'GroupQueryAttention')!;
    expect([gqa.ints.get('num_heads'), gqa.ints.get('kv_num_heads')]).toEqual([12, 2]);
    const fp32 = planModel(SHAPES['r1-distill-1.5b'], 'fp32', 2, 0);
    expect(fp32.dataFiles.length).toBe(2);
    expect(fp32.dataFiles.map((f) => f.name)).toEqual(['model.onnx_data', 'model.onnx_data_1']);
    for (const f of fp32.dataFiles) expect(f.bytes).toBeLessThan(2 ** 31);
  });

  it('gives the same bytes for the same seed and different bytes for another', () => {
    const a = dataHash('qwen3-0.6b', 'q4', 1, 7);
    expect(dataHash('qwen3-0.6b', 'q4', 1, 7)).toBe(a);
    expect(dataHash('qwen3-0.6b', 'q4', 1, 8, 1)).not.toBe(dataHash('qwen3-0.6b', 'q4', 1, 7, 1));
  });
});

describe('cotk synth', () => {
  it('writes an onnx-community folder the engine loads: config, tokenizer, README, onnx/model_q4.onnx + _data', async () => {
    const out = join(tmp, 'q');
    const r = await cotkInProcess(['synth', '--shape', 'qwen3-0.6b', '--dtype', 'q4', '--out', out, '--layers', '1', '--seed', '7']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('qwen3-0.6b (1 layers, seed 7) q4');
    const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(cfg).toMatchObject({ model_type: 'qwen3', num_hidden_layers: 1, hidden_size: 1024, intermediate_size: 3072, num_attention_heads: 16, num_key_value_heads: 8, head_dim: 128, vocab_size: 151936, rope_theta: 1000000, rms_norm_eps: 1e-6, tie_word_embeddings: true, max_position_embeddings: 40960 });
    expect(cfg['transformers.js_config'].use_external_data_format).toEqual({ 'model_q4.onnx': true });
    const tok = JSON.parse(readFileSync(join(out, 'tokenizer.json'), 'utf8'));
    expect(tok.added_tokens.find((t: { content: string }) => t.content === '<think>').id).toBe(151667);
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toMatch(/seeded/);
    expect(readFileSync(join(out, 'onnx', 'model_q4.onnx_data')).length).toBeGreaterThan(70e6);
    // A second dtype joins the same folder; config.json then lists both graphs.
    const r2 = await cotkInProcess(['synth', '--shape', 'qwen3-0.6b', '--dtype', 'q4f16', '--out', out, '--layers', '1', '--seed', '7']);
    expect(r2.code).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'))['transformers.js_config'].use_external_data_format).toEqual({ 'model_q4.onnx': true, 'model_q4f16.onnx': true });
    // ... but not a different model.
    const r3 = await cotkInProcess(['synth', '--shape', 'qwen3-0.6b', '--dtype', 'fp16', '--out', out, '--layers', '2', '--seed', '7']);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toMatch(/holds a qwen3-0.6b synth with 1 layers and seed 7/);
  });

  it.each([
    [['--dtype', 'q4', '--out', 'x'], /--shape is required/],
    [['--shape', 'qwen3-8b', '--dtype', 'q4', '--out', 'x'], /--shape must be qwen3-0.6b or r1-distill-1.5b, got "qwen3-8b"/],
    [['--shape', 'qwen3-0.6b', '--dtype', 'int8', '--out', 'x'], /--dtype must be one of fp32, fp16, q4, q4f16, got "int8"/],
    [['--shape', 'qwen3-0.6b', '--dtype', 'q4'], /--out DIR is required/],
    [['--shape', 'qwen3-0.6b', '--dtype', 'q4', '--out', 'x', '--layers', '29'], /--layers must be a whole number from 1 to 28, got "29"/],
    [['--shape', 'qwen3-0.6b', '--dtype', 'q4', '--out', 'x', '--layers', '0'], /--layers must be/],
    [['--shape', 'qwen3-0.6b', '--dtype', 'q4', '--out', 'x', '--seed', '-1'], /--seed must be a whole number/],
    [['--shape', 'qwen3-0.6b', '--dtype', 'q4', '--out', 'x', '--bits', '4'], /unknown option --bits/],
  ])('refuses %j in one sentence', async (args, msg) => {
    const r = await cotkInProcess(['synth', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr.trim().split('\n')[0]).toMatch(/^cotk synth: /);
  });

  it('refuses a folder it cannot write or one that holds the user’s files, and leaves those files alone', async () => {
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'mine');
    const r1 = await cotkInProcess(['synth', '--shape', 'qwen3-0.6b', '--dtype', 'q4', '--out', file, '--layers', '1']);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/cannot write the model folder .*a-file: a file is in the way\./);
    const r2 = await cotkInProcess(['synth', '--shape', 'qwen3-0.6b', '--dtype', 'q4', '--out', join(file, 'sub'), '--layers', '1']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/cannot write the model folder .*a-file\/sub: a file is in the way\./);
    writeFileSync(join(tmp, 'notes.txt'), 'x');
    const r3 = await cotkInProcess(['synth', '--shape', 'qwen3-0.6b', '--dtype', 'q4', '--out', tmp, '--layers', '1']);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toMatch(/already holds files that cotk synth did not write .*pick an empty or new folder/);
    expect(readFileSync(join(tmp, 'notes.txt'), 'utf8')).toBe('x');
    expect(readFileSync(file, 'utf8')).toBe('mine');
  });
});
