/**
 * `npx tsx bench/batch/extras.ts [--dist DIR]`: what the batch view's extras cost at full size, in
 * headless Chromium on WASM. All 800 testbed traces are scored; the checkpoint writes of the last
 * hundred (IndexedDB already holding ~700 rows) are timed (page time per trace, commit time per
 * write), and so is every ROC/PR redraw near 800 rows × 9 scorers (from new rows to the chart's DOM).
 * The view reports its own timings as data-* attributes on its progress bar and chart.
 * Prints one line; the numbers go by hand into docs/benchmarks.md ("Batch view extras").
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { testbedTraces } from '../../test/testbed';

const at = process.argv.indexOf('--dist');
if (at > 0) process.env.COTK_DIST = resolve(process.argv[at + 1]);
const { startHarness, watchErrors } = await import('../../test/e2e/harness');

interface Stats {
  readonly done: number;
  readonly writes: number;
  readonly rows: number;
  readonly sync: number;
  readonly commit: number;
  readonly maxSync: number;
}

const traces = testbedTraces();
const file = join(mkdtempSync(join(tmpdir(), 'cotk-batch-m-')), 'testbed800.jsonl');
writeFileSync(file, traces.map((t) => JSON.stringify({ id: t.id, prompt: `${t.expr}=?`, output: t.text, label: t.correct ? 1 : 0 })).join('\n') + '\n');
const h = await startHarness();
try {
    const { page } = await h.newPage();
    const errors = watchErrors(page);
    // tsx compiles with keepNames: functions sent to page.evaluate call its __name helper.
    await page.addInitScript('window.__name = (f) => f;');
    await page.goto(`${h.url}?backend=wasm`);
    await page.waitForSelector('[data-testid="engine-status"]:text("ready")', { timeout: 180_000 });
    await page.getByRole('tab', { name: 'Batch' }).click();
    await page.setInputFiles('#batch-file', file);
    const t0 = Date.now();
    await page.getByRole('button', { name: 'Score all' }).click();
    const stats = (): Promise<Stats> =>
      page.evaluate(() => {
        const el = document.querySelector('[data-testid="batch-progress"]') as HTMLElement;
        const n = (k: string) => Number(el.getAttribute(k));
        return { done: n('data-done'), writes: n('data-checkpoint-writes'), rows: n('data-checkpoint-rows'), sync: n('data-checkpoint-sync-ms'), commit: n('data-checkpoint-commit-ms'), maxSync: n('data-checkpoint-max-sync-ms') };
      });
    // Every redraw of the chart from here on: rows shown and milliseconds.
    await page.waitForSelector('svg.roc-chart', { timeout: 120_000 });
    await page.evaluate(() => {
      const w = window as unknown as { __draws: [number, number][] };
      w.__draws = [];
      const svg = document.querySelector('svg.roc-chart') as SVGSVGElement;
      new MutationObserver(() => w.__draws.push([Number(svg.getAttribute('data-rows')), Number(svg.dataset.drawMs)])).observe(svg, { attributes: true, attributeFilter: ['data-draw-ms'] });
    });
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="batch-progress"]')?.getAttribute('data-checkpoint-rows')) >= 700, null, { timeout: 600_000, polling: 100 });
    const a = await stats();
    await page.waitForSelector('[data-testid="batch-progress"][data-status="done"]', { timeout: 600_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="batch-progress"]')?.getAttribute('data-checkpoint-rows') === '800', null, { timeout: 10_000 });
    const b = await stats();
    const secs = (Date.now() - t0) / 1000;
    await page.waitForSelector('svg.roc-chart[data-rows="800"]');
    const draws = await page.evaluate(() => (window as unknown as { __draws: [number, number][] }).__draws);
    const late = draws.filter(([rows]) => rows >= 700).map(([, ms]) => ms);
    const final = draws.filter(([rows]) => rows === 800).map(([, ms]) => ms);

    const perTrace = (b.sync - a.sync) / (b.rows - a.rows);
    const perWrite = (b.commit - a.commit) / (b.writes - a.writes);
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    console.log(
      `800 traces in ${secs.toFixed(1)} s (${(800 / secs).toFixed(1)} traces/s). Checkpoints, rows ${a.rows}→${b.rows}: ${(b.writes - a.writes)} writes, ` +
        `${perTrace.toFixed(3)} ms page time per trace (max ${b.maxSync.toFixed(2)} ms per write over the batch), ${perWrite.toFixed(2)} ms to commit a write; over the whole batch ${b.writes} writes for 800 rows. ` +
        `ROC/PR redraws at ≥700 rows: ${late.length}, median ${median(late)?.toFixed(1)} ms, max ${Math.max(...late).toFixed(1)} ms; at 800 rows: ${final.map((x) => x.toFixed(1)).join(', ')} ms`,
    );
    if (b.rows !== 800 || errors.length > 0) throw new Error(`the batch did not finish cleanly: ${b.rows} rows checkpointed; page errors: ${errors.join(' | ')}`);
} finally {
  await h.close();
}
