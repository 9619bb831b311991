import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { SCORERS, scoreName } from '../../src/core/scores/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, startHarness, watchErrors, type Harness } from './harness';

/**
 * Compare in the production build on WASM with the bundled model: two runs asked in the app (saved
 * to history as they finish, with their states kept), picked in History, shown side by side in
 * Compare; then a third run saved without states, picked with the keyboard, and the overlay's note.
 */
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
}, 120_000);

afterAll(async () => {
  await h?.close();
});

const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

async function ask(page: Page, question: string, savedBefore: number): Promise<void> {
  await page.getByRole('tab', { name: 'Inspect a trace' }).click();
  await page.getByLabel('Question for the model').fill(question);
  await page.keyboard.press('Control+Enter');
  await page.waitForSelector('[data-testid="run-status"][data-status="done"]', { timeout: 180_000 });
  // it is in history once the list (read back from IndexedDB) has one more run
  await page.getByRole('tab', { name: 'History' }).click();
  await expect.poll(async () => Number(await page.getAttribute('[data-testid="history-storage"]', 'data-runs')), { timeout: 30_000 }).toBe(savedBefore + 1);
}

describe('compare in Chromium (wasm, bundled model)', () => {
  it('shows two saved runs side by side: texts, two strips, the score table and the trajectory overlay', async () => {
    const { page } = await h.newPage();
    await page.setViewportSize({ width: 1400, height: 1000 });
    const errors = watchErrors(page);
    await page.goto(`${h.url}?backend=wasm`);
    await page.waitForSelector('[data-testid="engine-status"]:text("ready")', { timeout: 180_000 });

    // keep the full states, so the trajectories can be overlaid
    await page.getByRole('tab', { name: 'History' }).click();
    await page.getByTestId('history-keep-states').check();
    await ask(page, '(12+7)*3=?', 0);
    await ask(page, '(12+7)*4=?', 1);

    // pick both in History and open Compare from there
    // the inspector's score names, to hold Compare's against
    await page.getByRole('tab', { name: 'Inspect a trace' }).click();
    const inspectorNames = await page.$$eval('[data-testid^="score-"][data-scorer]', (els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-scorer'), e.querySelector('th button')?.textContent ?? ''])));
    await page.getByRole('tab', { name: 'History' }).click();
    // runs are named by prompt, answer and time
    await page.getByRole('checkbox', { name: /^Select “Asked: \(12\+7\)\*3=\? → 57 · \d\d:\d\d:\d\d” for compare$/ }).check();
    await page.getByRole('checkbox', { name: /^Select “Asked: \(12\+7\)\*4=\? → 76 · \d\d:\d\d:\d\d” for compare$/ }).check();
    await page.getByRole('button', { name: 'Compare the two selected runs' }).click();
    await page.waitForSelector('[data-testid="compare-scores"]', { timeout: 30_000 });

    // both texts, steps aligned: the shared first step on one row, in both columns
    const first = page.locator('[data-testid="compare-steps"] tbody tr').first();
    expect(await first.getAttribute('data-kind')).toBe('same');
    expect(await first.locator('td.cmp-text[data-run="A"]').textContent()).toBe('12+7=19');
    expect(await first.locator('td.cmp-text[data-run="B"]').textContent()).toBe('12+7=19');
    const stepsText = await page.textContent('[data-testid="compare-steps"]');
    expect(stepsText).toContain('19*3=57');
    expect(stepsText).toContain('19*4=76');

    // two strips on one domain
    const sa = page.getByTestId('compare-strip-A');
    const sb = page.getByTestId('compare-strip-B');
    expect(Number(await sa.getAttribute('data-tokens'))).toBeGreaterThan(10);
    expect(Number(await sb.getAttribute('data-tokens'))).toBeGreaterThan(10);
    expect(await sa.getAttribute('data-domain')).toBe(await sb.getAttribute('data-domain'));

    // the score table has both columns and B − A
    // the answers first, then one row per scorer named as in the inspector (and Batch: scoreName), no second default row
    expect(await page.getAttribute('[data-testid="compare-scores"] tr[data-score="answer"] [data-col="a"]', 'data-value')).toBe('57');
    expect(await page.getAttribute('[data-testid="compare-scores"] tr[data-score="answer"] [data-col="b"]', 'data-value')).toBe('76');
    expect(await page.locator('[data-testid="compare-scores"] tr[data-score="cotk"]').count()).toBe(0);
    for (const s of SCORERS) {
      const th = await page.textContent(`[data-testid="compare-scores"] tr[data-score="${s.id}"] th`);
      expect(th, s.id).toBe(scoreName(s.id));
      expect(inspectorNames[s.id], s.id).toBe(th);
    }
    for (const key of ['cotkV2', 'perplexity', 'answerConfidence']) {
      const row = page.locator(`[data-testid="compare-scores"] tr[data-score="${key}"]`);
      const a = Number(await row.locator('[data-col="a"]').getAttribute('data-value'));
      const b = Number(await row.locator('[data-col="b"]').getAttribute('data-value'));
      const d = Number(await row.locator('[data-col="diff"]').getAttribute('data-value'));
      expect(Number.isFinite(a) && Number.isFinite(b), key).toBe(true);
      expect(d).toBeCloseTo(b - a, 9);
    }

    // the overlay: both runs' paths in one plot, and its legend
    const overlay = page.getByTestId('compare-overlay');
    expect(await overlay.locator('g.traj[data-run="A"]').count()).toBe(Number(await sa.getAttribute('data-tokens')));
    expect(await overlay.locator('g.traj[data-run="B"]').count()).toBe(Number(await sb.getAttribute('data-tokens')));
    const legend = await page.textContent('[data-testid="compare-legend"]');
    expect(legend).toContain('Run A: Asked: (12+7)*3=?');
    expect(legend).toContain('Run B: Asked: (12+7)*4=?');
    await shot(page, 'compare-1-two-runs');

    // a run saved without states: picked with the keyboard, the overlay says why it is missing
    await page.getByRole('tab', { name: 'History' }).click();
    await page.getByTestId('history-keep-states').uncheck();
    await ask(page, '(2+3)*4=?', 2);
    await page.getByRole('tab', { name: 'Compare' }).click();
    const pickB = page.getByTestId('compare-pick-B');
    await pickB.focus();
    const third = await pickB.locator('option', { hasText: 'Asked: (2+3)*4=?' }).getAttribute('value');
    // Chromium's closed <select> takes arrow keys; walk up to the third run (the newest, listed first).
    // Polled, not counted: the list reloads once the third run's autosave lands, which may reset the pick.
    await expect
      .poll(
        async () => {
          if ((await pickB.inputValue()) !== third) {
            await pickB.focus();
            await page.keyboard.press('ArrowUp');
          }
          return pickB.inputValue();
        },
        { timeout: 30_000 },
      )
      .toBe(third);
    await expect.poll(() => page.textContent('[data-testid="compare-trajectories-note"]'), { timeout: 30_000 }).toMatch(/^Run B kept no hidden states/);
    expect(await page.textContent('[data-testid="compare-steps"]')).toContain('2+3=5');
    expect(await page.getByTestId('compare-scores').locator('tr[data-score="perplexity"] [data-col="b"]').getAttribute('data-value')).not.toBe('null');
    await shot(page, 'compare-2-no-states');
    expect(errors).toEqual([]);
  }, 600_000);
});
