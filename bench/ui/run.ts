/**
 * Interactivity of the inspector on 4 000 tokens × 29 layer states (bench/ui/synth.ts).
 *
 *   npx tsx bench/ui/run.ts [--reps N] [--node-only]
 *
 * 1. Node: the pure layouts each view recomputes (derivation, text, strip, heatmap, the
 *    trajectories' PCA and their layout), median of N runs after a warm-up.
 * 2. Headless Chromium: the whole app (no engine) holding that run, built by Vite into a temporary
 *    folder (never dist/): hover → highlight in every view, γ change → redraw, one layer-slider step.
 * Prints a markdown table with the machine and the date; it writes no file outside the temp folder.
 */
import { readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';
import { deriveRun } from '../../src/state/derive';
import { DEFAULT_TINT } from '../../src/state/slices';
import { heatLayout } from '../../src/views/LayerHeatmap/layout';
import { stripLayout } from '../../src/views/EnergyStrip/layout';
import { textLayout } from '../../src/views/TextView/layout';
import { trajectoryLayout } from '../../src/views/Trajectories/layout';
import { projectRun } from '../../src/views/Trajectories/project';
import { REPO_ROOT } from '../../test/paths';
import { benchRun, BENCH_DIM, BENCH_LAYERS, BENCH_TOKENS } from './synth';

const CHROMIUM = process.env.COTK_CHROMIUM ?? '/usr/bin/chromium';
const args = process.argv.slice(2);
const REPS = Number(args[args.indexOf('--reps') + 1]) || 15;

interface Row {
  readonly where: string;
  readonly what: string;
  readonly ms: readonly number[];
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(0.95 * xs.length) - 1)];

function time(fn: () => unknown, reps = REPS): number[] {
  fn(); // warm-up: JIT and caches
  return Array.from({ length: reps }, () => {
    const t0 = performance.now();
    fn();
    return performance.now() - t0;
  });
}

function nodeRows(): Row[] {
  const s = benchRun();
  const { events, result } = s;
  const view = deriveRun(events, result, 0.8);
  const segments = view.rows.map((r) => r.segment);
  const proj = projectRun(result.states, result.promptLength, result.tokens.length);
  if (!proj.ok) throw new Error(proj.reason);
  let g = 0;
  return [
    { where: 'Node', what: 'derive the run for a new γ (every token’s energies, scores)', ms: time(() => deriveRun(events, result, (g = (g + 0.05) % 1))) },
    { where: 'Node', what: 'text layout (tints, lines, steps)', ms: time(() => textLayout(view.rows, DEFAULT_TINT)) },
    { where: 'Node', what: 'energy strip layout (1200 px)', ms: time(() => stripLayout(view.rows, 0.8, 1200)) },
    { where: 'Node', what: 'heatmap layout (1200 px, image of 28 × 4000)', ms: time(() => heatLayout(view.rows, 'speed', 'layer', 1200)) },
    { where: 'Node', what: `trajectories PCA fit + projection (d = ${BENCH_DIM})`, ms: time(() => projectRun(result.states, result.promptLength, result.tokens.length), 5) },
    { where: 'Node', what: 'trajectories layout (one layer)', ms: time(() => trajectoryLayout({ data: proj.data, segments, width: 640, height: 420, layer: 14 })) },
  ];
}

async function browserRows(): Promise<{ rows: Row[]; chromium: string }> {
  const root = resolve(REPO_ROOT, 'bench/ui/pages');
  const outDir = join(tmpdir(), 'cotk-ui-bench');
  await build({ root, configFile: false, base: './', logLevel: 'warn', plugins: [react()], build: { outDir, emptyOutDir: true, target: 'es2022' } });
  const server = await preview({ root, configFile: false, base: './', logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false } });
  const address = server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error('the preview server has no TCP address');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'], headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${address.port}/`);
    await page.waitForFunction(() => (window as unknown as { bench?: { ready: boolean } }).bench?.ready === true);
    await page.evaluate(() => (window as unknown as { bench: { setup(): number } }).bench.setup());
    await page.waitForSelector('[data-testid="heat-cursor"], .tok', { timeout: 60_000 });
    await page.waitForFunction(() => document.querySelectorAll('.tok').length > 3000 && !document.body.textContent?.includes('Fitting'), null, { timeout: 60_000 });
    await page.waitForTimeout(1500); // the deferred PCA fit and first paints
    const run = (kind: 'hover' | 'gamma' | 'layer', arg: (i: number) => number) =>
      page.evaluate(
        async ({ kind, xs }) => {
          const b = (window as unknown as { bench: Record<string, (x: number) => Promise<number>> }).bench;
          await b[kind](xs[0]); // warm-up
          const out: number[] = [];
          for (const x of xs.slice(1)) out.push(await b[kind](x));
          return out;
        },
        { kind, xs: Array.from({ length: REPS + 1 }, (_, i) => arg(i)) },
      );
    const rows: Row[] = [
      { where: 'Chromium', what: 'hover a token → highlighted in text, strip, heatmap, trajectories', ms: await run('hover', (i) => 100 + ((i * 263) % 3800)) },
      { where: 'Chromium', what: 'γ change → every v1 energy re-derived and redrawn', ms: await run('gamma', (i) => (i % 2 ? 0.3 : 0.7)) },
      { where: 'Chromium', what: 'layer slider one step → trajectories redrawn', ms: await run('layer', (i) => (i % 2 ? 1 : -1)) },
    ];
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    return { rows, chromium: browser.version() };
  } finally {
    await browser.close();
    await new Promise<void>((done) => server.httpServer.close(() => done()));
  }
}

function machine(chromiumVersion: string | null): string {
  const model = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown CPU';
  return `${model}, ${cpus().length} cores; Node ${process.version}${chromiumVersion ? `; Chromium ${chromiumVersion} (headless)` : ''}; ${new Date().toISOString().slice(0, 10)}`;
}

const f = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));

async function main(): Promise<void> {
  const rows = nodeRows();
  let chromiumVersion: string | null = null;
  if (!args.includes('--node-only')) {
    const b = await browserRows();
    rows.push(...b.rows);
    chromiumVersion = b.chromium;
  }
  console.log(`### UI interactivity: ${BENCH_TOKENS} tokens × ${BENCH_LAYERS + 1} layer states (d = ${BENCH_DIM})\n`);
  console.log(`Machine: ${machine(chromiumVersion)}. Median and p95 of ${REPS} runs (PCA: 5) after a warm-up.\n`);
  console.log('| where | what | median ms | p95 ms |');
  console.log('|---|---|---:|---:|');
  for (const r of rows) console.log(`| ${r.where} | ${r.what} | ${f(median(r.ms))} | ${r.ms.length > 1 ? f(p95(r.ms)) : '—'} |`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
