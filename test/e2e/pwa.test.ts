import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubFileUrl } from '../../src/engine/source/hub';
import { startHubServer, tinyReasonerHubRepo, type HubServer } from '../hub-server';
import { CHROMIUM, startDevHarness, startHarness, watchErrors, type Harness } from './harness';

/**
 * The installed app (the production build with its service worker): installable, works offline
 * with the bundled model, lists and deletes the models kept on the device, and shows no update
 * prompt on a fresh install. The prompt itself is tested in jsdom (test/dom/pwa.test.tsx): a
 * second build just to have a waiting version would double the test's time.
 */
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

const ready = (page: Page) => page.waitForSelector('[data-testid="engine-status"]:text("ready")', { timeout: 180_000 });

/** Waits for the service worker to be active and in control of the page (the first install claims it). */
async function controlled(page: Page): Promise<void> {
  await page.evaluate(() => navigator.serviceWorker.ready);
  const claimed = await page
    .waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 10_000 })
    .then(() => true)
    .catch(() => false);
  if (!claimed) {
    await page.reload();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 30_000 });
  }
}

/** Every URL in the service worker's precache (workbox adds a revision parameter to unhashed files). */
function precacheUrls(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const out: string[] = [];
    for (const name of await caches.keys()) {
      if (name.startsWith('workbox-precache')) out.push(...(await (await caches.open(name)).keys()).map((r) => r.url));
    }
    return out;
  });
}

async function ask(page: Page, question: string): Promise<string> {
  await page.getByLabel('Question for the model').fill(question);
  await page.keyboard.press('Control+Enter');
  await page.waitForSelector('[data-testid="run-status"][data-status="done"]', { timeout: 180_000 });
  const text = () => page.locator('.tok').allTextContents().then((t) => t.join(''));
  await expect.poll(text).toMatch(/<\|im_end\|>$/); // the last batch of tokens is drawn
  return text();
}

/** Width and height from a PNG's IHDR chunk; throws unless the bytes are a PNG. */
function pngSize(bytes: number[]): { width: number; height: number } {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (!sig.every((b, i) => bytes[i] === b)) throw new Error('not a PNG signature');
  if (String.fromCharCode(...bytes.slice(12, 16)) !== 'IHDR') throw new Error('no IHDR chunk first');
  const u32 = (o: number) => ((bytes[o] << 24) | (bytes[o + 1] << 16) | (bytes[o + 2] << 8) | bytes[o + 3]) >>> 0;
  return { width: u32(16), height: u32(20) };
}

