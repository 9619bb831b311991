import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { main } from '../../../src/cli/main';
import { REPO_ROOT } from '../../paths';

/** Runs `cotk` in this process (fast: one engine load, no tsx start-up) with captured output. */
export async function cotkInProcess(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void): Writable =>
    new Writable({
      write(chunk: Buffer | string, _enc, cb) {
        append(chunk.toString());
        cb();
      },
    });
  const code = await main(args, {
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    stdin: Readable.from([stdin]),
  });
  return { code, stdout, stderr };
}

/** Runs the real command as a user would (scripts/cotk.mjs through tsx), in the checkout. */
export function cotkChild(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts/cotk.mjs'), ...args], { cwd: REPO_ROOT, input, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
