// Lays out the bundled default model in public/models/tiny-reasoner/ from the team's fixtures:
// the four graph folders, a manifest.json (every file with its size, so loads report real progress)
// and parity.json (a reference token sequence with its PyTorch logits, for the load-time parity
// check). Run: node scripts/bundle-model.mjs [path/to/shared/fixtures/tiny-reasoner]
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const src = resolve(process.argv[2] ?? join(root, '../shared/fixtures/tiny-reasoner'));
const dst = join(root, 'public/models/tiny-reasoner');
const variants = ['fp32-cpu', 'int4-cpu', 'fp16-webgpu', 'int4-webgpu'];

/** @type {Record<string, number>} */
const files = {};
for (const v of variants) {
  mkdirSync(join(dst, v), { recursive: true });
  for (const f of readdirSync(join(src, 'onnx', v)).sort()) {
    copyFileSync(join(src, 'onnx', v, f), join(dst, v, f));
    files[`${v}/${f}`] = statSync(join(dst, v, f)).size;
  }
}

const ref = JSON.parse(readFileSync(join(src, 'reference-states.json'), 'utf8'))[0];
const parity = {
  about: 'Reference trace 0 of the tiny-reasoner fixture: token ids and the logits PyTorch computed for every position (float32). The engine compares its own prefill against these at load.',
  source: 'shared/fixtures/tiny-reasoner/reference-states.json, trace 0',
  ids: ref.ids,
  vocab: ref.logitsShape[1],
  logits: ref.logits.map((/** @type {number} */ x) => Math.fround(x)),
};
writeFileSync(join(dst, 'parity.json'), JSON.stringify(parity));
files['parity.json'] = statSync(join(dst, 'parity.json')).size;

const manifest = {
  name: 'tiny-reasoner',
  description: 'A small reasoning model trained for this project (Qwen3 architecture, 8 layers, hidden 160, 2.2 M parameters, character vocabulary): it thinks step by step about arithmetic inside <think>…</think>, then answers.',
  variants,
  files,
};
writeFileSync(join(dst, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
console.log(`bundled ${Object.keys(files).length} files into ${dst}`);
