import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, watchErrors, type Harness } from './harness';

/**
 * int4 on plain WASM in the app: the bundle's WASM EP has no GatherBlockQuantized kernel, so the
 * worker rewrites the 4-bit embedding at load (src/engine/tap/quantizedGather.ts) and the int4-cpu
 * graph generates. int4-webgpu stays WebGPU-only for another reason (its GroupQueryAttention fuses
 * the Q/K norm), and the message says that, not that int4 needs WebGPU.
 */
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

async function pick(page: Page, variant: string): Promise<void> {
  if ((await page.getAttribute('details.model-picker', 'open')) === null) await page.getByText('Choose a model…').click();
  await page.selectOption('#picker-variant', variant);
  await page.selectOption('#picker-backend', 'wasm');
  await page.getByRole('button', { name: 'Load', exact: true }).click();
}

describe('int4 graphs on WebAssembly', () => {
  it('loads int4-cpu on WASM, generates and scores; int4-webgpu says it needs WebGPU for its attention', async () => {
    const { page } = await h.newPage();
    const errors = watchErrors(page);
    await page.goto(`${h.url}?backend=wasm`);
    await page.waitForSelector('[data-testid="engine-status"]:text("ready")', { timeout: 180_000 });
    await pick(page, 'int4-cpu');
    await expect.poll(() => page.textContent('[data-testid="model-name"]'), { timeout: 180_000 }).toMatch(/int4-cpu/);
    await page.waitForSelector('[data-testid="engine-status"]:text("ready")', { timeout: 180_000 });
    expect(await page.textContent('[data-testid="model-backend"]')).toMatch(/WebAssembly/);
    await page.getByLabel('Question for the model').fill('(12+7)*3=?');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.waitForSelector('[data-testid="run-status"][data-status="done"]', { timeout: 180_000 });
    const text = (await page.locator('.tok').allTextContents()).join('');
    expect(text).toContain('</think>');
    expect(text).toContain('12+7=19');
    expect(Number(await page.getAttribute('[data-testid="score-cotkEnergy"]', 'data-value'))).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    // int4-webgpu on the same page: it still needs WebGPU, for its attention, not its 4-bit embedding.
    await pick(page, 'int4-webgpu');
    await expect.poll(() => page.locator('body').textContent(), { timeout: 180_000 }).toMatch(/GroupQueryAttention/);
    const body = (await page.locator('body').textContent()) ?? '';
    expect(body).not.toMatch(/GatherBlockQuantized/);
    expect(body).not.toMatch(/int4 graphs run in onnxruntime-node/);
  });
});
