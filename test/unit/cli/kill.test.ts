import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../../src/engine/sample';
import { REPO_ROOT } from '../../paths';
import { recordProbe } from '../../reliability';
import { BUNDLED, testbedTraces } from '../engine/helpers';
import { cotkInProcess } from './cliHarness';

/**
 * Faults injected into the real `cotk batch` process: killed (SIGKILL, SIGINT) at seeded random
 * points, then resumed; and a file-size limit that makes the disk "full" mid-run. Every time, the
 * finished file equals an uninterrupted run byte for byte, and no half-written line is ever left
 * looking complete. Bounded: a small set, a few runs, each with a deadline.
 */
const dir = mkdtempSync(join(tmpdir(), 'cotk-kill-'));
const MODEL = ['--model', BUNDLED, '--variant', 'fp32-cpu'];
const COTK = join(REPO_ROOT, 'scripts/cotk.mjs');
const N = 16;
const RUNS = 4;
const IN = join(dir, 'in.jsonl');
let want = '';

/** Every line that ends with a newline is a whole batch line (a torn tail has no newline). */
function completeLinesParse(path: string): number {
  if (!existsSync(path)) return 0;
  const text = readFileSync(path, 'utf8');
  const whole = text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean);
  for (const l of whole) expect(() => JSON.parse(l), `a line left as if complete: ${l.slice(0, 80)}`).not.toThrow();
  return whole.length;
}

const linesIn = (path: string): number => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').length - 1 : 0);

/** Starts the real command, kills it with `signal` once `after` lines are out (plus a random few ms), and waits for it to end. */
function killAt(out: string, signal: NodeJS.Signals, after: number, jitterMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; lines: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [COTK, 'batch', ...MODEL, '--in', IN, '--out', out, ...(existsSync(out) ? ['--resume'] : [])], { cwd: REPO_ROOT, stdio: 'ignore' });
    const deadline = setTimeout(() => child.kill('SIGKILL'), 60_000);
    let sent = false;
    const poll = setInterval(() => {
      if (!sent && linesIn(out) >= after) {
        sent = true;
        setTimeout(() => child.kill(signal), jitterMs);
      }
    }, 2);
    child.on('error', reject);
    child.on('exit', (code, sig) => {
      clearInterval(poll);
      clearTimeout(deadline);
      resolve({ code, signal: sig, lines: linesIn(out) });
    });
  });
}

beforeAll(async () => {
  const t = testbedTraces().filter((_, i) => i % 47 === 0).slice(0, N);
  writeFileSync(IN, `${t.map((x) => JSON.stringify({ id: x.id, prompt: `${x.expr}=?`, output: x.text, label: x.correct ? 1 : 0 })).join('\n')}\n`);
  const one = join(dir, 'one.jsonl');
  const r = await cotkInProcess(['batch', ...MODEL, '--in', IN, '--out', one]);
  expect(r.code).toBe(0);
  want = readFileSync(one, 'utf8');
}, 120_000);

describe('cotk batch under faults', () => {
  it(`killed with SIGKILL and SIGINT at ${RUNS} seeded random points, then --resume: byte for byte the uninterrupted file`, { timeout: 300_000 }, async () => {
    const random = createRng(14); // a fixed seed: the same kill points on every machine
    const kills: string[] = [];
    for (let run = 0; run < RUNS; run++) {
      const out = join(dir, `killed-${run}.jsonl`);
      rmSync(out, { force: true });
      const signal: NodeJS.Signals = run % 2 === 0 ? 'SIGKILL' : 'SIGINT';
      const after = Math.floor(random() * N);
      const k = await killAt(out, signal, after, Math.floor(random() * 20));
      kills.push(`${signal} after ${k.lines} line(s)`);
      completeLinesParse(out);
      // in the first runs, a second kill during the resume, then a clean resume
      if (run < 2 && k.lines < N) {
        const k2 = await killAt(out, signal === 'SIGKILL' ? 'SIGINT' : 'SIGKILL', Math.min(N - 1, k.lines + 1 + Math.floor(random() * 3)), Math.floor(random() * 20));
        kills.push(`then after ${k2.lines}`);
        completeLinesParse(out);
      }
      const r = await cotkInProcess(['batch', ...MODEL, '--in', IN, '--out', out, '--resume']);
      expect(r.code).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe(want);
    }
    console.log(`cotk batch kills: ${kills.join('; ')}`);
    recordProbe({ area: 'cotk batch (faults)', input: `SIGKILL and SIGINT at ${RUNS} seeded random points (and again during the resume), then --resume`, outcome: 'recovered', kept: 'every finished line; the resumed file equals an uninterrupted run byte for byte' });
  });

  it('a disk that fills up mid-run: one sentence, exit 1, only whole lines kept, and --resume finishes the file', { timeout: 120_000 }, () => {
    const out = join(dir, 'full.jsonl');
    rmSync(out, { force: true });
    // ulimit -f: writes past 4 blocks fail with EFBIG (SIGXFSZ ignored), as a full disk fails with ENOSPC, part-way through a line.
    const sh = `trap '' XFSZ; ulimit -f 4; exec "${process.execPath}" "${COTK}" batch ${MODEL.join(' ')} --in "${IN}" --out "${out}"`;
    const r = spawnSync('sh', ['-c', sh], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^cotk batch: cannot write .*full\.jsonl: the file is too large for this file system\n$/);
    const text = readFileSync(out, 'utf8');
    expect(text.length).toBeGreaterThan(0);
    expect(text.endsWith('\n')).toBe(true); // the torn line was cut back
    expect(want.startsWith(text)).toBe(true);
    recordProbe({ area: 'cotk batch (faults)', input: 'the output file cannot grow mid-run (ulimit -f: EFBIG, as a full disk)', outcome: 'refused with a sentence', said: r.stderr, kept: `${text.split('\n').length - 1} whole line(s), no torn line` });
    return cotkInProcess(['batch', ...MODEL, '--in', IN, '--out', out, '--resume']).then((res) => {
      expect(res.code).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe(want);
    });
  });
});
