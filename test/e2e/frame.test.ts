import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, startHarness, watchErrors, type Harness } from './harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

describe('app frame in Chromium', () => {
  it('shows the header, the input panel and an empty results area', async () => {
    const { page, context } = await h.newPage();
    const errors = watchErrors(page);
    await page.goto(h.url);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('CoT-Kinetics Inspector');
    expect(await page.getByRole('tab', { name: 'Ask' }).getAttribute('aria-selected')).toBe('true');
    expect(await page.getByLabel('Question for the model').isVisible()).toBe(true);
    expect(await page.getByTestId('results-empty').isVisible()).toBe(true);
    // the method table comes from the scorer registry in src/core
    await page.getByText('How each score is computed').click();
    expect(await page.getByRole('row', { name: /CoT-Kinetics energy \(v1 formulation\)/ }).count()).toBe(1);
    expect(await page.locator('.method tbody tr').count()).toBe(8);
    await page.screenshot({ path: join(ARTIFACTS, 'frame.png'), fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('keeps what the user typed across a reload', async () => {
    const { page, context } = await h.newPage();
    await page.goto(h.url);
    await page.getByLabel('Question for the model').fill('(12+7)*3=?');
    await page.getByRole('tab', { name: 'Paste a trace' }).click();
    await page.getByLabel(/Finished trace/).fill('<think>\n12+7=19\n</think>\n\n57');
    await page.reload();
    expect(await page.getByRole('tab', { name: 'Paste a trace' }).getAttribute('aria-selected')).toBe('true');
    expect(await page.getByLabel(/Finished trace/).inputValue()).toBe('<think>\n12+7=19\n</think>\n\n57');
    await page.getByRole('tab', { name: 'Ask' }).click();
    expect(await page.getByLabel('Question for the model').inputValue()).toBe('(12+7)*3=?');
    await context.close();
  });
});
