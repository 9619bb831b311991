import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubServer, tinyReasonerHubRepo, type HubServer } from '../hub-server';
import { startDevHarness, type Harness } from './harness';

const REPO = 'test-org/tiny-reasoner-ONNX';
let h: Harness;
let hub: HubServer;

beforeAll(async () => {
  h = await startDevHarness();
  hub = await startHubServer({ [REPO]: tinyReasonerHubRepo() });
});

afterAll(async () => {
  await hub?.close();
  await h?.close();
});

describe('Hub loading in the browser worker (Cache Storage)', () => {
  it('downloads with progress, then loads offline from the cache in a fresh worker; errors leave no entry', async () => {
    const { page, context } = await h.newPage();
    const open = async () => {
      await page.goto(`${h.url}test/e2e/pages/engine-probe.html`);
      await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', undefined, { timeout: 120_000 });
    };
    await open();
    const missing = await page.evaluate(([host]) => window.engineProbe.load({ kind: 'hub', repo: 'test-org/nope', host, dtype: 'fp32' }, 'wasm'), [hub.host] as const);
    expect(missing.error?.code).toBe('not-found');
    expect(missing.error?.message).toMatch(/test-org\/nope has no config\.json/);

    hub.truncate.add('onnx/model.onnx_data');
    const cut = await page.evaluate(([host, repo]) => window.engineProbe.load({ kind: 'hub', repo, host, dtype: 'fp32' }, 'wasm'), [hub.host, REPO] as const);
    expect(cut.error?.code).toBe('truncated');
    expect((await page.evaluate(() => window.engineProbe.cacheKeys())).some((k) => k.endsWith('_data'))).toBe(false);
    hub.truncate.clear();

    const first = await page.evaluate(([host, repo]) => window.engineProbe.load({ kind: 'hub', repo, host, dtype: 'fp32' }, 'wasm'), [hub.host, REPO] as const);
    expect(first.error).toBeNull();
    expect(first.info?.name).toBe(REPO);
    const data = first.events.filter((e) => e.phase === 'download' && e.file === 'onnx/model.onnx_data');
    expect(data.at(-1)).toMatchObject({ loaded: 8702336, total: 8702336 });
    expect(data.length).toBeGreaterThan(2);

    await hub.close();
    await open(); // a new page: a new worker, the same origin's Cache Storage
    const second = await page.evaluate(([host, repo]) => window.engineProbe.load({ kind: 'hub', repo, host, dtype: 'fp32' }, 'wasm'), [hub.host, REPO] as const);
    expect(second.error).toBeNull();
    expect(second.events.filter((e) => e.phase === 'download')).toEqual([]);
    expect(second.events.filter((e) => e.phase === 'cache').map((e) => e.file).sort()).toEqual(['config.json', 'onnx/model.onnx', 'onnx/model.onnx_data', 'tokenizer.json', 'tokenizer_config.json']);
    await context.close();
  });
});
