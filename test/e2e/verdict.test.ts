import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, startHarness, watchErrors, type Harness } from './harness';

/**
 * The verdict in the production build, on the bundled model (fp32 graph on WASM) with the profile
 * it ships (public/models/tiny-reasoner/fp32-cpu/calibration.json): a calibrated verdict for the
 * model's own answer, and a hand-written (right) trace it would not have written flagged as
 * "written elsewhere" at the token where its greedy choice departs.
 */
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

async function openApp(): Promise<{ page: Page; errors: string[] }> {
  const { page } = await h.newPage();
  await page.setViewportSize({ width: 1400, height: 1000 });
  const errors = watchErrors(page);
  await page.goto(`${h.url}?backend=wasm`);
  await page.waitForSelector('[data-testid="engine-status"]:text("ready")', { timeout: 180_000 });
  return { page, errors };
}

const done = (page: Page) => page.waitForSelector('[data-testid="run-status"][data-status="done"]', { timeout: 180_000 });

describe('the verdict in Chromium (WASM, bundled model and profile)', () => {
  it('gives a calibrated verdict with the bundled profile, and flags a pasted trace the model would not write', async () => {
    const { page, errors } = await openApp();
    await page.getByLabel('Question for the model').fill('(12+7)*3=?');
    await page.keyboard.press('Control+Enter');
    await done(page);
    await page.waitForSelector('[data-testid="verdict"]:not([data-kind="pending"])');
    await expect.poll(() => page.getAttribute('[data-testid="verdict"]', 'data-kind'), { message: (await page.textContent('[data-testid="verdict"]')) ?? '' }).toBe('calibrated');
    expect(await page.getAttribute('[data-testid="profile-controls"]', 'data-origin')).toBe('bundled');
    expect(await page.textContent('[data-testid="profile-status"]')).toMatch(/^Profile: tiny-reasoner \(fp32-cpu, revision fnv1a:[0-9a-f]{16}:\d+\), \d+ labelled traces .*\(shipped with the bundled model\)\.$/);
    const headline = (await page.textContent('[data-testid="verdict-headline"]')) ?? '';
    expect(headline).toMatch(/^(Likely sound|Uncertain|Likely unsound) — \d+ % \(calibrated on \d+ labelled traces of this model; held-out AUROC 0\.\d\d, ECE 0\.\d\d\)$/);
    expect(Number(await page.getAttribute('[data-testid="verdict"]', 'data-p'))).toBeGreaterThan(0.5); // its own right answer
    await page.getByText('Each score against the profile’s traces').click();
    expect(await page.locator('[data-testid="verdict-scores"] tr[data-score]').count()).toBeGreaterThanOrEqual(9);
    await page.screenshot({ path: join(ARTIFACTS, 'verdict-1-calibrated.png'), fullPage: true });

    // The right trace for (140*2)-37=?, written by hand: the model itself writes 14*2=28 here (issue 12).
    await page.getByRole('tab', { name: 'Paste a trace' }).click();
    await page.getByLabel(/Finished trace/).fill('(140*2)-37=?\n<think>\n140*2=280\n280-37=243\n</think>\n\n243<|im_end|>');
    await page.getByRole('button', { name: 'Score trace' }).click();
    await done(page);
    await page.waitForSelector('[data-testid="verdict"]:is([data-kind="written-elsewhere"], [data-kind="outside"])');
    const flag = (await page.textContent('[data-testid="verdict-flags"] [data-flag="written-elsewhere"]')) ?? '';
    expect(flag).toMatch(/^Written elsewhere\. The model's own greedy choice departs from this trace at token \d+ \(“\d”/);
    await page.screenshot({ path: join(ARTIFACTS, 'verdict-2-written-elsewhere.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
