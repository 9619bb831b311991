import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planParts, type PlanRequest } from '../../src/core/plan';
import { DEFAULT_STATE_CAP_BYTES } from '../../src/engine/keep';
import { shapeOfConfig, tokensUpperBound } from '../../src/state/runPlan';
import { bundledFiles } from '../unit/engine/helpers';
import { startHarness, watchErrors, type Harness } from './harness';

/**
 * The memory planner in the app (issue #11, item 5): a run whose states would not fit beside the
 * rest gets the planner's sentence, runs to the end anyway, and is saved in history without its
 * states. The budget is set with `?max-memory=` (the app's counterpart of `cotk --max-memory`) to
 * halfway between what the run needs without and with the history copy of its states.
 */
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

const QUESTION = '(12+7)*3=?';

async function budgetBetween(): Promise<{ without: number; with: number }> {
  const files = await bundledFiles('fp32-cpu');
  const promptTokens = tokensUpperBound(QUESTION.length);
  const r: PlanRequest = {
    shape: shapeOfConfig(files.config),
    weightsBytes: files.graph.byteLength + files.externalData.reduce((n, f) => n + f.data.byteLength, 0),
    dtype: files.variant,
    promptTokens,
    maxTokens: Math.min(1024, files.config.contextLength - promptTokens),
    stateCapBytes: DEFAULT_STATE_CAP_BYTES,
    historyStates: true,
    lens: true,
    runtime: 'wasm',
  };
  return { without: planParts(r, { historyStates: false }).total, with: planParts(r).total };
}

async function openHistory(page: Page): Promise<void> {
  await page.getByRole('tab', { name: 'History' }).click();
  await page.waitForSelector('[data-testid="history-storage"]');
}

describe('the memory planner in the app', () => {
  it('a run whose states do not fit gets the sentence, completes, and is saved without its states', async () => {
    const b = await budgetBetween();
    expect(b.with).toBeGreaterThan(b.without);
    const budget = Math.round((b.with + b.without) / 2);
    const { page } = await h.newPage();
    const errors = watchErrors(page);
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.goto(`${h.url}?backend=wasm&max-memory=${budget}`);
    await page.waitForSelector('[data-testid="engine-status"]:text("ready")', { timeout: 180_000 });
    await openHistory(page);
    await page.getByTestId('history-keep-states').check();
    await page.getByRole('tab', { name: 'Inspect a trace' }).click();
    await page.getByLabel('Question for the model').fill(QUESTION);
    const before = page.locator('[data-testid="memory-plan"]');
    await expect.poll(() => before.getAttribute('data-verdict')).toBe('degrade');
    expect(await before.textContent()).toMatch(/^Next run: Not everything fits: .*; it goes ahead saved in history without its states \(saving them would need .*\)/);
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.waitForSelector('[data-testid="run-status"][data-status="done"]', { timeout: 180_000 });
    expect((await page.locator('.tok').allTextContents()).join('')).toMatch(/57<\|im_end\|>$/);
    expect(await page.textContent('[data-testid="run-memory-plan"]')).toMatch(/^This run: Not everything fits: .*saved in history without its states/);
    expect(await page.locator('g.traj').count()).toBeGreaterThan(5); // the states are kept in memory for this run's views
    await openHistory(page);
    const row = page.locator('[data-testid="history-row"]', { has: page.locator('[data-testid="history-name"]', { hasText: `Asked: ${QUESTION}` }) });
    await expect.poll(() => row.count(), { timeout: 30_000 }).toBe(1);
    expect(await row.getByTestId('history-states').getAttribute('data-value')).toBe('false');
    expect(errors).toEqual([]);
  });

  it('refuses a run that cannot fit at all, with a sentence, and the page stays usable', async () => {
    const { page } = await h.newPage();
    await page.goto(`${h.url}?backend=wasm&max-memory=20M`);
    await page.waitForSelector('[data-testid="engine-status"]:text("ready")', { timeout: 180_000 });
    await page.getByLabel('Question for the model').fill(QUESTION);
    await expect.poll(() => page.getAttribute('[data-testid="memory-plan"]', 'data-verdict')).toBe('refuse');
    await page.getByRole('button', { name: 'Generate' }).click();
    await expect.poll(() => page.textContent('[data-testid="input-error"]')).toMatch(/^Will not fit: even \d+ tokens need about .* more than 21\.0 MB of memory \(the max-memory setting in the address\)\./);
    expect(await page.locator('[data-testid="run-status"]').count()).toBe(0);
  });
});
