// Serves the repo root on loopback and runs docs/webgpu-gqa-repro in Debian's headless Chromium
// (WebGPU on SwiftShader here). Prints one line per prefill length. Usage: node scripts/run-gqa-repro.mjs
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('..', import.meta.url));
const types = { '.html': 'text/html', '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm', '.onnx': 'application/octet-stream' };
const server = createServer(async (req, res) => {
  const path = normalize(join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
  if (!path.startsWith(root)) return res.writeHead(403).end();
  try {
    const body = await readFile(path);
    res.writeHead(200, { 'content-type': types[/** @type {keyof typeof types} */ (extname(path))] ?? 'application/octet-stream' }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((done) => server.listen(0, '127.0.0.1', () => done(undefined)));
const address = server.address();
const port = typeof address === 'object' && address ? address.port : 0;
const browser = await chromium.launch({
  executablePath: process.env.COTK_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${port}/docs/webgpu-gqa-repro/repro.html`);
  await page.waitForFunction(() => document.getElementById('status')?.textContent !== 'loading', undefined, { timeout: 120_000 });
  const status = await page.textContent('#status');
  if (status !== 'done') throw new Error(`the repro page ${status}`);
  /** @type {{ S: number, maxAbsDiff: number, firstBadPosition: number }[]} */
  const rows = JSON.parse((await page.textContent('#out')) ?? '[]');
  const adapter = await page.evaluate(async () => {
    // @ts-expect-error navigator.gpu is not in this project's Node-side DOM types
    const a = await navigator.gpu?.requestAdapter();
    return a ? `${a.info.vendor} ${a.info.architecture}` : 'no WebGPU adapter';
  });
  console.log(`adapter: ${adapter}`);
  for (const r of rows) console.log(`S=${String(r.S).padStart(3)}  max|webgpu−wasm|=${r.maxAbsDiff.toExponential(2)}  first differing query position: ${r.firstBadPosition}`);
} finally {
  await browser.close();
  server.close();
}
