/**
 * `npx tsx bench/boot/run.ts [--write]` (after `npx vite build`): the first minute in Chromium, on
 * this machine's browser (headless Chromium: WebGPU only on SwiftShader). For the default backend
 * (no `?backend=`) and for WebGPU pinned, it measures, in the page's own clock:
 *  - ready on a first visit (fresh profile: service worker install, parity check),
 *  - ready on a second visit (the browser restarted on the same profile: precached files, the parity
 *    verdict read back),
 *  - the first token after ready (Generate clicked on `(12+7)*3=?` once ready; click to first chip),
 *  - the whole answer (click to done).
 * Each backend's visits run side by side in one invocation, so their ratios hold even when the
 * machine is loaded. --write puts the table into docs/benchmarks.md between its markers.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { CHROMIUM, FLAGS, startHarness } from '../../test/e2e/harness';
import { REPO_ROOT } from '../../test/paths';

const SECOND_VISITS = Number(process.env.BOOT_VISITS ?? 3);

interface Visit {
  readyMs: number;
  /** The worker's own load (files, session, parity), out of readyMs. */
  loadMs: number;
  backend: string;
  parity: string;
  firstTokenMs: number;
  answerMs: number;
}

/** Milliseconds from navigation start to "ready", then one Generate: click → first token, click → done. */
async function visit(page: Page, url: string): Promise<Visit> {
  await page.goto(url);
  const readyMs = (await (
    await page.waitForFunction(() => (document.querySelector('[data-testid="engine-status"]')?.textContent === 'ready' ? performance.now() : 0), undefined, {
      timeout: 600_000,
      polling: 5,
    })
  ).jsonValue()) as number;
  const device = page.getByTestId('model-backend');
  const backend = (await device.getAttribute('data-backend')) ?? '?';
  const parity = (await device.getAttribute('data-parity')) ?? '?';
  const loadMs = Number(await device.getAttribute('data-load-ms'));
  await page.getByLabel('Question for the model').fill('(12+7)*3=?');
  const [firstTokenMs, answerMs] = await page.evaluate(
    () =>
      new Promise<[number, number]>((done) => {
        let first = 0;
        const t0 = performance.now();
        const obs = new MutationObserver(() => {
          if (!first && document.querySelector('.tok')) first = performance.now() - t0;
          if (document.querySelector('[data-testid="run-status"][data-status="done"]')) {
            obs.disconnect();
            done([first, performance.now() - t0]);
          }
        });
        obs.observe(document.body, { subtree: true, childList: true, attributes: true });
        (document.querySelector('[data-testid="run-button"]') as HTMLButtonElement).click();
      }),
  );
  return { readyMs, loadMs, backend, parity, firstTokenMs, answerMs };
}

async function series(base: string, query: string): Promise<{ first: Visit; second: Visit[] }> {
  const profile = mkdtempSync(join(tmpdir(), 'cotk-boot-bench-'));
  const launch = () => chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
  try {
    let ctx = await launch();
    const first = await visit(ctx.pages()[0] ?? (await ctx.newPage()), `${base}${query}`);
    // Let the service worker finish precaching before the browser closes.
    await (ctx.pages()[0] ?? (await ctx.newPage())).evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await ctx.close();
    const second: Visit[] = [];
    for (let i = 0; i < SECOND_VISITS; i++) {
      ctx = await launch();
      second.push(await visit(ctx.pages()[0] ?? (await ctx.newPage()), `${base}${query}`));
      await ctx.close();
    }
    return { first, second };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const load0 = loadavg()[0];
const h = await startHarness();
const rows: string[] = [];
try {
  for (const [label, query] of [
    ['default (no `?backend=`)', ''],
    ['`?backend=webgpu` (SwiftShader)', '?backend=webgpu'],
  ] as const) {
    const r = await series(h.url, query);
    const sec = r.second;
    const line = `| ${label} | ${r.first.backend} | ${s(r.first.readyMs)} (${r.first.parity}) | ${s(median(sec.map((v) => v.readyMs)))} (${sec.map((v) => v.parity).join(', ')}; ${sec.map((v) => s(v.readyMs)).join(', ')}; worker load ${s(median(sec.map((v) => v.loadMs)))}) | ${s(median(sec.map((v) => v.firstTokenMs)))} | ${s(median(sec.map((v) => v.answerMs)))} |`;
    console.log(line);
    rows.push(line);
  }
} finally {
  await h.close();
}

const table = [
  '| backend asked | runs on | first visit → ready (parity) | second visit → ready, median (each) | click → first token (2nd visits) | click → answer done |',
  '| --- | --- | --- | --- | --- | --- |',
  ...rows,
].join('\n');
const machine = `${cpus().length} cores (${cpus()[0]?.model ?? '?'}), headless Chromium ${chromium.name()} at ${CHROMIUM}`;
const block = `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine}, ${SECOND_VISITS} second visits per row; load average ${load0.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end.\n\n${table}`;
console.log(`\n${block}`);
if (process.argv.includes('--write')) {
  const doc = resolve(REPO_ROOT, 'docs/benchmarks.md');
  const text = readFileSync(doc, 'utf8');
  const re = /(<!-- bench\/boot:start -->\n)[\s\S]*?(\n<!-- bench\/boot:end -->)/;
  if (!re.test(text)) throw new Error('docs/benchmarks.md has no bench/boot markers');
  writeFileSync(doc, text.replace(re, `$1${block}$2`));
}
