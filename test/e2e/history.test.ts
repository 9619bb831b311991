import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, CHROMIUM, startHarness, watchErrors, type Harness } from './harness';

/**
 * History in the production build, in real Chromium and its real IndexedDB: a run survives a
 * reload and a browser restart and reopens with the same scores on screen; a real quota failure
 * (the origin's quota lowered through the DevTools protocol) is explained and loses no earlier run.
 * The fake engine (`?engine=fake`) keeps most of it fast; one run uses the bundled model on WASM.
 */
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

async function ready(page: Page, query: string): Promise<void> {
  await page.setViewportSize({ width: 1400, height: 1000 });
  await page.goto(`${h.url}${query}`);
  await page.waitForSelector('[data-testid="engine-status"]:text("ready")', { timeout: 180_000 });
}

/** Every score the confidence table shows, by scorer id. */
async function scores(page: Page): Promise<Record<string, string>> {
  const cells = page.locator('[data-testid^="score-"]');
  await expect.poll(() => cells.count()).toBe(9);
  const out: Record<string, string> = {};
  for (const el of await cells.all()) out[(await el.getAttribute('data-testid'))!] = (await el.getAttribute('data-value'))!;
  return out;
}

const shownText = async (page: Page) => (await page.locator('.tok').allTextContents()).join('');

/** Asks a question and waits for the run to finish. */
async function ask(page: Page, question: string): Promise<void> {
  await page.getByRole('tab', { name: 'Inspect a trace' }).click();
  await page.getByLabel('Question for the model').fill(question);
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.waitForSelector('[data-testid="run-status"][data-status="done"]', { timeout: 180_000 });
}

const row = (page: Page, name: string) => page.locator('[data-testid="history-row"]', { has: page.locator('[data-testid="history-name"]', { hasText: name }) });

async function openHistory(page: Page): Promise<void> {
  await page.getByRole('tab', { name: 'History' }).click();
  await page.waitForSelector('[data-testid="history-storage"]');
}

/** Opens History, waits for the run named `name`, reopens it, and waits for the inspector. */
async function reopen(page: Page, name: string): Promise<void> {
  await openHistory(page);
  await row(page, name).getByRole('button', { name: /^Reopen/ }).click();
  await page.waitForSelector('[data-testid="run-status"][data-status="done"]');
  expect(await page.getByRole('tab', { name: 'Inspect a trace' }).getAttribute('aria-selected')).toBe('true');
}

