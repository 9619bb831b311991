/**
 * A throwaway onnx-community folder for transformers.js, made of symbolic links to the bundled
 * graphs (public/models) and the shared HF config: no weight is copied, nothing is committed.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { REPO_ROOT, sharedPath } from '../../test/paths';
import { HF_MODELS } from './config';

export const BUNDLED = resolve(REPO_ROOT, 'public/models/tiny-reasoner');

export function buildHfFolders(): { root: string; remove: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'cotk-bench-hf-'));
  const hf = sharedPath('fixtures/tiny-reasoner/hf');
  for (const [variant, m] of Object.entries(HF_MODELS)) {
    const dir = join(root, m.id);
    mkdirSync(join(dir, 'onnx'), { recursive: true });
    for (const f of ['config.json', 'generation_config.json']) symlinkSync(join(hf, f), join(dir, f));
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) symlinkSync(join(BUNDLED, variant, f), join(dir, f));
    symlinkSync(join(BUNDLED, variant, 'model.onnx'), join(dir, 'onnx', m.dtype === 'fp32' ? 'model.onnx' : `model_${m.dtype}.onnx`));
    symlinkSync(join(BUNDLED, variant, 'model.onnx.data'), join(dir, 'onnx', 'model.onnx.data'));
  }
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
