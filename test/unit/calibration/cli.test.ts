import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProfile } from '../../../src/core/calibration/index';
import { REPO_ROOT } from '../../paths';
import { testbedTraces } from '../../testbed';
import { cotkChild, cotkInProcess } from '../cli/cliHarness';

const BUNDLED = relative(REPO_ROOT, join(REPO_ROOT, 'public/models/tiny-reasoner'));
const dir = mkdtempSync(join(tmpdir(), 'cotk-calibrate-'));
const MODEL = ['--model', BUNDLED, '--variant', 'fp32-cpu'];

/** 40 traces like the training data (correct) and 40 with larger numbers (mostly wrong). */
function traces(): string {
  const t = testbedTraces();
  return [...t.slice(0, 40), ...t.slice(400, 440)].map((x) => JSON.stringify({ id: x.id, prompt: `${x.expr}=?`, output: x.text, label: x.correct ? 1 : 0 })).join('\n');
}

interface OutLine {
  scores: Record<string, number>;
}
const lines = (p: string): OutLine[] => readFileSync(p, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as OutLine);

describe('cotk calibrate → cotk batch with a verdict (child processes, as a user runs them)', () => {
  const inPath = join(dir, 'traces.jsonl');
  const scored = join(dir, 'scored.jsonl');
  const profilePath = join(dir, 'profile.json');

  it('fits a profile on cotk batch output and scores with it', () => {
    writeFileSync(inPath, `${traces()}\n`);
    const a = cotkChild(['batch', ...MODEL, '--in', inPath, '--out', scored, '--calibration', 'none']);
    expect(a.stderr).toMatch(/scored 80 trace\(s\)/);
    expect(a.code).toBe(0);
    const rows = lines(scored);
    // v2's two terms are in every line; no verdict without a profile
    for (const r of rows) {
      expect(typeof r.scores.cotkV2Barrier).toBe('number');
      expect(r.scores.cotkV2Barrier - r.scores.cotkV2Kappa).toBeCloseTo(r.scores.cotkV2, 9);
      expect(r.scores.verdict).toBeUndefined();
    }

    const c = cotkChild(['calibrate', '--in', scored, '--out', profilePath, ...MODEL, '--name', 'eighty']);
    expect(c.stderr).toMatch(/^cotk calibrate: profile for tiny-reasoner \(fp32-cpu\) on 80 traces of "eighty"/);
    expect(c.stderr).toMatch(/verdict \(10 features\), held out over 5 folds by trace id: AUROC 0\.\d{3}/);
    expect(c.code).toBe(0);
    const profile = parseProfile(readFileSync(profilePath, 'utf8'));
    expect(profile.key.model).toBe('tiny-reasoner');
    expect(profile.key.dtype).toBe('fp32-cpu');
    expect(profile.key.revision).toMatch(/^fnv1a:[0-9a-f]{16}:\d+$/);
    expect(profile.dataset).toMatchObject({ name: 'eighty', n: 80 });

    const b = cotkChild(['batch', ...MODEL, '--in', inPath, '--out', join(dir, 'with-verdict.jsonl'), '--calibration', profilePath]);
    expect(b.code).toBe(0);
    for (const r of lines(join(dir, 'with-verdict.jsonl'))) {
      expect(r.scores.verdict).toBeGreaterThanOrEqual(0);
      expect(r.scores.verdict).toBeLessThanOrEqual(1);
    }
    const m = JSON.parse(b.stdout.trim());
    expect(m.metrics.verdict).toMatchObject({ orientation: 'higher-is-correct', n: 80 });
    for (const [k, v] of Object.entries(m.metrics) as [string, { ece: number; brier: number }][]) {
      expect(v.ece, k).toBeGreaterThanOrEqual(0);
      expect(v.brier, k).toBeGreaterThanOrEqual(0);
    }
    expect(b.stderr).toMatch(/AUROC\s+AUPR\s+FPR95\s+ECE\s+Brier/);
  }, 180_000);

  it('picks up the bundled profile by default and refuses another model’s profile, naming both', async () => {
    const d = await cotkInProcess(['batch', ...MODEL, '--in', inPath, '--out', join(dir, 'default.jsonl')]);
    expect(d.code).toBe(0);
    expect(d.stderr).toMatch(/verdict: calibration profile public\/models\/tiny-reasoner\/fp32-cpu\/calibration\.json \(1200 traces/);
    expect(lines(join(dir, 'default.jsonl')).every((r) => r.scores.verdict >= 0 && r.scores.verdict <= 1)).toBe(true);

    // the fp32 profile on the int4 graph: refused before anything is written over the user's file
    const out = join(dir, 'keep.jsonl');
    writeFileSync(out, 'the user’s earlier results\n');
    const w = cotkChild(['batch', '--model', BUNDLED, '--variant', 'int4-cpu', '--in', inPath, '--out', out, '--calibration', profilePath]);
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(/This calibration profile is for tiny-reasoner \(fp32-cpu, revision fnv1a:[0-9a-f]+:\d+\), another variant of this model, and the loaded model is tiny-reasoner \(int4-cpu, revision fnv1a:/);
    expect(readFileSync(out, 'utf8')).toBe('the user’s earlier results\n');
  }, 180_000);

  it('refuses a corrupt or newer profile like a bad run file, losing nothing', async () => {
    const out = join(dir, 'keep2.jsonl');
    writeFileSync(out, 'earlier\n');
    const bad = join(dir, 'cut.json');
    writeFileSync(bad, readFileSync(profilePath, 'utf8').slice(0, 100));
    const r = await cotkInProcess(['batch', ...MODEL, '--in', inPath, '--out', out, '--calibration', bad]);
    expect([r.code, r.stderr]).toEqual([2, `cotk batch: ${bad}: The file is not complete JSON: it is truncated at byte 100 (it ends in the middle of the data; was the download or copy cut short?).\n`]);
    const newer = join(dir, 'newer.json');
    writeFileSync(newer, readFileSync(profilePath, 'utf8').replace('"version": 1', '"version": 7'));
    const n = await cotkInProcess(['generate', ...MODEL, '--prompt', '1+1=?', '--calibration', newer]);
    expect(n.code).toBe(2);
    expect(n.stderr).toMatch(/newer version of the app \(v7\); this app reads v1/);
    expect(readFileSync(out, 'utf8')).toBe('earlier\n');
  }, 120_000);

  it('cotk calibrate refuses one label, < 30 traces, unlabelled lines, and never writes over a file that is not a profile', async () => {
    const rows = readFileSync(scored, 'utf8').trim().split('\n');
    const few = join(dir, 'few.jsonl');
    writeFileSync(few, `${rows.slice(0, 29).join('\n')}\n`);
    const a = await cotkInProcess(['calibrate', '--in', few, '--out', join(dir, 'p1.json'), ...MODEL]);
    expect([a.code, a.stderr]).toEqual([2, `cotk calibrate: ${few}: A calibration profile needs at least 30 labelled traces and got 29: with fewer, its held-out numbers would mean little.\n`]);
    const ones = join(dir, 'ones.jsonl');
    writeFileSync(ones, `${rows.slice(0, 40).join('\n')}\n`); // the first 40 are all correct
    const b = await cotkInProcess(['calibrate', '--in', ones, '--out', join(dir, 'p2.json'), ...MODEL]);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/Every one of the 40 traces is labelled correct \(1\): a calibration profile needs both/);
    expect(existsSync(join(dir, 'p1.json')) || existsSync(join(dir, 'p2.json'))).toBe(false);
    const unl = join(dir, 'unlabelled.jsonl');
    writeFileSync(unl, `${rows[0].replace(/"label":1,/, '')}\n`);
    const c = await cotkInProcess(['calibrate', '--in', unl, '--out', join(dir, 'p3.json'), ...MODEL]);
    expect([c.code, c.stderr]).toEqual([2, `cotk calibrate: ${unl} line 1 has no "label": a profile is fitted on labelled traces (label 0 = incorrect, 1 = correct)\n`]);
    const d = await cotkInProcess(['calibrate', '--in', scored, '--out', inPath, ...MODEL]);
    expect([d.code, d.stderr]).toEqual([2, `cotk calibrate: ${inPath} exists and is not a calibration profile; cotk calibrate does not write over it (choose another --out or move the file)\n`]);
    expect(readFileSync(inPath, 'utf8')).toBe(`${traces()}\n`);
  }, 120_000);
});
