/**
 * The app half of the batch benchmark: the built app (a dist folder) served by Vite's preview
 * server, driven in Debian's headless Chromium as test/e2e/batch.test.ts drives it — load a JSONL
 * file into the batch view, press "Score all", wait for done.
 */
import type { Page } from 'playwright-core';
import type { Harness } from '../../test/e2e/harness';

export interface AppRun {
  /** Click on "Score all" to the view's status "done", timed here (ms). */
  readonly ms: number;
  /** Traces the view says it scored. */
  readonly done: number;
  /** The rate the view itself shows when done (traces/s over its own active time), null if none shown. */
  readonly viewRate: number | null;
  /** The accuracy the metrics table shows (generate mode: the graded answers), null if none shown. */
  readonly accuracy: number | null;
}

export interface AppBench {
  readonly version: string;
  /** Opens a page on `backend` with the given bundled graph; resolves to an error sentence when it cannot load. */
  open(backend: 'wasm' | 'webgpu', variant: string | null): Promise<AppPage | string>;
  close(): Promise<void>;
}

export interface AppPage {
  /** Loads the file into the batch view, scores it all (a prompt set: answers and grades it all) and times it. */
  score(file: string, expect: number): Promise<AppRun>;
  /** The model the page runs, as its header shows it (name, graph, device). */
  readonly model: string;
  close(): Promise<void>;
}

const READY = '[data-testid="engine-status"]:text("ready")';
const FAILED = '[data-testid="engine-status"]:text("failed to load")';

/** Waits for the engine to be ready, or returns the page's error sentence if loading failed. */
async function readyOrError(page: Page): Promise<string | null> {
  const which = await Promise.race([
    page.waitForSelector(READY, { timeout: 300_000 }).then(() => 'ready' as const),
    page.waitForSelector(FAILED, { timeout: 300_000 }).then(() => 'failed' as const),
  ]);
  if (which === 'ready') return null;
  const msg = (await page.textContent('[data-testid="model-error"]').catch(() => null)) ?? 'failed to load (no message shown)';
  return msg.replace(/\s+/g, ' ').trim();
}

async function modelLine(page: Page): Promise<string> {
  const name = (await page.textContent('[data-testid="model-name"]')) ?? '?';
  const backend = (await page.textContent('[data-testid="model-backend"]').catch(() => null)) ?? '?';
  return `${name}, ${backend}`.replace(/\s+/g, ' ').trim();
}

export async function openAppBench(dist: string): Promise<AppBench> {
  // The harness reads COTK_DIST when it is first imported.
  process.env.COTK_DIST = dist;
  const { startHarness, watchErrors } = await import('../../test/e2e/harness');
  const h: Harness = await startHarness();
  return {
    version: h.browser.version(),
    async open(backend, variant) {
      const { page, context } = await h.newPage();
      const errors = watchErrors(page);
      await page.goto(`${h.url}?backend=${backend}`);
      // The app loads the bundled default first; another graph is then picked in the model picker.
      const first = await readyOrError(page);
      if (first !== null && variant === null) {
        await context.close();
        return first;
      }
      if (variant !== null) {
        await page.click('summary:text("Choose a model…")');
        await page.check('input[name="picker-source"][value="bundled"]');
        await page.selectOption('#picker-variant', variant);
        await page.selectOption('#picker-backend', backend);
        await page.getByRole('button', { name: 'Load', exact: true }).click();
        // wait for the new load to start, then for its end
        await page.waitForFunction(() => !document.querySelector('[data-testid="engine-status"]')?.textContent?.startsWith('ready'), null, { timeout: 30_000 }).catch(() => undefined);
        const err = await readyOrError(page);
        if (err !== null) {
          await context.close();
          return err;
        }
        const name = (await page.textContent('[data-testid="model-name"]')) ?? '';
        if (!name.includes(variant)) {
          await context.close();
          return `the app did not switch to ${variant} (it shows ${name})`;
        }
      }
      await page.getByRole('tab', { name: 'Batch' }).click();
      const model = await modelLine(page);
      return {
        model,
        async score(file, expect) {
          await page.setInputFiles('#batch-file', file);
          await page.waitForSelector(`[data-testid="batch-progress"][data-total="${expect}"][data-status="ready"]`, { timeout: 60_000 });
          const t0 = performance.now();
          // "Score all" for traces, "Answer and grade" for a prompt set (generate mode)
          await page.getByRole('button', { name: /^(Score all|Answer and grade)/ }).click();
          await page.waitForSelector('[data-testid="batch-progress"][data-status="done"]', { timeout: 1_800_000, polling: 50 } as { timeout: number });
          const ms = performance.now() - t0;
          const done = Number(await page.getAttribute('[data-testid="batch-progress"]', 'data-done'));
          const text = (await page.textContent('[data-testid="batch-progress"] .progress-sizes')) ?? '';
          const m = /([\d.]+) (?:traces|prompts)\/s/.exec(text);
          const acc = await page.getAttribute('[data-testid="batch-metrics"]', 'data-accuracy', { timeout: 2000 }).catch(() => null);
          if (errors.length) throw new Error(`the page reported errors: ${errors.join('; ')}`);
          return { ms, done, viewRate: m ? Number(m[1]) : null, accuracy: acc === null ? null : Number(acc) };
        },
        close: () => context.close(),
      };
    },
    close: () => h.close(),
  };
}
