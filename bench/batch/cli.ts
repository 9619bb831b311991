/**
 * The CLI half of the batch benchmark: one `cotk batch` run as a user runs it (a child process of
 * `node scripts/cotk.mjs`), timed from outside, with the scoring time the command reports itself.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { REPO_ROOT } from '../../test/paths';

export interface CliRun {
  /** The command's own time for the traces (engine loaded; what its progress bar's traces/s counts), ms. */
  readonly ms: number;
  /** The whole command: Node and tsx start-up, model load, scoring, metrics (ms). */
  readonly wallMs: number;
  /** Traces written. */
  readonly traces: number;
  /** From the metrics line: perplexity AUROC (a check that the cell computed the right thing) and accuracy. */
  readonly perplexityAuroc: number | null;
  readonly accuracy: number | null;
}

export interface CliJob {
  readonly runtime: 'node' | 'wasm';
  readonly variant: string;
  readonly generate: boolean;
  readonly input: string;
  readonly output: string;
}

const MODEL = resolve(REPO_ROOT, 'public/models/tiny-reasoner');
const DONE = /cotk batch: (?:generated, graded and scored|scored) (\d+) trace\(s\) in ([\d.]+) s/;

/** Runs one `cotk batch`; rejects with the command's last stderr line when it fails. */
export function runCli(job: CliJob): Promise<CliRun> {
  const args = ['scripts/cotk.mjs', 'batch', '--model', MODEL, '--variant', job.variant, '--runtime', job.runtime, '--in', job.input, '--out', job.output];
  if (job.generate) args.push('--generate');
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      const m = DONE.exec(err);
      if (code !== 0 || !m) {
        const last = err.trim().split('\n').filter((l) => !l.startsWith('  ')).pop() ?? `exit ${code}`;
        fail(new Error(last.replace(/^cotk batch: /, '')));
        return;
      }
      const metrics = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { accuracy?: number; metrics?: Record<string, { auroc: number | null }> };
      done({ ms: Number(m[2]) * 1000, wallMs, traces: Number(m[1]), perplexityAuroc: metrics.metrics?.perplexity?.auroc ?? null, accuracy: metrics.accuracy ?? null });
    });
  });
}
