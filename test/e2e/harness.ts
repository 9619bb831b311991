import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createServer, preview, type PreviewServer } from 'vite';
import { REPO_ROOT } from '../paths';

export const CHROMIUM = process.env.COTK_CHROMIUM ?? '/usr/bin/chromium';
/** The built app the browser tests serve: dist/, or another build folder named by COTK_DIST (e.g. `vite build --outDir`). */
export const DIST = resolve(REPO_ROOT, process.env.COTK_DIST ?? 'dist');
export const ARTIFACTS = resolve(REPO_ROOT, 'test-results/e2e');

/**
 * Flags that keep headless Chromium off the (closed) network and give it WebGPU on SwiftShader.
 * Playwright adds `--headless` (the new headless mode in current Chromium) and a fresh temporary
 * `--user-data-dir` for every launch.
 */
export const FLAGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface Harness {
  readonly url: string;
  readonly browser: Browser;
  newPage(): Promise<{ page: Page; context: BrowserContext }>;
  close(): Promise<void>;
}

/** Serves the built app (dist/) on a free loopback port and starts Debian's Chromium on it. */
export async function startHarness(): Promise<Harness> {
  if (!existsSync(resolve(DIST, 'index.html'))) {
    throw new Error(`${DIST} has no index.html: run \`npm run build\` (npm test does) before the browser tests`);
  }
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`node scripts/ensure-chromium.mjs\``);
  const server: PreviewServer = await preview({ root: REPO_ROOT, logLevel: 'warn', build: { outDir: DIST }, preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false } });
  const address = server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error('the preview server has no TCP address');
  return withBrowser(address.port, () => new Promise<void>((done) => server.httpServer.close(() => done())));
}

/** Starts Debian's Chromium for pages served on `port`; `stopServer` runs after the browser closes. */
async function withBrowser(port: number, stopServer: () => Promise<void>): Promise<Harness> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`node scripts/ensure-chromium.mjs\``);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    url: `http://127.0.0.1:${port}/`,
    browser,
    async newPage() {
      const context = await browser.newContext();
      const page = await context.newPage();
      return { page, context };
    },
    async close() {
      await browser.close();
      await stopServer();
    },
  };
}

/**
 * Collects page errors and console errors so a test can assert there were none. ONNX Runtime's
 * node-placement notes (shape ops kept on the CPU next to WebGPU) are routed to the debug level by
 * the engine worker (src/engine/ortLog.ts), so they are not excused here: one at error level fails.
 */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

/** Vite's dev server on the repo root, for test pages under test/e2e/pages (never shipped). */
export async function startDevHarness(): Promise<Harness> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`node scripts/ensure-chromium.mjs\``);
  // No dependency discovery: a dependency Vite finds mid-test makes it re-optimize and reload the
  // page under the test. The test pages and the worker import only ES-module packages, which the
  // dev server serves as they are.
  const server = await createServer({
    root: REPO_ROOT,
    logLevel: process.env.COTK_VITE_LOG === 'info' ? 'info' : 'warn',
    server: { host: '127.0.0.1', port: 0, strictPort: false },
    optimizeDeps: { noDiscovery: true, include: [] },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('the dev server has no TCP address');
  return withBrowser(address.port, () => server.close());
}
