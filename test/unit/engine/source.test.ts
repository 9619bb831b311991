import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { folderReader, loadModelDir } from '../../../src/cli/modelDir';
import {
  CorruptModelError,
  EngineInputError,
  MissingFileError,
  ModelConfigError,
  UnknownLayoutError,
  UnknownVariantError,
} from '../../../src/engine/errors';
import { pickVariant, planLayout } from '../../../src/engine/source/layout';
import { loadModelFiles, memoryReader } from '../../../src/engine/source/load';
import { checkOnnx } from '../../../src/engine/source/validate';
import { sharedPath } from '../../paths';
import { BUNDLED } from './helpers';

const FP32 = sharedPath('fixtures/tiny-reasoner/onnx/fp32-cpu');
const read = (dir: string, f: string): Uint8Array => new Uint8Array(readFileSync(join(dir, f)));

/** The fp32 genai folder as a file map, to break one file at a time. */
function genaiFiles(): Map<string, Uint8Array> {
  const m = new Map<string, Uint8Array>();
  for (const f of ['genai_config.json', 'model.onnx', 'model.onnx.data', 'tokenizer.json', 'tokenizer_config.json', 'chat_template.jinja']) m.set(f, read(FP32, f));
  return m;
}

/** The same weights in the onnx-community layout: config.json at the root, graph under onnx/. */
function communityFiles(): Map<string, Uint8Array> {
  const hf = sharedPath('fixtures/tiny-reasoner/hf');
  const m = new Map<string, Uint8Array>();
  for (const f of ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json']) m.set(f, read(hf, f));
  m.set('onnx/model.onnx', read(FP32, 'model.onnx'));
  m.set('onnx/model.onnx.data', read(FP32, 'model.onnx.data'));
  m.set('onnx/model_q4.onnx', read(sharedPath('fixtures/tiny-reasoner/onnx/int4-cpu'), 'model.onnx'));
  m.set('onnx/model_q4.onnx.data', read(sharedPath('fixtures/tiny-reasoner/onnx/int4-cpu'), 'model.onnx.data'));
  return m;
}

describe('layout planning (pure)', () => {
  it('reads a genai folder at the root and one folder per variant', () => {
    const root = planLayout(['genai_config.json', 'model.onnx', 'model.onnx.data', 'tokenizer.json'], 'm');
    expect(root.map((p) => [p.layout, p.variant, p.graph])).toEqual([['genai', 'model.onnx', 'model.onnx']]);
    const multi = planLayout(['a/genai_config.json', 'a/model.onnx', 'b/genai_config.json', 'b/model.onnx', 'tokenizer.json'], 'm');
    expect(multi.map((p) => p.variant)).toEqual(['a', 'b']);
    expect(multi[1].tokenizer).toBe('tokenizer.json'); // shared at the root
  });

  it('names onnx-community graphs by dtype and picks by preference or by name', () => {
    const paths = ['config.json', 'tokenizer.json', 'onnx/model.onnx', 'onnx/model_q4f16.onnx', 'onnx/model_quantized.onnx', 'onnx/model_q4f16.onnx_data'];
    const plans = planLayout(paths, 'repo');
    expect(plans.map((p) => p.variant).sort()).toEqual(['fp32', 'q4f16', 'q8']);
    expect(pickVariant(plans, 'repo').variant).toBe('fp32');
    expect(pickVariant(plans, 'repo', undefined, ['q4f16']).variant).toBe('q4f16');
    expect(pickVariant(plans, 'repo', 'model_quantized.onnx').variant).toBe('q8');
    expect(() => pickVariant(plans, 'repo', 'fp16')).toThrow(UnknownVariantError);
    expect(() => pickVariant(plans, 'repo', 'fp16')).toThrow(/no variant "fp16"; pick one of: .*q4f16/);
  });

  it('lists what it found when the layout is unknown', () => {
    const err = (() => {
      try {
        planLayout(['README.md', 'weights.safetensors'], 'my-model');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UnknownLayoutError);
    expect((err as Error).message).toMatch(/my-model is not a model folder .*found README\.md, weights\.safetensors\. Expected genai_config\.json/);
    expect(() => planLayout(['onnx/model.onnx', 'tokenizer.json'], 'x')).toThrow(/x has no config\.json/);
  });
});

describe('loading model files', () => {
  it('loads the bundled folder (default variant fp32-cpu) with config and tokenizer', async () => {
    const files = await loadModelDir(BUNDLED);
    expect(files.variant).toBe('fp32-cpu');
    expect(files.graphPath).toBe('fp32-cpu/model.onnx');
    expect(files.config).toMatchObject({ modelType: 'qwen3', layers: 8, hiddenSize: 160, vocabSize: 86, contextLength: 256, eosTokenIds: [2] });
    expect(files.externalData.map((f) => f.path)).toEqual(['model.onnx.data']);
    expect(files.chatTemplate).toMatch(/add_generation_prompt/);
    const all = await (await folderReader(BUNDLED)).list();
    expect(all).toEqual(expect.arrayContaining(['int4-cpu/model.onnx', 'fp16-webgpu/model.onnx.data', 'int4-webgpu/tokenizer.json']));
  });

  it('ships a manifest that matches the bundled folder (the browser cannot list a folder)', async () => {
    const manifest = JSON.parse(readFileSync(join(BUNDLED, 'manifest.json'), 'utf8')) as { variants: string[]; files: Record<string, number> };
    const reader = await folderReader(BUNDLED);
    const onDisk = (await reader.list()).filter((p) => p !== 'manifest.json');
    expect(Object.keys(manifest.files).sort()).toEqual(onDisk);
    for (const [p, size] of Object.entries(manifest.files)) expect(statSync(join(BUNDLED, p)).size, p).toBe(size);
    expect(planLayout(Object.keys(manifest.files), 'bundled').map((v) => v.variant).sort()).toEqual([...manifest.variants].sort());
  });

  it('loads the onnx-community layout, with the dtype picked by name', async () => {
    const files = await loadModelFiles(memoryReader('community', communityFiles()), { variant: 'q4' });
    expect([files.layout, files.variant, files.graphPath]).toEqual(['onnx-community', 'q4', 'onnx/model_q4.onnx']);
    expect(files.config).toMatchObject({ layers: 8, hiddenSize: 160, numKvHeads: 1, headDim: 32, contextLength: 256 });
    expect(files.chatTemplate).toMatch(/add_generation_prompt/); // from tokenizer_config.json's chat_template
  });

  it('refuses a missing folder, a missing tokenizer, a missing weights file', async () => {
    await expect(loadModelDir('/no/such/dir')).rejects.toThrow(EngineInputError);
    const noTok = genaiFiles();
    noTok.delete('tokenizer.json');
    await expect(loadModelFiles(memoryReader('m', noTok))).rejects.toThrow(MissingFileError);
    await expect(loadModelFiles(memoryReader('m', noTok))).rejects.toThrow(/m has no tokenizer\.json: .*copy tokenizer\.json/);
    const noData = genaiFiles();
    noData.delete('model.onnx.data');
    await expect(loadModelFiles(memoryReader('m', noData))).rejects.toThrow(/m has no model\.onnx\.data: model\.onnx keeps its weights there/);
  });

  it('names the file when the graph or its data is truncated or not ONNX at all', async () => {
    const cut = genaiFiles();
    cut.set('model.onnx', (cut.get('model.onnx') as Uint8Array).subarray(0, 40_000));
    await expect(loadModelFiles(memoryReader('m', cut))).rejects.toThrow(CorruptModelError);
    await expect(loadModelFiles(memoryReader('m', cut))).rejects.toThrow(/m: model\.onnx is truncated or corrupt \(field \d+ at byte \d+ needs \d+ bytes more/);
    const short = genaiFiles();
    short.set('model.onnx.data', (short.get('model.onnx.data') as Uint8Array).subarray(0, 1_000_000));
    await expect(loadModelFiles(memoryReader('m', short))).rejects.toThrow(/model\.onnx\.data is truncated or corrupt \(the graph needs at least 8702336 bytes of it, the file has 1000000\)/);
    const html = genaiFiles();
    html.set('model.onnx', new TextEncoder().encode('<!doctype html><title>404</title>'));
    await expect(loadModelFiles(memoryReader('m', html))).rejects.toThrow(CorruptModelError);
    expect(() => checkOnnx('empty.onnx', new Uint8Array(0))).toThrow(/empty\.onnx is truncated or corrupt \(the file is empty\)/);
  });

  it('says which config field is missing', async () => {
    const bad = genaiFiles();
    const cfg = JSON.parse(new TextDecoder().decode(bad.get('genai_config.json')));
    delete cfg.model.decoder.num_hidden_layers;
    bad.set('genai_config.json', new TextEncoder().encode(JSON.stringify(cfg)));
    await expect(loadModelFiles(memoryReader('m', bad))).rejects.toThrow(ModelConfigError);
    await expect(loadModelFiles(memoryReader('m', bad))).rejects.toThrow(/genai_config\.json: no model\.decoder\.num_hidden_layers/);
    bad.set('genai_config.json', new TextEncoder().encode('{ not json'));
    await expect(loadModelFiles(memoryReader('m', bad))).rejects.toThrow(/genai_config\.json: not valid JSON/);
  });
});
