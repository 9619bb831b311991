import type { CDPSession, Page } from 'playwright-core';

/**
 * Memory of the app's page across consecutive runs (issue #14, memory pressure), shared by the
 * shallow test (test/e2e/faults-memory.test.ts) and the full bench (bench/memory/run.ts).
 * - page: the renderer's JS heap after a forced garbage collection (CDP `HeapProfiler.collectGarbage`,
 *   then `Performance.getMetrics` → JSHeapUsedSize);
 * - worker: the engine worker's JS heap where Chromium exposes `performance.memory` inside it
 *   (null otherwise: Playwright opens no CDP session on a worker);
 * - wasm: ONNX Runtime's WebAssembly memory is not reachable from outside its module and only ever
 *   grows; it is not part of these numbers.
 */
export interface MemorySample {
  pageHeap: number;
  workerHeap: number | null;
}

export async function openCdp(page: Page): Promise<CDPSession> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  return cdp;
}

export async function sample(page: Page, cdp: CDPSession): Promise<MemorySample> {
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const pageHeap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN;
  const w = page.workers().at(-1);
  const workerHeap = w ? await w.evaluate(() => (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? null).catch(() => null) : null;
  return { pageHeap, workerHeap };
}

/** One run of the bundled model on the Inspect tab, to the end. */
export async function oneRun(page: Page, question: string): Promise<void> {
  await page.getByLabel('Question for the model').fill(question);
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.waitForSelector('[data-testid="run-status"][data-status="done"]', { timeout: 300_000 });
}

/** The question of run `i` (varied so every run computes anew). */
export const question = (i: number): string => `(${(i * 7) % 50}+${(i * 3) % 30})*${(i % 9) + 2}=?`;

export const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;
