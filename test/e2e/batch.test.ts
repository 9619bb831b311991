import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCORERS, scoreName } from '../../src/core/scores/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, watchErrors, type Harness } from './harness';
import { cliMetrics, openBatchFile } from './batchHelpers';
import { testbedTraces, type TestbedTrace } from '../testbed';

/**
 * The batch view in the production build on WASM: 50 testbed traces (both labels) scored in the
 * worker give the metrics `cotk batch` prints for the same file, to 1e-9. Needs `npm run build`
 * (the harness serves dist/).
 */
let h: Harness;
let file: string;

beforeAll(async () => {
  const traces = testbedTraces();
  const pick: TestbedTrace[] = [];
  let right = 0;
  let wrong = 0;
  for (const t of traces) {
    if (t.correct ? right < 25 : wrong < 25) {
      pick.push(t);
      if (t.correct) right++;
      else wrong++;
    }
    if (pick.length === 50) break;
  }
  file = join(mkdtempSync(join(tmpdir(), 'cotk-batch-')), 'testbed50.jsonl');
  writeFileSync(file, pick.map((t) => JSON.stringify({ id: t.id, prompt: `${t.expr}=?`, output: t.text, label: t.correct ? 1 : 0 })).join('\n') + '\n');
  h = await startHarness();
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe('the batch view in Chromium (wasm)', () => {
  it('scores a 50-trace testbed file and shows the metrics cotk batch prints', async () => {
    const cli = cliMetrics(file);

    const { page } = await h.newPage();
    const errors = watchErrors(page);
    await page.goto(`${h.url}?backend=wasm`);
    await openBatchFile(page, file);
    await page.getByRole('button', { name: 'Score all' }).click();
    await page.waitForSelector('[data-testid="batch-progress"][data-status="done"]', { timeout: 400_000 });
    expect(await page.getAttribute('[data-testid="batch-progress"]', 'data-done')).toBe('50');

    // one row per scorer by the app's one name (the default marked), none for the `cotk` key's duplicate
    expect(await page.locator('[data-testid="batch-metrics"] tr[data-scorer="cotk"]').count()).toBe(0);
    for (const s of SCORERS) expect(await page.textContent(`[data-testid="batch-metrics"] tr[data-scorer="${s.id}"] th`)).toBe(scoreName(s.id));
    expect(await page.locator('[data-testid="batch-results"] thead th').allTextContents()).toEqual(expect.arrayContaining(SCORERS.map((s) => scoreName(s.id))));
    for (const [k, m] of Object.entries(cli.metrics).filter(([k]) => k !== 'cotk')) {
      const row = `[data-testid="batch-metrics"] tr[data-scorer="${k}"]`;
      expect(Number(await page.getAttribute(`${row} [data-metric="n"]`, 'data-value'))).toBe(m.n);
      for (const f of ['auroc', 'aupr', 'fpr95'] as const) {
        const shown = await page.getAttribute(`${row} [data-metric="${f}"]`, 'data-value');
        if (m[f] === null) expect(shown).toBe('null');
        else expect(Math.abs(Number(shown) - (m[f] as number)), `${k} ${f}`).toBeLessThanOrEqual(1e-9);
      }
    }
    expect(errors).toEqual([]);
  }, 600_000);
});