describe('the installed app (production build, service worker)', () => {
  it('is installable: the manifest parses, its icons are real, the worker is active and the precache holds the app, ORT and the model', async () => {
    // A persistent profile in a fresh user-data-dir: Chromium's own installability check skips
    // off-the-record contexts (Playwright's newContext), so this is the one place it can run.
    const dir = mkdtempSync(join(tmpdir(), 'cotk-pwa-'));
    const context = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const errors = watchErrors(page);
      await page.goto(`${h.url}?engine=fake`);
      await ready(page);
      const href = await page.getAttribute('link[rel="manifest"]', 'href');
      expect(href).toBeTruthy();
      const manifest = await page.evaluate(async (u) => {
        const r = await fetch(u);
        return { status: r.status, body: (await r.json()) as Record<string, unknown> };
      }, href!);
      expect(manifest.status).toBe(200);
      expect(manifest.body).toMatchObject({ name: 'CoT-Kinetics Inspector', short_name: 'CoT-Kinetics', display: 'standalone', start_url: '/', theme_color: '#0b63c5' });
      const icons = manifest.body.icons as { src: string; sizes: string; type: string; purpose: string }[];
      for (const want of ['192x192 any', '512x512 any', '512x512 maskable', 'any any']) {
        expect(icons.some((i) => `${i.sizes} ${i.purpose}` === want), want).toBe(true);
      }
      for (const icon of icons) {
        const got = await page.evaluate(async (u) => {
          const r = await fetch(u);
          return { status: r.status, type: r.headers.get('content-type') ?? '', bytes: [...new Uint8Array(await r.arrayBuffer())] };
        }, new URL(icon.src, new URL(href!, h.url)).href);
        expect(got.status, icon.src).toBe(200);
        if (icon.type === 'image/png') {
          const { width, height } = pngSize(got.bytes);
          expect(`${width}x${height}`, icon.src).toBe(icon.sizes);
        } else {
          expect(got.type).toMatch(/svg/);
          expect(new TextDecoder().decode(new Uint8Array(got.bytes))).toMatch(/^<svg/);
        }
      }
      const cdp = await context.newCDPSession(page);
      const parsed = await cdp.send('Page.getAppManifest');
      expect(parsed.errors).toEqual([]);

      const sw = await page.evaluate(async () => {
        const r = await navigator.serviceWorker.ready;
        return { state: r.active?.state, script: r.active?.scriptURL, scope: r.scope };
      });
      expect(sw.script).toBe(`${h.url}sw.js`);
      expect(sw.scope).toBe(h.url);
      await page.waitForFunction(async () => (await navigator.serviceWorker.ready).active?.state === 'activated');
      await controlled(page);
      const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
      expect(installabilityErrors).toEqual([]);

      const urls = (await precacheUrls(page)).map((u) => new URL(u).pathname);
      expect(urls).toContain('/index.html');
      expect(urls.some((u) => /^\/assets\/ort-wasm-simd-threaded\.asyncify-[\w-]+\.wasm$/.test(u))).toBe(true);
      expect(urls.some((u) => /^\/assets\/engine\.worker-[\w-]+\.js$/.test(u))).toBe(true);
      expect(urls).toEqual(expect.arrayContaining(['/models/tiny-reasoner/manifest.json', '/models/tiny-reasoner/fp32-cpu/model.onnx', '/models/tiny-reasoner/fp32-cpu/model.onnx.data']));
      // A fresh install has nothing waiting: no update prompt.
      expect(await page.locator('[data-testid="pwa-update"]').count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reloads offline, loads the bundled model from the precache and answers (12+7)*3=? with 57 on WASM', async () => {
    const { page, context } = await h.newPage();
    const errors = watchErrors(page);
    await page.goto(`${h.url}?backend=wasm`);
    await ready(page);
    await controlled(page);
    await page.waitForFunction(async () => (await caches.keys()).some((n) => n.startsWith('workbox-precache')));

    await context.setOffline(true);
    expect(await page.evaluate(() => navigator.onLine)).toBe(false);
    const t0 = Date.now();
    await page.reload();
    await ready(page);
    const reloadMs = Date.now() - t0;
    expect(await page.textContent('[data-testid="model-backend"]')).toMatch(/WebAssembly/);
    const t1 = Date.now();
    const text = await ask(page, '(12+7)*3=?');
    const askMs = Date.now() - t1;
    expect(text).toContain('19*3=57');
    expect(text).toMatch(/57<\|im_end\|>$/);
    // The network really is gone for the service worker too: a bundled file it does not precache
    // (its runtime route goes to the network first) cannot be fetched.
    const uncached = await page.evaluate(async () => {
      try {
        const r = await fetch('/models/tiny-reasoner/int4-cpu/genai_config.json');
        return `HTTP ${r.status}`;
      } catch (e) {
        return `failed: ${(e as Error).message}`;
      }
    });
    expect(uncached).toMatch(/^failed/);
    console.log(`offline: reload to model ready ${reloadMs} ms, question answered in ${askMs} ms`);
    expect(errors.filter((e) => !/Failed to load resource|int4-cpu/.test(e))).toEqual([]);
    await context.close();
  });

  it('lists Hub models kept in Cache Storage with their sizes and the bundled model, and deletes one', async () => {
    const { page, context } = await h.newPage();
    const errors = watchErrors(page);
    await page.goto(`${h.url}?engine=fake`);
    await ready(page);
    await controlled(page);
    await page.waitForFunction(async () => (await navigator.serviceWorker.ready).active?.state === 'activated');
    // Entries as the Hub loader writes them (CacheStorageCache.put: the file's URL, its bytes, a content-length).
    const repo = 'onnx-community/Qwen3-0.6B-ONNX';
    const files: [string, number][] = [
      [hubFileUrl(repo, 'config.json'), 1_000],
      [hubFileUrl(repo, 'tokenizer.json'), 11_000],
      [hubFileUrl(repo, 'tokenizer_config.json'), 5_000],
      [hubFileUrl(repo, 'onnx/model_q4f16.onnx'), 300_000],
      [hubFileUrl(repo, 'onnx/model_q4f16.onnx_data'), 2_000_000],
      [hubFileUrl(repo, 'onnx/model_q4.onnx'), 250_000],
    ];
    await page.evaluate(async (entries) => {
      const cache = await caches.open('cotk-models');
      for (const [url, n] of entries) await cache.put(url, new Response(new Blob([new Uint8Array(n)]), { headers: { 'content-length': String(n) } }));
    }, files);

    await page.getByRole('button', { name: 'Models on this device' }).click();
    const panel = page.getByRole('dialog', { name: 'Models on this device' });
    await panel.locator('[data-testid="hub-model"]').first().waitFor();
    const rows = panel.locator('[data-testid="hub-model"]');
    expect(await rows.count()).toBe(2);
    const row = (dtype: string) => panel.locator(`[data-testid="hub-model"][data-dtype="${dtype}"]`);
    // Each row: its own graph files plus the repo's shared config and tokenizer (17 kB).
    expect(await row('q4f16').getAttribute('data-bytes')).toBe(String(2_317_000));
    expect(await row('q4f16').textContent()).toMatch(/Qwen3-0\.6B-ONNX · q4f16 2\.3 MB · 5 files/);
    expect(await row('q4').textContent()).toMatch(/q4 267 kB · 4 files/);
    const bundled = panel.getByTestId('bundled-model');
    expect(await bundled.getAttribute('data-offline')).toBe('yes');
    // The precached graphs: fp32-cpu and int4-webgpu with the manifest and parity reference.
    expect(Number(await bundled.getAttribute('data-bytes'))).toBeGreaterThan(9_900_000);
    expect(await bundled.textContent()).toMatch(/MB · \d+ files saved for offline use/);
    expect(await panel.getByTestId('offline-status').textContent()).toMatch(/works offline/);
    expect(await panel.getByTestId('storage-estimate').textContent()).toMatch(/This site uses [\d.]+ [kMG]?B of the/);

    // Deleting q4f16 keeps the shared files (q4 still needs them); deleting q4 then removes them too.
    await panel.getByRole('button', { name: 'Delete onnx-community/Qwen3-0.6B-ONNX · q4f16' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await panel.getByTestId('models-note').textContent()).toBe('Deleted onnx-community/Qwen3-0.6B-ONNX · q4f16 (2.3 MB freed).');
    const keys = () => page.evaluate(async () => (await (await caches.open('cotk-models')).keys()).map((r) => new URL(r.url).pathname.split('/resolve/main/')[1]).sort());
    expect(await keys()).toEqual(['config.json', 'onnx/model_q4.onnx', 'tokenizer.json', 'tokenizer_config.json']);
    await panel.getByRole('button', { name: 'Delete onnx-community/Qwen3-0.6B-ONNX · q4' }).click();
    await panel.getByTestId('hub-models-empty').waitFor();
    expect(await keys()).toEqual([]);
    // The bundled model has no Delete button: it is part of the installed app.
    expect(await bundled.getByRole('button').count()).toBe(0);
    await page.keyboard.press('Escape');
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe('models downloaded through the real Hub loader (local Hub stand-in)', () => {
  const REPO = 'test-org/tiny-reasoner-ONNX';
  let dev: Harness;
  let hub: HubServer;

  beforeAll(async () => {
    // The engine-probe page drives the real worker and loader; it is served by Vite's dev server.
    dev = await startDevHarness();
    hub = await startHubServer({ [REPO]: tinyReasonerHubRepo() });
  });

  afterAll(async () => {
    await hub?.close();
    await dev?.close();
  });

  it('lists what the loader cached, under its real keys and sizes, and deletes it', async () => {
    const probe = await dev.newPage();
    await probe.page.goto(`${dev.url}test/e2e/pages/engine-probe.html`);
    await probe.page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', undefined, { timeout: 120_000 });
    const loaded = await probe.page.evaluate(([host, repo]) => window.engineProbe.load({ kind: 'hub', repo, host, dtype: 'fp32' }, 'wasm'), [hub.host, REPO] as const);
    expect(loaded.error).toBeNull();
    // What the loader wrote: its keys, and a content-length equal to each body (the list reads sizes from it).
    const written = await probe.page.evaluate(async () => {
      const cache = await caches.open('cotk-models');
      const out: { key: string; header: string | null; bytes: number }[] = [];
      for (const req of await cache.keys()) {
        const res = (await cache.match(req))!;
        out.push({ key: req.url, header: res.headers.get('content-length'), bytes: (await res.arrayBuffer()).byteLength });
      }
      return out;
    });
    await probe.context.close();
    const repoFiles = tinyReasonerHubRepo();
    expect(written.map((w) => w.key).sort()).toEqual(Object.keys(repoFiles).map((f) => hubFileUrl(REPO, f, hub.host)).sort());
    for (const w of written) expect(w.header, w.key).toBe(String(w.bytes));
    const total = Object.values(repoFiles).reduce((a, b) => a + b.byteLength, 0);

    // The app runs from the production build, on its own origin: the same entries go into its Cache Storage.
    const { page, context } = await h.newPage();
    const errors = watchErrors(page);
    await page.goto(`${h.url}?engine=fake`);
    await ready(page);
    await page.evaluate(async (entries) => {
      const cache = await caches.open('cotk-models');
      for (const e of entries) await cache.put(e.key, new Response(new Blob([new Uint8Array(e.bytes)]), { headers: { 'content-length': String(e.bytes) } }));
    }, written);
    await page.getByRole('button', { name: 'Models on this device' }).click();
    const panel = page.getByRole('dialog', { name: 'Models on this device' });
    const row = panel.locator('[data-testid="hub-model"]');
    await row.waitFor();
    expect(await row.count()).toBe(1);
    expect(await row.getAttribute('data-repo')).toBe(REPO);
    expect(await row.getAttribute('data-dtype')).toBe('fp32');
    expect(await row.getAttribute('data-bytes')).toBe(String(total));
    expect(await row.textContent()).toContain(`${REPO} · fp32 · from ${hub.host} 8.8 MB · 5 files`);
    await panel.getByRole('button', { name: `Delete ${REPO} · fp32 · from ${hub.host}` }).click();
    await panel.getByTestId('hub-models-empty').waitFor();
    expect(await page.evaluate(async () => (await (await caches.open('cotk-models')).keys()).length)).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('says so when a Hub host is outside the Content-Security-Policy', async () => {
    const { page, context } = await dev.newPage();
    await page.goto(`${dev.url}test/e2e/pages/engine-probe.html`);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', undefined, { timeout: 120_000 });
    const r = await page.evaluate(() => window.engineProbe.load({ kind: 'hub', repo: 'test-org/tiny-reasoner-ONNX', host: 'https://models.example.org', dtype: 'fp32' }, 'wasm'));
    expect(r.error?.code).toBe('network');
    expect(r.error?.message).toMatch(/https:\/\/models\.example\.org is not a model host this app may contact: its Content-Security-Policy allows only/);
    await context.close();
  });
});
