/**
 * The browser half of the engine benchmark: Vite's dev server on the repo root (plus the throwaway
 * transformers.js folders under /__bench_hf/) and Debian's Chromium, headless, with the flags the
 * browser tests use (WebGPU on SwiftShader). Cells run in bench/engine/pages/engine-bench.html.
 */
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createServer, type Plugin, type ViteDevServer } from 'vite';
import { REPO_ROOT } from '../../test/paths';
import type { CellResult } from './measure';
import type { PageCell } from './pages/engine-bench';

export const CHROMIUM = process.env.COTK_CHROMIUM ?? '/usr/bin/chromium';

/** As test/e2e/harness.ts: off the network, WebGPU on SwiftShader. */
const FLAGS = ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/** Serves the transformers.js folders (symbolic links to the bundled graphs) at /__bench_hf/. */
function serveHf(root: string): Plugin {
  const real = realpathSync(root);
  return {
    name: 'cotk-bench-hf',
    configureServer(server) {
      server.middlewares.use('/__bench_hf', (req, res) => {
        const path = resolve(real, `.${decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)}`);
        if (!path.startsWith(real + sep) || !existsSync(path) || !statSync(path).isFile()) {
          res.statusCode = 404;
          res.end();
          return;
        }
        res.setHeader('Content-Length', String(statSync(path).size));
        res.setHeader('Content-Type', path.endsWith('.json') ? 'application/json' : 'application/octet-stream');
        createReadStream(path).pipe(res);
      });
    },
  };
}

export interface BenchBrowser {
  readonly version: string;
  readonly adapter: string;
  run(cell: PageCell): Promise<CellResult>;
  close(): Promise<void>;
}

export async function openBenchBrowser(hfRoot: string, log: (s: string) => void): Promise<BenchBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`node scripts/ensure-chromium.mjs\``);
  const server: ViteDevServer = await createServer({
    root: REPO_ROOT,
    logLevel: 'warn',
    plugins: [serveHf(hfRoot)],
    // No watcher and no HMR: others edit src/ while this runs, and a hot reload would kill a cell.
    // The run sees the sources as they were when each module was first served.
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null },
    // Scan the page up front: a dependency found later makes Vite reload the page mid-run. Its own
    // cache folder, so that re-optimizing never disturbs a dev server someone else is running.
    optimizeDeps: { entries: ['bench/engine/pages/*.html'] },
    cacheDir: 'node_modules/.vite-bench',
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('the dev server has no TCP address');
  let browser: Browser | null = null;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
    const page: Page = await (await browser.newContext()).newPage();
    page.on('console', (m) => {
      if (m.text().startsWith('[bench]')) log(`  ${m.text().slice(8)}`);
      // ORT's own and transformers.js's logs of a failed run repeat what the cell reports.
      else if (m.type() === 'error' && !/\[[WE]:onnxruntime|error occurred during model execution|Inputs given to model/.test(m.text())) log(`  page console: ${m.text().slice(0, 300)}`);
    });
    page.on('pageerror', (e) => log(`  page error: ${e.message}`));
    await page.goto(`http://127.0.0.1:${address.port}/bench/engine/pages/engine-bench.html`);
    const ready = () => page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', null, { timeout: 120_000 });
    await ready();
    // The first start after a dependency change optimizes in the background and then reloads the page once.
    const settled = async <T>(job: () => Promise<T>, tries = 3): Promise<T> => {
      try {
        return await job();
      } catch (e) {
        if (tries <= 1 || !/context was destroyed|navigat/i.test((e as Error).message)) throw e;
        log('  the page reloaded (Vite re-optimized its dependencies); running the cell again');
        await ready();
        return settled(job, tries - 1);
      }
    };
    const adapter = await settled(() => page.evaluate(() => window.engineBench.adapter()));
    const b = browser;
    return {
      version: b.version(),
      adapter,
      // A fresh page per cell: sessions and GPU memory start clean, and one cell's failed
      // transformers.js run cannot poison the next (4.3.1 chains every web run on one promise that
      // stays rejected after a failure).
      run: async (cell) => {
        await page.reload();
        await ready();
        return settled(() => page.evaluate((c) => window.engineBench.run(c), cell));
      },
      async close() {
        await b.close();
        await server.close();
      },
    };
  } catch (e) {
    await browser?.close();
    await server.close();
    throw e;
  }
}
