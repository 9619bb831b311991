import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../paths';
import { startHarness, watchErrors, type Harness } from './harness';
import { openBatchFile } from './batchHelpers';
import { testbedTraces, type TestbedTrace } from '../testbed';

/**
 * Generate mode in Chromium on WASM: a prompt set of 8 testbed problems (prompt `expr=?`, expected
 * the true value), 3 of which the model gets wrong, is answered greedily in the worker; the labels
 * equal the testbed's `correct` and the outputs its `text`. The exported labelled traces are read
 * back by `cotk batch`.
 */
let h: Harness;
let dir: string;
let file: string;
let pick: TestbedTrace[];

beforeAll(async () => {
  const traces = testbedTraces();
  const every = traces.filter((_, i) => i % 20 === 0);
  pick = [...every.filter((t) => t.correct).slice(0, 5), ...every.filter((t) => !t.correct).slice(0, 3)].sort((a, b) => a.id - b.id);
  dir = mkdtempSync(join(tmpdir(), 'cotk-batch-gen-'));
  file = join(dir, 'prompts.jsonl');
  writeFileSync(file, pick.map((t) => JSON.stringify({ id: t.id, prompt: `${t.expr}=?`, expected: t.truth })).join('\n') + '\n');
  h = await startHarness();
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe('generate mode in Chromium (wasm)', () => {
  it('answers 8 testbed prompts as the testbed did, labels them as the testbed does, and exports traces cotk batch reads', async () => {
    expect(pick.filter((t) => !t.correct)).toHaveLength(3);
    const { page } = await h.newPage();
    const errors = watchErrors(page);
    await page.goto(`${h.url}?backend=wasm`);
    await openBatchFile(page, file);
    expect(await page.getByTestId('batch-file').getAttribute('data-mode')).toBe('prompts');
    expect(await page.getByTestId('batch-file').textContent()).toContain('a prompt set of 8 prompts');
    await page.getByRole('button', { name: 'Answer and grade' }).click();
    await page.waitForSelector('[data-testid="batch-progress"][data-status="done"]', { timeout: 300_000 });
    expect(await page.getAttribute('[data-testid="batch-metrics"]', 'data-accuracy')).toBe(String(5 / 8));

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSONL' }).click()]);
    expect(download.suggestedFilename()).toBe('traces.jsonl');
    const out = join(dir, 'traces.jsonl');
    await download.saveAs(out);
    const rows = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: number; prompt: string; output: string; label: number; expected: string; answer: string | null; scores: Record<string, number | null> });
    expect(rows.map((r) => r.id)).toEqual(pick.map((t) => t.id));
    rows.forEach((r, i) => {
      const t = pick[i];
      expect(r.output, `testbed ${t.id} (${t.expr})`).toBe(t.text);
      expect(r.label, `testbed ${t.id}`).toBe(t.correct ? 1 : 0);
      expect(r.expected).toBe(String(t.truth));
      expect(r.prompt).toBe(`${t.expr}=?`);
      expect(r.scores.cotk).toBe(r.scores.cotkV2);
    });
    // The results table shows the graded answers.
    const wrong = pick.findIndex((t) => !t.correct);
    const tr = page.locator('[data-testid="batch-results"] tbody tr').nth(wrong);
    expect(await tr.locator('[data-col="label"]').textContent()).toBe('0');
    expect(await tr.locator('[data-col="expected"]').textContent()).toBe(String(pick[wrong].truth));
    expect(await tr.locator('[data-col="answer"]').textContent()).toBe(rows[wrong].answer ?? '(none)');

    // cotk batch reads the export as labelled traces.
    const cli = execFileSync('node', ['scripts/cotk.mjs', 'batch', '--model', 'public/models/tiny-reasoner', '--in', out, '--out', '-'], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
    const last = JSON.parse(cli.trim().split('\n').pop() as string) as { accuracy: number; n: number; metrics: Record<string, unknown> };
    expect(last.n).toBe(8);
    expect(last.accuracy).toBe(5 / 8);
    expect(Object.keys(last.metrics)).toContain('cotk');
    expect(errors).toEqual([]);
  }, 600_000);
});
