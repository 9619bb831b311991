import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page, Worker } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeReasoning } from '../../src/engine/fake';
import { REPO_ROOT } from '../paths';
import { recordProbe } from '../reliability';
import { startHarness, watchErrors, type Harness } from './harness';

/**
 * Faults injected into the built app in Chromium: two tabs sharing one profile (batch checkpoints
 * and history writes), IndexedDB refused, the engine worker killed mid-run, the WebGPU device
 * destroyed mid-run. Injection goes through Playwright (worker evaluation, init scripts): nothing
 * in the shipped app switches a fault on.
 */
let h: Harness;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cotk-faults-'));
  h = await startHarness();
}, 120_000);

afterAll(async () => {
  await h?.close();
});

/** A JSONL batch file of `n` fake-engine traces. */
function traces(name: string, n: number, offset: number): string {
  const lines = Array.from({ length: n }, (_, i) => {
    const p = `${(i + offset) % 50}+${(i * 7 + offset) % 30}=?`;
    return JSON.stringify({ id: `${name}-${i}`, prompt: p, output: fakeReasoning(p), label: i % 2 });
  });
  const file = join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

async function ready(page: Page, query = '?engine=fake'): Promise<void> {
  await page.goto(`${h.url}${query}`);
  await page.waitForSelector('[data-testid="engine-status"]:text("ready")', { timeout: 180_000 });
}

const bar = (page: Page) => page.getByTestId('batch-progress');

/** Tab A's batch: long enough that Pause lands before the fake engine finishes it on a fast or loaded machine. */
const A_TRACES = 240;

describe('faults in Chromium', () => {
  it('two tabs: a batch in one never overwrites the other’s checkpoint; after a reload each tab offers its own batch', async () => {
    const context: BrowserContext = await h.browser.newContext();
    const a = await context.newPage();
    const b = await context.newPage();
    const errors = [...watchErrors(a), ...watchErrors(b)];
    const fileA = traces('tab-a.jsonl', A_TRACES, 0);
    const fileB = traces('tab-b.jsonl', 12, 17);
    await ready(a);
    await ready(b);
    await a.getByRole('tab', { name: 'Batch' }).click();
    await b.getByRole('tab', { name: 'Batch' }).click();
    await a.setInputFiles('#batch-file', fileA);
    await a.getByRole('button', { name: 'Score all' }).click();
    await a.waitForFunction(() => Number(document.querySelector('[data-testid="batch-progress"]')?.getAttribute('data-checkpoint-rows')) >= 2, null, { timeout: 60_000 });
    await a.getByRole('button', { name: 'Pause' }).click();
    await a.waitForFunction(() => document.querySelector('[data-testid="batch-progress"]')?.getAttribute('data-status') === 'paused');
    await a.waitForTimeout(300); // the pause's checkpoint is written at once
    const k = Number(await bar(a).getAttribute('data-done'));
    expect(k).toBeLessThan(A_TRACES);

    await b.setInputFiles('#batch-file', fileB);
    await b.getByRole('button', { name: 'Score all' }).click();
    await b.waitForSelector('[data-testid="batch-progress"][data-status="done"]', { timeout: 60_000 });
    await b.waitForTimeout(300);

    await a.reload();
    await a.waitForSelector('[data-testid="engine-status"]:text("ready")', { timeout: 60_000 });
    await a.getByRole('tab', { name: 'Batch' }).click();
    const notice = a.getByTestId('batch-saved');
    await notice.waitFor({ timeout: 30_000 });
    expect(await notice.textContent()).toContain(`A batch of ${A_TRACES} traces (tab-a.jsonl) was interrupted at ${k}`);
    await notice.getByRole('button', { name: 'Resume' }).click();
    await a.waitForSelector('[data-testid="batch-progress"][data-status="done"]', { timeout: 120_000 });
    expect(await bar(a).getAttribute('data-done')).toBe(String(A_TRACES));
    expect(await a.locator('[data-testid="batch-results"] tbody tr').count()).toBe(A_TRACES);
    expect(await a.locator('[data-testid="batch-results"] tbody tr', { hasText: 'tab-b' }).count()).toBe(0);

    await b.reload();
    await b.waitForSelector('[data-testid="engine-status"]:text("ready")', { timeout: 60_000 });
    await b.getByRole('tab', { name: 'Batch' }).click();
    const nb = b.getByTestId('batch-saved');
    await nb.waitFor({ timeout: 30_000 });
    expect(await nb.textContent()).toContain('The last batch of 12 traces (tab-b.jsonl) finished');
    expect(errors).toEqual([]);
    recordProbe({ area: 'batch checkpoint (IndexedDB)', input: `tab A pauses a ${A_TRACES}-trace batch, tab B runs a 12-trace batch to the end, both reload`, outcome: 'handled', said: `A batch of ${A_TRACES} traces (tab-a.jsonl) was interrupted at k, …`, kept: `each tab's own batch: A resumed to all ${A_TRACES} rows, B shows its finished 12` });
    await context.close();
  }, 300_000);

  it('two tabs writing history at once: every run of both is saved whole', async () => {
    const context = await h.browser.newContext();
    const pages = [await context.newPage(), await context.newPage()];
    for (const p of pages) await ready(p);
    const asked: string[] = [];
    for (let i = 0; i < 3; i++) {
      await Promise.all(
        pages.map(async (p, t) => {
          const q = `${t * 10 + i}+${i + 1}=?`;
          asked.push(q);
          await p.getByLabel('Question for the model').fill(q);
          await p.getByRole('button', { name: 'Generate' }).click();
          await p.waitForSelector('[data-testid="run-status"][data-status="done"]', { timeout: 60_000 });
        }),
      );
    }
    for (const p of pages) {
      await p.getByRole('tab', { name: 'History' }).click();
      await p.reload();
      await p.getByRole('tab', { name: 'History' }).click();
      await expect.poll(() => p.getByTestId('history-row').count(), { timeout: 20_000 }).toBe(6);
      const names = await p.getByTestId('history-name').allTextContents();
      // A run's name is its question, then its answer and time ("Asked: 0+1=? → 1 · 04:55:22", #13).
      expect(names.map((n) => n.replace(/ → .*$/, '')).sort()).toEqual(asked.map((q) => `Asked: ${q}`).sort());
    }
    recordProbe({ area: 'history (IndexedDB)', input: 'two tabs saving three runs each at the same time', outcome: 'handled', kept: 'all six runs, listed in both tabs' });
    await context.close();
  }, 300_000);

  it('IndexedDB refused (private window): the app runs, history says it is off, the drafts and the run stay', async () => {
    const context = await h.browser.newContext();
    await context.addInitScript(() => {
      IDBFactory.prototype.open = function () {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      };
    });
    const page = await context.newPage();
    await ready(page);
    await page.getByLabel('Question for the model').fill('(2+3)*4=?');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.waitForSelector('[data-testid="run-status"][data-status="done"]', { timeout: 60_000 });
    await page.getByRole('tab', { name: 'History' }).click();
    const said = page.getByTestId('history-unavailable');
    await said.waitFor({ timeout: 20_000 });
    const sentence = (await said.textContent()) ?? '';
    expect(sentence).toMatch(/does not allow this page to store data/);
    await page.getByRole('tab', { name: 'Inspect' }).click().catch(() => undefined);
    expect(await page.locator('.tok').count()).toBeGreaterThan(0);
    await page.reload();
    await page.waitForSelector('[data-testid="engine-status"]:text("ready")', { timeout: 60_000 });
    expect(await page.getByLabel('Question for the model').inputValue()).toBe('(2+3)*4=?');
    recordProbe({ area: 'history (IndexedDB)', input: 'indexedDB.open throws SecurityError (private mode)', outcome: 'handled', said: sentence, kept: 'the run on screen, the drafts across a reload; only history is off' });
    await context.close();
  }, 300_000);
});

/** The page's engine worker (the one module worker the app starts). */
async function engineWorker(page: Page): Promise<Worker> {
  await expect.poll(() => page.workers().length, { timeout: 30_000 }).toBeGreaterThan(0);
  return page.workers()[page.workers().length - 1];
}


/** How long the page took to notice the worker's death, in page time (not the test's wall clock). */
interface Detection {
  /** The death's moment to the engine client's notice (its performance mark). */
  noticeMs: number;
  /** The death's moment to the sentence on screen. */
  shownMs: number;
}

/**
 * Kills the page's engine worker with `self.close()` and measures, inside the browser, the time from
 * the moment close() runs in the worker (not when the test asked: a busy worker runs the evaluation
 * only after its current task) to the client's death mark and to the notice on screen. Both clocks
 * are `performance.timeOrigin + performance.now()` of their own context, which share one time base.
 */
async function killAndTime(page: Page, w: Worker): Promise<Detection> {
  await page.evaluate(() => {
    const g = window as unknown as { __killAt?: number; __shownAt?: number };
    delete g.__killAt;
    delete g.__shownAt;
    performance.clearMarks('cotk-engine-died');
    new BroadcastChannel('cotk-fault-test').onmessage = (ev: MessageEvent<number>) => (g.__killAt = ev.data);
    const seen = () => {
      if (g.__shownAt === undefined && document.querySelector('[data-testid="engine-notice"]')?.textContent) {
        g.__shownAt = performance.timeOrigin + performance.now();
      }
    };
    new MutationObserver(seen).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  void w
    .evaluate(() => {
      new BroadcastChannel('cotk-fault-test').postMessage(performance.timeOrigin + performance.now());
      self.close();
    })
    .catch(() => undefined);
  const handle = await page.waitForFunction(
    () => {
      const g = window as unknown as { __killAt?: number; __shownAt?: number };
      const mark = performance.getEntriesByName('cotk-engine-died')[0];
      if (g.__killAt === undefined || g.__shownAt === undefined || !mark) return null;
      return { noticeMs: performance.timeOrigin + mark.startTime - g.__killAt, shownMs: g.__shownAt - g.__killAt };
    },
    null,
    { timeout: 60_000 },
  );
  return (await handle.jsonValue()) as Detection;
}

describe('engine faults in Chromium', () => {
  it('the worker dies mid-batch (WASM): noticed, said, the batch pauses with its rows, a new worker loads the model, Resume finishes', async () => {
    const { page, context } = await h.newPage();
    const file = traces('worker-death.jsonl', 300, 3);
    await ready(page, '?backend=wasm');
    const w = await engineWorker(page);
    await page.getByRole('tab', { name: 'Batch' }).click();
    await page.setInputFiles('#batch-file', file);
    await page.getByRole('button', { name: 'Score all' }).click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="batch-progress"]')?.getAttribute('data-done')) >= 5, null, { timeout: 120_000 });
    const d = await killAndTime(page, w);
    console.log(`worker death (WASM, mid-batch): noticed by the client ${d.noticeMs.toFixed(1)} ms, on screen ${d.shownMs.toFixed(1)} ms after self.close() (page time)`);
    // The issue: "the page notices within a second". The notice comes from the life lock's release, not polling.
    expect(d.noticeMs).toBeGreaterThanOrEqual(0);
    expect(d.shownMs).toBeLessThanOrEqual(1000);
    await page.waitForSelector('[data-testid="batch-progress"][data-status="paused"]', { timeout: 10_000 });
    const done = Number(await bar(page).getAttribute('data-done'));
    expect(done).toBeGreaterThanOrEqual(5);
    expect(done).toBeLessThan(300);
    const said = (await page.getByTestId('engine-notice').textContent()) ?? '';
    expect(said).toMatch(/^The engine worker stopped \(.*\); a new one is starting and the model reloads\. What the run had produced is kept\.$/);
    await page.waitForSelector('[data-testid="engine-status"]:text("ready")', { timeout: 180_000 });
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.waitForSelector('[data-testid="batch-progress"][data-status="done"]', { timeout: 300_000 });
    expect(await page.locator('[data-testid="batch-results"] tbody tr').count()).toBe(300);
    expect(await page.getByTestId('batch-failed').count().catch(() => 0)).toBe(0);
    recordProbe({ area: 'engine worker', input: 'self.close() in the worker mid-batch (WASM)', outcome: 'recovered', said, kept: 'every row scored before; the batch paused at the item in flight, the model reloaded on a new worker, Resume scored the rest (300 of 300); noticed and said within a second of page time' });
    await context.close();
  }, 600_000);

  // WebGPU on SwiftShader loads in minutes on a loaded 2-core machine: opt in with COTK_E2E_WEBGPU=1.
  it.skipIf(!process.env.COTK_E2E_WEBGPU)('the worker dies mid-generation (WebGPU): the partial run is kept and saved, a new worker runs the next one', async () => {
    const { page } = await h.newPage();
    await ready(page, '?backend=webgpu');
    const w = await engineWorker(page);
    await page.getByLabel('Question for the model').fill('(((6+40)*4)*6)*10=?');
    await page.getByRole('button', { name: 'Generate' }).click();
    await expect.poll(() => page.locator('.tok').count(), { timeout: 120_000 }).toBeGreaterThan(4);
    const d = await killAndTime(page, w);
    console.log(`worker death (WebGPU, mid-generation): noticed by the client ${d.noticeMs.toFixed(1)} ms, on screen ${d.shownMs.toFixed(1)} ms after self.close() (page time)`);
    expect(d.shownMs).toBeLessThanOrEqual(1000);
    await page.waitForSelector('[data-testid="run-status"][data-status="error"]', { timeout: 10_000 });
    const kept = await page.locator('.tok').count();
    expect(kept).toBeGreaterThan(4);
    const said = (await page.getByTestId('engine-notice').textContent()) ?? '';
    expect(said).toMatch(/^The engine worker stopped \(.*\); a new one is starting and the model reloads\. What the run had produced is kept\.$/);
    await page.waitForSelector('[data-testid="engine-status"]:text("ready")', { timeout: 180_000 });
    await page.getByRole('tab', { name: 'History' }).click();
    await expect.poll(() => page.getByTestId('history-row').count(), { timeout: 20_000 }).toBe(1);
    await page.getByRole('tab', { name: 'Inspect' }).click().catch(() => undefined);
    await page.getByLabel('Question for the model').fill('2+3=?');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.waitForSelector('[data-testid="run-status"][data-status="done"]', { timeout: 180_000 });
    recordProbe({ area: 'engine worker', input: 'self.close() in the worker mid-generation', outcome: 'recovered', said, kept: `the tokens streamed so far (inspectable, saved in history); the model reloaded on a new worker and the next run finished` });
    await page.context().close();
  }, 400_000);

  it.skipIf(!process.env.COTK_E2E_WEBGPU)('the WebGPU device is lost mid-run: the partial run stays, the model reloads on WASM, the next run works', async () => {
    const { page, context } = await h.newPage();
    // Keep a handle on every GPUDevice the worker makes (installed as soon as the worker exists).
    page.on('worker', (w) => {
      void w
        .evaluate(() => {
          type Adapter = { requestDevice(...a: unknown[]): Promise<{ destroy(): void }> };
          const g = self as unknown as { __devices: { destroy(): void }[]; GPUAdapter: { prototype: Adapter } };
          g.__devices = [];
          const proto = g.GPUAdapter.prototype;
          const orig = proto.requestDevice;
          proto.requestDevice = async function (this: Adapter, ...args: unknown[]) {
            const d = await orig.apply(this, args);
            g.__devices.push(d);
            return d;
          };
        })
        .catch(() => undefined);
    });
    await ready(page, '?backend=webgpu');
    expect(await page.getByTestId('model-backend').textContent()).toMatch(/^WebGPU/);
    const w = await engineWorker(page);
    expect(await w.evaluate(() => (self as unknown as { __devices: { destroy(): void }[] }).__devices.length)).toBeGreaterThan(0);
    await page.getByLabel('Question for the model').fill('(((6+40)*4)*6)*10=?');
    await page.getByRole('button', { name: 'Generate' }).click();
    await expect.poll(() => page.locator('.tok').count(), { timeout: 120_000 }).toBeGreaterThan(4);
    await w.evaluate(() => (self as unknown as { __devices: { destroy(): void }[] }).__devices.forEach((d) => d.destroy()));
    await page.waitForSelector('[data-testid="run-status"][data-status="error"]', { timeout: 30_000 });
    const kept = await page.locator('.tok').count();
    expect(kept).toBeGreaterThan(4);
    const said = (await page.getByTestId('engine-notice').textContent()) ?? '';
    expect(said).toMatch(/GPU device was lost.*reloads on WASM/);
    await page.waitForSelector('[data-testid="engine-status"]:text("ready")', { timeout: 180_000 });
    expect(await page.getByTestId('model-backend').textContent()).toMatch(/^WebAssembly/);
    await page.getByLabel('Question for the model').fill('2+3=?');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.waitForSelector('[data-testid="run-status"][data-status="done"]', { timeout: 180_000 });
    recordProbe({ area: 'engine worker', input: 'GPUDevice.destroy() mid-generation', outcome: 'recovered', said, kept: `the tokens streamed so far (inspectable, saved); the model reloaded on WASM and the next run finished` });
    await context.close();
  }, 400_000);
});

describe('model folder faults in Chromium', () => {
  it('a folder that fails to load (model.onnx cut in half) keeps the working model on the page: said, still ready, the next run works', async () => {
    const { page, context } = await h.newPage();
    const errors = watchErrors(page);
    await ready(page, '?backend=wasm');
    const before = (await page.getByTestId('engine-status').textContent()) ?? '';
    // A copy of the bundled fp32-cpu folder whose graph is cut in half.
    const src = join(REPO_ROOT, 'public/models/tiny-reasoner/fp32-cpu');
    const bad = join(dir, 'broken-model');
    mkdirSync(bad, { recursive: true });
    for (const f of readdirSync(src)) {
      const data = readFileSync(join(src, f));
      writeFileSync(join(bad, f), f === 'model.onnx' ? data.subarray(0, data.length >> 1) : data);
    }
    await page.getByText('Choose a model…').click();
    await page.getByLabel('A folder on this computer').check();
    await page.setInputFiles('#picker-folder', bad);
    await page.waitForSelector('[data-testid="picker-folder-summary"]');
    await page.getByRole('button', { name: 'Load', exact: true }).click();
    await page.waitForSelector('[data-testid="model-error"]', { timeout: 180_000 });
    const said = ((await page.getByTestId('model-error').textContent()) ?? '').trim();
    expect(said).toMatch(/stays loaded\.$/);
    await page.waitForSelector('[data-testid="engine-status"]:text("ready")', { timeout: 60_000 });
    expect(await page.getByTestId('engine-status').textContent()).toBe(before);
    await page.getByLabel('Question for the model').fill('2+3=?');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.waitForSelector('[data-testid="run-status"][data-status="done"]', { timeout: 180_000 });
    expect(errors.filter((e) => !/model\.onnx|protobuf|failed to load|ModelKept/i.test(e))).toEqual([]);
    recordProbe({ area: 'model folder', input: 'a folder picked in the page whose model.onnx is cut in half, while the bundled model is loaded', outcome: 'refused with a sentence', said, kept: 'the bundled model (still ready on the page); the next run finished' });
    await context.close();
  }, 400_000);
});
