import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../src/pwa/csp';
import { REPO_ROOT } from '../paths';
import { startHarness, watchErrors, type Harness } from './harness';

/**
 * Nothing leaves the machine: every request the page, its engine worker and the service worker
 * make while the app loads, loads the bundled model and answers a question goes to this origin
 * (loopback); and the Content-Security-Policy is there to stop anything else.
 */
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost']);

/** The URLs that would leave the machine (data: and blob: never do). */
function remote(urls: readonly string[]): string[] {
  return urls.filter((u) => {
    const url = new URL(u);
    if (url.protocol === 'data:' || url.protocol === 'blob:') return false;
    return !LOCAL_HOSTS.has(url.hostname);
  });
}

describe('privacy', () => {
  it('makes no request off this machine while loading, loading the model and answering (page, worker, service worker)', async () => {
    const { page, context } = await h.newPage();
    const errors = watchErrors(page);
    // Context-level events carry the page's requests, its dedicated worker's (attributed to the
    // page) and the service worker's (request.serviceWorker()); failed attempts are kept too.
    const seen: { url: string; from: string }[] = [];
    const record = (r: Request) => seen.push({ url: r.url(), from: r.serviceWorker() ? 'service worker' : 'page or worker' });
    context.on('request', record);
    context.on('requestfailed', record);
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));

    const doc = await page.goto(`${h.url}?backend=wasm`);
    await page.waitForSelector('[data-testid="engine-status"]:text("ready")', { timeout: 180_000 });
    await page.getByLabel('Question for the model').fill('(12+7)*3=?');
    await page.keyboard.press('Control+Enter');
    await page.waitForSelector('[data-testid="run-status"][data-status="done"]', { timeout: 180_000 });
    await expect.poll(async () => (await page.locator('.tok').allTextContents()).join('')).toMatch(/57<\|im_end\|>$/);
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.waitForFunction(async () => (await navigator.serviceWorker.ready).active?.state === 'activated');
    // Opening "Models on this device" reads Cache Storage and the storage estimate: also local.
    await page.getByRole('button', { name: 'Models on this device' }).click();
    await page.getByTestId('offline-status').waitFor();

    // The recorder saw all three kinds of client, or this test could pass by seeing nothing.
    const paths = seen.map((s) => `${s.from} ${new URL(s.url).pathname}`);
    expect(paths).toContain('page or worker /models/tiny-reasoner/fp32-cpu/model.onnx.data'); // the engine worker
    expect(paths.some((p) => /^page or worker \/assets\/ort-wasm-simd-threaded\.asyncify-[\w-]+\.wasm$/.test(p))).toBe(true);
    expect(paths).toContain('service worker /index.html'); // the precache
    console.log(`privacy: ${seen.length} requests, all to ${[...new Set(seen.map((s) => new URL(s.url).host))].join(', ')}`);
    expect(remote(seen.map((s) => s.url))).toEqual([]);
    expect(sockets).toEqual([]);

    // The policy travels as a header (the document, the worker script, the service worker) and as a <meta>.
    expect(doc?.headers()['content-security-policy']).toBe(contentSecurityPolicy('header'));
    expect(await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content')).toBe(contentSecurityPolicy('meta'));
    const headerOf = (path: string) => page.evaluate(async (p) => (await fetch(p, { cache: 'no-store' })).headers.get('content-security-policy'), path);
    const worker = seen.find((s) => /\/assets\/engine\.worker-[\w-]+\.js$/.test(s.url))!.url;
    expect(await headerOf(new URL(worker).pathname)).toBe(contentSecurityPolicy('header'));
    expect(await headerOf('/sw.js')).toBe(contentSecurityPolicy('header'));
    // The same text is what static hosts get from public/_headers.
    expect(readFileSync(resolve(REPO_ROOT, 'public/_headers'), 'utf8')).toContain(`Content-Security-Policy: ${contentSecurityPolicy('header')}\n`);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('blocks a fetch to another host from the page, with a CSP violation', async () => {
    const { page, context } = await h.newPage();
    const consoleErrors = watchErrors(page);
    const attempted: string[] = [];
    context.on('request', (r) => attempted.push(r.url()));
    await page.goto(`${h.url}?engine=fake`);
    await page.waitForSelector('[data-testid="engine-status"]:text("ready")', { timeout: 60_000 });
    const r = await page.evaluate(async () => {
      const violation = new Promise<{ blocked: string; directive: string }>((done) =>
        document.addEventListener('securitypolicyviolation', (e) => done({ blocked: e.blockedURI, directive: e.effectiveDirective }), { once: true }),
      );
      let outcome: string;
      try {
        const res = await fetch('https://example.com/');
        outcome = `HTTP ${res.status}`;
      } catch (e) {
        outcome = `rejected: ${(e as Error).name}`;
      }
      return { outcome, violation: await violation };
    });
    expect(r.outcome).toBe('rejected: TypeError');
    expect(r.violation.directive).toBe('connect-src');
    expect(r.violation.blocked).toMatch(/^https:\/\/example\.com/);
    // Chromium says why on the console, once per policy: the header's and the <meta>'s are both enforced.
    expect(consoleErrors.filter((e) => /https:\/\/example\.com\/.*violates.*Content Security Policy directive: "connect-src/.test(e)), consoleErrors.join('\n')).toHaveLength(2);
    // Blocked before any request was made.
    expect(remote(attempted)).toEqual([]);
    await context.close();
  });
});
