import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, watchErrors, type Harness } from './harness';
import { cliMetrics } from './batchHelpers';
import { testbedTraces } from '../testbed';

/**
 * Checkpoints in Chromium's IndexedDB, on WASM: a batch of 120 testbed traces is interrupted by a
 * page reload mid-way; the reloaded page offers to resume it, scores only the traces the
 * checkpoint lacks, and ends with the metrics `cotk batch` prints for the whole file (to 1e-9).
 */
// Enough traces that the batch is still running a second in, when the first checkpoint with rows lands
// (the tiny model scores about 30 a second here).
const N = 120;
let h: Harness;
let file: string;

beforeAll(async () => {
  const traces = testbedTraces();
  // Both labels, from the middle of the testbed (the first 50 are the other test's).
  const pick = [...traces.slice(100).filter((t) => t.correct).slice(0, N / 2), ...traces.slice(100).filter((t) => !t.correct).slice(0, N / 2)].sort((a, b) => Number(a.id) - Number(b.id));
  file = join(mkdtempSync(join(tmpdir(), 'cotk-batch-cp-')), `testbed${N}.jsonl`);
  writeFileSync(file, pick.map((t) => JSON.stringify({ id: t.id, prompt: `${t.expr}=?`, output: t.text, label: t.correct ? 1 : 0 })).join('\n') + '\n');
  h = await startHarness();
}, 120_000);

afterAll(async () => {
  await h?.close();
});

async function ready(page: Page): Promise<void> {
  await page.waitForSelector('[data-testid="engine-status"]:text("ready")', { timeout: 180_000 });
  await page.getByRole('tab', { name: 'Batch' }).click();
}

describe('batch checkpoints in Chromium (wasm)', () => {
  it('resumes a batch interrupted by a reload and ends with the metrics of an uninterrupted cotk batch run', async () => {
    const cli = cliMetrics(file);

    const { page } = await h.newPage();
    const errors = watchErrors(page);
    await page.goto(`${h.url}?backend=wasm`);
    await ready(page);
    await page.setInputFiles('#batch-file', file);
    await page.getByRole('button', { name: 'Score all' }).click();
    // Reload once a checkpoint holding rows has landed (checkpoints are at most a second apart, so on
    // a fast machine 8 traces can all be scored before the first one with rows).
    await page.waitForFunction(
      () => {
        const bar = document.querySelector('[data-testid="batch-progress"]');
        return Number(bar?.getAttribute('data-done')) >= 8 && Number(bar?.getAttribute('data-checkpoint-rows')) >= 1;
      },
      null,
      { timeout: 120_000 },
    );
    await page.reload();
    await ready(page);

    const notice = page.getByTestId('batch-saved');
    await notice.waitFor({ timeout: 30_000 });
    const k = Number(await notice.getAttribute('data-cursor'));
    expect(await notice.getAttribute('data-status')).toBe('running');
    // Checkpoints are at most a second apart while running: a reload loses at most that second's traces.
    expect(k).toBeGreaterThanOrEqual(1);
    expect(k).toBeLessThan(N);
    expect(await notice.textContent()).toContain(`A batch of ${N} traces (testbed${N}.jsonl) was interrupted at ${k}`);
    await notice.getByRole('button', { name: 'Resume' }).click();
    await page.waitForSelector('[data-testid="batch-progress"][data-status="done"]', { timeout: 300_000 });
    const bar = page.getByTestId('batch-progress');
    expect(await bar.getAttribute('data-done')).toBe(String(N));
    // This page saved only the traces it scored: the finished ones were not scored again.
    await page.waitForFunction((want) => document.querySelector('[data-testid="batch-progress"]')?.getAttribute('data-checkpoint-rows') === String(want), N - k, { timeout: 10_000 });
    expect(await page.locator('[data-testid="batch-results"] tbody tr').count()).toBe(N);

    // One row per scorer by the app's one name: the CLI's `cotk` key duplicates `cotkV2` and has no row.
    expect(await page.locator('[data-testid="batch-metrics"] tr[data-scorer="cotk"]').count()).toBe(0);
    for (const [key, m] of Object.entries(cli.metrics).filter(([x]) => x !== 'cotk')) {
      const row = `[data-testid="batch-metrics"] tr[data-scorer="${key}"]`;
      expect(Number(await page.getAttribute(`${row} [data-metric="n"]`, 'data-value'))).toBe(m.n);
      for (const f of ['auroc', 'aupr', 'fpr95'] as const) {
        const shown = await page.getAttribute(`${row} [data-metric="${f}"]`, 'data-value');
        if (m[f] === null) expect(shown).toBe('null');
        else expect(Math.abs(Number(shown) - (m[f] as number)), `${key} ${f}`).toBeLessThanOrEqual(1e-9);
      }
    }
    // The chart shows every scorer with the table's AUROC.
    for (const key of Object.keys(cli.metrics).filter((x) => x !== 'cotk')) {
      const auroc = cli.metrics[key].auroc;
      expect(await page.getByTestId('roc-legend').locator(`button[data-scorer="${key}"]`).textContent()).toContain(auroc === null ? 'no curve' : `AUROC ${auroc.toFixed(3)}`);
    }
    expect(errors).toEqual([]);
  }, 600_000);
});
