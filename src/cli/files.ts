import { accessSync, constants, fstatSync, renameSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { CliError } from './io';

/**
 * The CLI's output files, written so that nothing the user made is lost: an output that is the
 * input (same file by inode, so a hard link or a symlink counts) is refused before anything is
 * opened, a whole file is rewritten through a temporary file and a rename, and a failed write
 * (a full disk, a read-only folder) is one sentence naming the path.
 */

/** Exit code for a write the system refused (disk full, read-only, permissions): not a usage error. */
export const WRITE_FAILED = 1;

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** Whether `a` and `b` name the same file (device and inode: hard links and symlinks included). */
export function sameFile(a: Stats | null, b: Stats | null): boolean {
  return a !== null && b !== null && a.dev === b.dev && a.ino === b.ino && a.isFile();
}

/**
 * The input's file: its path, or standard input's descriptor when it is `-` and the process's own
 * (`< file` redirects count as the file).
 */
export function inputStats(path: string, stdinIsProcess: boolean): Stats | null {
  if (path !== '-') return statOrNull(path);
  if (!stdinIsProcess) return null;
  try {
    return fstatSync(0);
  } catch {
    return null;
  }
}

/** Refuses `--out` that is the input file, before either is opened. */
export function refuseSameFile(inPath: string, outPath: string, stdinIsProcess: boolean, flag = '--out'): void {
  if (outPath === '-') return;
  if (sameFile(inputStats(inPath, stdinIsProcess), statOrNull(outPath))) {
    const what = inPath === '-' ? 'the file on standard input' : `the input file ${inPath}`;
    throw new CliError(`${flag} ${outPath} is ${what}: writing there would destroy the input; pick another output file`);
  }
}

/** One sentence for a failed file operation (no errno codes, no stack). */
export function fsSentence(e: unknown, path: string, verb = 'write'): string {
  const code = (e as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOSPC' ? 'no space left on the device' :
    code === 'EDQUOT' ? 'the disk quota is used up' :
    code === 'EROFS' ? 'the file system is read-only' :
    code === 'EACCES' || code === 'EPERM' ? 'permission denied' :
    code === 'EISDIR' ? 'it is a directory' :
    code === 'ENOENT' ? 'its folder does not exist' :
    code === 'ENOTDIR' ? 'a part of the path is not a folder' :
    code === 'EFBIG' ? 'the file is too large for this file system' :
    code === 'EIO' ? 'an input/output error' :
    ((e as Error).message ?? String(e)).split('\n')[0];
  return `cannot ${verb} ${path}: ${why}`;
}

/** A CLI error (exit {@link WRITE_FAILED}) for a write that failed. */
export function writeError(e: unknown, path: string): CliError {
  return e instanceof CliError ? e : new CliError(fsSentence(e, path), WRITE_FAILED);
}

/**
 * Whether `path` can be written, checked without creating or truncating anything: the file itself
 * when it exists, else its folder. Throws the sentence otherwise.
 */
export function checkWritable(path: string): void {
  const st = statOrNull(path);
  try {
    if (st?.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    accessSync(st ? path : dirname(resolve(path)), constants.W_OK);
  } catch (e) {
    throw writeError(e, path);
  }
}

/**
 * Writes the whole file through a temporary file beside it and a rename, so the old content stays
 * whole until the new one is complete. A path that is not a regular file (/dev/stdout, /dev/full,
 * a pipe) is written directly.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const st = statOrNull(path);
  try {
    if (st && !st.isFile()) {
      writeFileSync(path, data);
      return;
    }
    const tmp = join(dirname(resolve(path)), `.${basename(path)}.cotk-${process.pid}.tmp`);
    try {
      writeFileSync(tmp, data, st ? { mode: st.mode & 0o777 } : {});
      renameSync(tmp, path);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  } catch (e) {
    throw writeError(e, path);
  }
}