describe('history in Chromium', () => {
  it('keeps a run over a reload and reopens it with the same scores and text (fake engine)', async () => {
    const { page } = await h.newPage();
    const errors = watchErrors(page);
    await ready(page, '?engine=fake');
    await ask(page, '(12+7)*3=?');
    const before = await scores(page);
    const text = await shownText(page);
    await openHistory(page);
    await expect.poll(() => row(page, 'Asked: (12+7)*3=?').count()).toBe(1);
    const cotk = await row(page, 'Asked: (12+7)*3=?').getByTestId('history-cotk').getAttribute('data-value');
    // the list shows `cotk`, the default formulation (v2)
    expect(Math.abs(Number(cotk) - Number(before['score-cotkV2']))).toBeLessThanOrEqual(1e-9 * Math.abs(Number(cotk)));

    await page.reload();
    await page.waitForSelector('[data-testid="engine-status"]:text("ready")');
    expect(await page.locator('[data-testid="results-empty"]').count()).toBe(1); // nothing on screen after the reload
    await reopen(page, 'Asked: (12+7)*3=?');
    expect(await scores(page)).toEqual(before);
    expect(await shownText(page)).toBe(text);
    expect(await page.getByLabel('Question for the model').inputValue()).toBe('(12+7)*3=?');
    expect(errors).toEqual([]);
  });

  it('keeps runs over a browser restart (same profile), with names and states as saved (fake engine)', async () => {
    const profile = mkdtempSync(join(tmpdir(), 'cotk-history-profile-'));
    const launch = () =>
      chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
      });
    let ctx: BrowserContext = await launch();
    try {
      let page = ctx.pages()[0] ?? (await ctx.newPage());
      await ready(page, '?engine=fake');
      await openHistory(page);
      await page.getByTestId('history-keep-states').check();
      await ask(page, '2*3=?');
      const before = await scores(page);
      await openHistory(page);
      const r = row(page, 'Asked: 2*3=?');
      await expect.poll(() => r.count()).toBe(1);
      expect(await r.getByTestId('history-states').textContent()).toBe('kept');
      await r.getByRole('button', { name: /^Rename/ }).click();
      await page.getByTestId('history-rename-input').fill('kept over a restart');
      await page.keyboard.press('Enter');
      await expect.poll(() => row(page, 'kept over a restart').count()).toBe(1);
      await page.screenshot({ path: join(ARTIFACTS, 'history-list.png'), fullPage: true });
      await ctx.close();

      ctx = await launch();
      page = ctx.pages()[0] ?? (await ctx.newPage());
      const errors = watchErrors(page);
      await ready(page, '?engine=fake');
      await openHistory(page);
      await expect.poll(() => row(page, 'kept over a restart').count()).toBe(1);
      expect(await row(page, 'kept over a restart').getByTestId('history-states').textContent()).toBe('kept');
      expect(await page.getByTestId('history-keep-states').isChecked()).toBe(true); // the setting survived too
      await reopen(page, 'kept over a restart');
      expect(await scores(page)).toEqual(before);
      expect(await page.locator('g.traj').count()).toBeGreaterThan(5); // drawn from the saved states
      expect(errors).toEqual([]);
    } finally {
      await ctx.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });

  it('explains a real quota failure with the sizes, keeps the run on screen and loses no earlier run (fake engine)', async () => {
    // The origin gets a 1 MB quota (through the DevTools protocol, before it first opens IndexedDB:
    // Chromium reads the quota then), one run is saved, and the rest of the quota is filled by
    // another database, as another app on the same site or a cached model would. Service workers
    // are blocked so that the precache does not take the quota first.
    const context = await h.browser.newContext({ serviceWorkers: 'block' });
    const page = await context.newPage();
    const errors = watchErrors(page);
    const cdp = await context.newCDPSession(page);
    const origin = new URL(h.url).origin;
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 1_000_000 });
    await ready(page, '?engine=fake');
    await ask(page, '2*3=?');
    await openHistory(page);
    await expect.poll(() => row(page, 'Asked: 2*3=?').count()).toBe(1);

    const filled = await page.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((res, rej) => {
        const o = indexedDB.open('filler', 1);
        o.onupgradeneeded = () => o.result.createObjectStore('junk');
        o.onsuccess = () => res(o.result);
        o.onerror = () => rej(o.error);
      });
      const put = (bytes: number) =>
        new Promise<string>((res) => {
          const tx = db.transaction('junk', 'readwrite');
          tx.objectStore('junk').put(new Uint8Array(bytes).map((_, i) => (i * 7919) % 251), Math.random());
          tx.oncomplete = () => res('ok');
          tx.onabort = () => res(tx.error?.name ?? 'abort');
        });
      let total = 0;
      const refusals: string[] = [];
      // big chunks first, then smaller ones, until not even 1 kB fits
      for (const chunk of [262_144, 65_536, 16_384, 4096, 1024]) {
        for (;;) {
          const r = await put(chunk);
          if (r !== 'ok') {
            refusals.push(r);
            break;
          }
          total += chunk;
        }
      }
      db.close();
      return { total, refusals };
    });
    expect(filled.refusals).toEqual(Array(5).fill('QuotaExceededError'));
    expect(filled.total).toBeGreaterThan(500_000);

    await ask(page, '(12+7)*3=?');
    const notice = page.getByTestId('history-save-error');
    await notice.waitFor();
    expect(await notice.getAttribute('data-quota')).toBe('true');
    const message = (await notice.locator('p').textContent()) ?? '';
    expect(message).toMatch(/^“Asked: \(12\+7\)\*3=\? → 57 · [\d:]+” was not saved to history\. The browser’s storage for this site is full \(it needed about [\d.]+ kB; the site uses /);
    expect(message).toMatch(/Delete older runs in History, or save without full states, and try again\. The run stays on screen, and earlier saved runs are untouched\.$/);
    await page.screenshot({ path: join(ARTIFACTS, 'history-quota.png'), fullPage: true });
    // the run is on screen, whole
    expect(await page.getAttribute('[data-testid="run-status"]', 'data-status')).toBe('done');
    expect(await shownText(page)).toMatch(/57<\|im_end\|>$/);
    // the earlier run is listed and whole, the failed one is not half there
    await openHistory(page);
    await expect.poll(() => page.getByTestId('history-row').count()).toBe(1);
    expect(await page.getByTestId('history-storage').getAttribute('data-runs')).toBe('1');
    await reopen(page, 'Asked: 2*3=?');
    expect(await shownText(page)).toMatch(/2\*3=6/);

    // space freed (the filler deleted): "Try again" saves the run that could not be saved
    await page.evaluate(
      () =>
        new Promise<void>((res, rej) => {
          const d = indexedDB.deleteDatabase('filler');
          d.onsuccess = () => res();
          d.onerror = () => rej(d.error);
        }),
    );
    await notice.getByRole('button', { name: /^Try again/ }).click();
    await expect.poll(() => notice.count()).toBe(0);
    await openHistory(page);
    await expect.poll(() => page.getByTestId('history-row').count()).toBe(2);
    await reopen(page, 'Asked: (12+7)*3=?');
    expect(await shownText(page)).toMatch(/57<\|im_end\|>$/);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('keeps a bundled-model run (wasm) with its states over a reload: same scores, trajectories and text', async () => {
    const { page } = await h.newPage();
    const errors = watchErrors(page);
    await ready(page, '?backend=wasm');
    await openHistory(page);
    await page.getByTestId('history-keep-states').check();
    expect(await page.getByTestId('history-keep-cost').textContent()).toMatch(/6\.4 kB per token on tiny-reasoner/);
    await ask(page, '(12+7)*3=?');
    const before = await scores(page);
    const text = await shownText(page);
    expect(text).toMatch(/57<\|im_end\|>$/);
    const paths = await page.locator('g.traj').count();
    expect(paths).toBeGreaterThan(10);
    await openHistory(page);
    const r = row(page, 'Asked: (12+7)*3=?');
    await expect.poll(() => r.count()).toBe(1);
    expect(await r.getByTestId('history-states').textContent()).toBe('kept');
    const size = Number(await r.getByTestId('history-size').getAttribute('data-value'));
    console.log(`history: a ${text.length}-character tiny-reasoner run with states saves in ${size} bytes; ${await page.getByTestId('history-keep-cost').textContent()}`);

    await page.reload();
    await page.waitForSelector('[data-testid="engine-status"]:text("ready")', { timeout: 180_000 });
    await reopen(page, 'Asked: (12+7)*3=?');
    expect(await scores(page)).toEqual(before);
    expect(await shownText(page)).toBe(text);
    expect(await page.locator('g.traj').count()).toBe(paths);
    await page.screenshot({ path: join(ARTIFACTS, 'history-reopened-wasm.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
