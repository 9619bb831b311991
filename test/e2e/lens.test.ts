import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, startHarness, watchErrors, type Harness } from './harness';

/**
 * The logit lens in the real app on WASM: ask, pick a reasoning token, and read the lens table.
 * Its last row is R[L] through the model's own read-out, i.e. the model's prediction after that
 * token; the run is greedy, so its top token is the token that actually follows.
 */
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

describe('the logit lens in Chromium (wasm)', () => {
  it('shows L+1 layers for a picked reasoning token, the last predicting the token that follows', async () => {
    const { page } = await h.newPage();
    await page.setViewportSize({ width: 1400, height: 1000 });
    const errors = watchErrors(page);
    await page.goto(`${h.url}?backend=wasm`);
    await page.waitForSelector('[data-testid="engine-status"]:text("ready")', { timeout: 180_000 });
    const layers = Number(/(\d+) layers/.exec((await page.textContent('[data-testid="model-backend"]')) ?? '')?.[1]);
    expect(layers).toBeGreaterThan(0);
    await page.getByLabel('Question for the model').fill('(12+7)*3=?');
    await page.keyboard.press('Control+Enter');
    await page.waitForSelector('[data-testid="run-status"][data-status="done"]', { timeout: 180_000 });
    await expect.poll(async () => (await page.locator('.tok').allTextContents()).join('')).toContain('12+7=19');
    // a reasoning token inside "12+7=19", and the token after it
    const reasoning = page.locator('.seg-reasoning .tok');
    const pick = reasoning.nth(3);
    const index = Number(await pick.getAttribute('data-index'));
    const nextText = await page.locator(`.tok[data-index="${index + 1}"]`).textContent();
    await pick.click();
    const table = page.getByTestId('lens-table');
    await table.waitFor({ timeout: 60_000 });
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBe(layers + 1);
    const last = rows.nth(layers);
    expect(await last.locator('.lens-top').getAttribute('data-id')).toBe(await table.getAttribute('data-target-id'));
    expect(await last.locator('.lens-top').textContent()).toBe(nextText);
    expect(await page.getByTestId('view-lens').textContent()).toMatch(/is the top prediction at layers? [\d, ]+\. The final prediction “[^”]+” settles at layer \d+ of \d+/);
    await page.screenshot({ path: join(ARTIFACTS, 'wasm-5-lens.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
