import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/core/csv';
import { ARTIFACTS, startHarness, watchErrors, type Harness } from './harness';

/**
 * The views of issue #13 in the production build, in Chromium, on the bundled model on WASM: the
 * answer in words (results, History, the CSV and the HTML report), the logit lens spelling tokens
 * with the model's tokenizer (all layers, the settle marker), trajectories with axes, a legend and
 * the picked token's label, and History's buttons on a 390 px phone viewport. One page, one run.
 */
let h: Harness;
let dir: string;

beforeAll(async () => {
  h = await startHarness();
  dir = mkdtempSync(join(tmpdir(), 'cotk-ux-views-'));
}, 120_000);

afterAll(async () => {
  await h?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function save(page: Page, testId: string): Promise<string> {
  // Headless Chromium may drop one download of a page: a click that brings none is tried once more.
  const click = () => Promise.all([page.waitForEvent('download', { timeout: 15_000 }) as Promise<Download>, page.click(`[data-testid="${testId}"]`)]);
  const [d] = await click().catch(click);
  const path = join(dir, d.suggestedFilename());
  await d.saveAs(path);
  return path;
}

describe('the views of a run in Chromium (wasm)', () => {
  it('answers in words, spells the lens, labels the trajectories, and keeps History usable on a phone', async () => {
    const { page } = await h.newPage();
    await page.setViewportSize({ width: 1400, height: 1000 });
    const errors = watchErrors(page);
    await page.goto(`${h.url}?backend=wasm`);
    await page.waitForSelector('[data-testid="engine-status"]:text("ready")', { timeout: 180_000 });
    const layers = Number(/(\d+) layers/.exec((await page.textContent('[data-testid="model-backend"]')) ?? '')?.[1]);
    await page.getByLabel('Question for the model').fill('(12+7)*3=?');
    await page.keyboard.press('Control+Enter');
    await page.waitForSelector('[data-testid="run-status"][data-status="done"]', { timeout: 180_000 });

    // the answer in words at the top of the results
    const answer = page.getByTestId('answer-line');
    expect((await answer.textContent())?.replace(/\s+/g, ' ').trim()).toBe('Answer: 57');

    // the logit lens after the token before a newline: spelled by the tokenizer, ↵ visible, every layer on screen
    const toks = page.locator('.seg-reasoning .tok');
    const texts = await toks.allTextContents();
    const k = texts.findIndex((t, i) => i > 0 && t === '↵') - 1;
    expect(k).toBeGreaterThanOrEqual(0);
    await toks.nth(k).click();
    const table = page.getByTestId('lens-table');
    await table.waitFor({ timeout: 60_000 });
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBe(layers + 1);
    const lensText = (await table.textContent()) ?? '';
    expect(lensText).not.toMatch(/#\d+/); // every id spelled (the tokenizer's vocabulary, not just this output's)
    expect(await rows.nth(layers).locator('.lens-top').textContent()).toBe('↵');
    expect(lensText).not.toMatch(/e-\d+%|\de[-+]\d/); // percentages a person reads
    // no inner scroller: the table is as tall as its rows, and nothing around it scrolls
    const scrolls = await page.evaluate(() => {
      const t = document.querySelector('[data-testid="lens-table"]') as HTMLElement;
      const out: string[] = [];
      for (let e: HTMLElement | null = t; e && e.dataset.testid !== 'view-lens'; e = e.parentElement) {
        if (e.scrollHeight > e.clientHeight + 1 && getComputedStyle(e).overflowY !== 'visible') out.push(e.className);
      }
      return out;
    });
    expect(scrolls).toEqual([]);
    // the settle marker: the first layer from which the top-1 is the last layer's, through the end
    const ids = await rows.locator('.lens-top').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
    let settle = layers;
    while (settle > 0 && ids[settle - 1] === ids[layers]) settle--;
    expect(await table.getAttribute('data-settles')).toBe(String(settle));
    expect(await page.getByTestId('lens-settle-mark').count()).toBe(1);
    expect(await rows.nth(settle).getAttribute('data-settle')).toBe('true');

    // trajectories: axes that say what they are, a legend for every mark, the picked token labelled
    const traj = page.getByTestId('view-trajectories');
    expect(await traj.getByTestId('traj-axis-x').textContent()).toMatch(/^PC 1 \(\d+ % of variance\)$/);
    expect(await traj.getByTestId('traj-axis-y').textContent()).toMatch(/^PC 2 \(\d+ % of variance\)$/);
    const marks = await traj.locator('[data-testid="traj-legend"] li').evaluateAll((els) => els.map((e) => e.getAttribute('data-mark')));
    expect(marks).toEqual(expect.arrayContaining(['reasoning', 'answer', 'other', 'mean', 'picked']));
    expect(await traj.getByTestId('traj-mean').count()).toBe(1);
    const picked = traj.getByTestId('traj-label-picked');
    expect(await picked.getAttribute('data-index')).toBe(await toks.nth(k).getAttribute('data-index'));
    expect(await picked.textContent()).toBe(`“${texts[k]}” #${await toks.nth(k).getAttribute('data-index')}`);
    await page.screenshot({ path: join(ARTIFACTS, 'ux-views-1-results.png'), fullPage: true });

    // the faint paths stay visible in both themes: the blended stroke keeps a contrast of at least 1.5 : 1 on the background
    const faintContrast = () =>
      page.evaluate(() => {
        const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
        const lum = ([r, g, b]: number[]) => {
          const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
          return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
        };
        const bg = rgb(getComputedStyle(document.body).backgroundColor);
        // the least visible faint path, over every segment drawn (reasoning, answer, tags)
        const ratios = [...document.querySelectorAll('[data-testid="view-trajectories"] g.traj-faint')].map((g) => {
          const path = g.querySelector('path') as SVGPathElement;
          const alpha = Number(getComputedStyle(g).opacity) * Number(getComputedStyle(path).strokeOpacity || 1);
          const mixed = rgb(getComputedStyle(path).stroke).map((v, i) => alpha * v + (1 - alpha) * bg[i]);
          const [hi, lo] = [lum(mixed), lum(bg)].sort((x, y) => y - x);
          return (hi + 0.05) / (lo + 0.05);
        });
        return ratios.length > 0 ? Math.min(...ratios) : 0;
      });
    expect(await faintContrast()).toBeGreaterThanOrEqual(1.5);
    await page.getByRole('combobox', { name: /Theme/ }).selectOption('dark');
    expect(await faintContrast()).toBeGreaterThanOrEqual(1.5);
    await page.getByRole('combobox', { name: /Theme/ }).selectOption('light');

    // the CSV and the HTML report say the answer too
    const parsed = parseCsv(readFileSync(await save(page, 'export-csv'), 'utf8'));
    expect(parsed.errors).toEqual([]);
    const csv = parsed.records.map((r) => r.fields);
    const col = csv[0].indexOf('runAnswer');
    expect(new Set(csv.slice(1).map((r) => r[col]))).toEqual(new Set(['57']));
    const report = await save(page, 'export-html');
    const rp = await h.newPage();
    await rp.page.goto(`file://${report}`);
    expect((await rp.page.getByTestId('answer-line').textContent())?.replace(/\s+/g, ' ').trim()).toBe('Answer: 57');
    await rp.context.close();

    // History: the answer column, a name with prompt, answer and time; on a 390 px phone the buttons are on screen
    await page.getByRole('tab', { name: 'History' }).click();
    const row = page.getByTestId('history-row').first();
    await row.waitFor({ timeout: 30_000 });
    expect(await row.getByTestId('history-answer').textContent()).toBe('57');
    expect(await row.getByTestId('history-name').textContent()).toMatch(/^Asked: \(12\+7\)\*3=\? → 57 · \d\d:\d\d:\d\d$/);
    await page.setViewportSize({ width: 390, height: 844 });
    for (const name of [/^Reopen/, /^Rename/, /^Delete/]) {
      const b = row.getByRole('button', { name });
      await b.scrollIntoViewIfNeeded();
      const box = await b.boundingBox();
      expect(box, String(name)).not.toBeNull();
      expect(box!.x, String(name)).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width, String(name)).toBeLessThanOrEqual(390);
    }
    await page.screenshot({ path: join(ARTIFACTS, 'ux-views-2-history-390.png'), fullPage: false });
    expect(errors).toEqual([]);
  });
});
