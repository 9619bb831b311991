import { open, readdir, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { EngineInputError } from '../engine/errors';
import { loadModelFiles, type FolderReader, type LoadFilesOptions } from '../engine/source/load';
import type { ModelFiles } from '../engine/source/types';

/**
 * The Node side of model sources: a folder on disk as a {@link FolderReader}. It lives with the CLI
 * because it is the only engine-facing code that touches the file system (the app's tsconfig has
 * no Node types, so src/engine stays runtime-agnostic by construction).
 */
const SKIP_DIRS = new Set(['.git', 'node_modules', '.cache']);
/** A model folder is shallow (root, onnx/, one folder per variant); deeper trees are not walked. */
const MAX_DEPTH = 2;

async function listFiles(root: string, dir: string, depth: number, out: string[]): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (depth < MAX_DEPTH && !SKIP_DIRS.has(e.name)) await listFiles(root, p, depth + 1, out);
    } else if (e.isFile() || e.isSymbolicLink()) {
      out.push(relative(root, p).split(sep).join('/'));
    }
  }
}

/** Reads in 16 MiB pieces so progress moves on large graphs, into one buffer of the final size. */
async function readWithProgress(path: string, onProgress?: (loaded: number, total: number | null) => void): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const buf = new Uint8Array(size);
    let loaded = 0;
    while (loaded < size) {
      const { bytesRead } = await fh.read(buf, loaded, Math.min(16 << 20, size - loaded), loaded);
      if (bytesRead === 0) break;
      loaded += bytesRead;
      onProgress?.(loaded, size);
    }
    return loaded === size ? buf : buf.subarray(0, loaded);
  } finally {
    await fh.close();
  }
}

export async function folderReader(dir: string): Promise<FolderReader> {
  const root = resolve(dir);
  let st;
  try {
    st = await stat(root);
  } catch {
    throw new EngineInputError(`${dir}: no such folder; check the --model path.`);
  }
  if (!st.isDirectory()) throw new EngineInputError(`${dir} is a file; pass the folder that holds the model files.`);
  const name = basename(root);
  return {
    name,
    list: async () => {
      const out: string[] = [];
      await listFiles(root, root, 0, out);
      return out.sort();
    },
    read: (path, onProgress) => readWithProgress(join(root, ...path.split('/')), onProgress),
  };
}

export async function loadModelDir(dir: string, opts: LoadFilesOptions = {}): Promise<ModelFiles> {
  return loadModelFiles(await folderReader(dir), opts);
}
