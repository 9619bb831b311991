/**
 * Memory pressure, full size (issue #14): 50 consecutive runs of the bundled model on WASM in one
 * page, with history keeping each run's states, after 3 warm-up runs; the page's JS heap after a
 * forced GC (CDP) after every run against the baseline. The bundled tiny model's context is 256
 * tokens (genai_config.json `context_length`), so a 4 000-token run cannot be made with it: every
 * run here is as long as the model goes (to its end of answer or the context), states kept.
 *
 *   npx vite build --logLevel warn && nice -n 10 npx tsx bench/memory/run.ts [--runs N]
 *
 * Prints a markdown table with the machine and the date; writes no file. ONNX Runtime's WebAssembly
 * memory is not reachable from outside its module and only grows; it is not in these numbers.
 */
import { cpus, totalmem } from 'node:os';
import { mb, oneRun, openCdp, question, sample } from '../../test/e2e/faults-memory';
import { startHarness } from '../../test/e2e/harness';

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1]) || 50;
const WARM = 3;

const h = await startHarness();
try {
  const { page } = await h.newPage();
  await page.goto(`${h.url}?backend=wasm`);
  await page.waitForSelector('[data-testid="engine-status"]:text("ready")', { timeout: 180_000 });
  await page.getByRole('tab', { name: 'History' }).click();
  await page.waitForSelector('[data-testid="history-storage"]');
  await page.getByTestId('history-keep-states').check();
  await page.getByRole('tab', { name: 'Inspect a trace' }).click();
  const cdp = await openCdp(page);
  for (let i = 0; i < WARM; i++) await oneRun(page, question(100 + i));
  const base = await sample(page, cdp);
  const heaps: number[] = [];
  for (let i = 1; i <= RUNS; i++) {
    await oneRun(page, question(i));
    heaps.push((await sample(page, cdp)).pageHeap);
  }
  const pct = (b: number) => `${((b / base.pageHeap - 1) * 100).toFixed(1)} %`;
  const at = (n: number) => heaps[Math.min(n, heaps.length) - 1];
  const worst = Math.max(...heaps);
  const over = heaps.findIndex((b) => b > base.pageHeap * 1.1);
  console.log(`Memory over ${RUNS} consecutive runs in one page (WASM, states kept in history), ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GB, shared and loaded machine\n`);
  console.log('| measure | page JS heap after GC | vs baseline |');
  console.log('|---|---|---|');
  console.log(`| baseline (after ${WARM} warm-up runs) | ${mb(base.pageHeap)} | — |`);
  for (const n of [1, 10, 25, RUNS]) if (n <= RUNS) console.log(`| after run ${n} | ${mb(at(n))} | ${pct(at(n))} |`);
  console.log(`| worst | ${mb(worst)} | ${pct(worst)} |`);
  console.log(`\nfirst run over +10 %: ${over < 0 ? 'none' : over + 1}; worker JS heap: ${base.workerHeap === null ? 'not exposed by Chromium in the worker' : mb(base.workerHeap)}`);
} finally {
  await h.close();
}
