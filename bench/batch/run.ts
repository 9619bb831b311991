/**
 * The batch benchmark: traces/s of batch evaluation with `cotk batch` (onnxruntime-node and
 * onnxruntime-web WASM, fp32 and int4 graphs), with the app's batch view in headless Chromium
 * (WASM), and of generate mode — interleaved repetitions, ratios as the headline.
 *
 *   node bench/batch/run.mjs [--dist DIR] [--reps N] [--traces N] [--only cell,…] [--no-write]
 *
 * Prints the tables and rewrites the batch section of docs/benchmarks.md (between its markers).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from '../../test/paths';
import { consoleTable } from '../engine/report';
import { hostInfo, watchLoad } from '../shared/host';
import { openAppBench, type AppPage } from './app';
import { CELLS, type CannotRun, type CellId, type CellResult, type Machine } from './cells';
import { runCli } from './cli';
import { cellTable, ratioTable, renderSection, updateDoc } from './doc';
import { testbedTraces, type TestbedTrace } from '../../test/testbed';

interface Flags {
  /** Re-render the doc section from a saved raw series (the JSON a run leaves in the temp folder) instead of measuring. */
  readonly render: string | null;
  readonly dist: string;
  readonly reps: number;
  readonly traces: number;
  readonly only: readonly CellId[];
  readonly write: boolean;
}

const USAGE = 'usage: node bench/batch/run.mjs [--dist DIR] [--reps N] [--traces N] [--only cell,…] [--no-write] | --render RAW.json';

function parseFlags(argv: readonly string[]): Flags {
  let dist = 'dist';
  let reps = 3;
  let traces = 200;
  let only = CELLS.map((c) => c.id);
  let write = true;
  let render: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--render') render = argv[++i];
    else if (a === '--dist') dist = argv[++i];
    else if (a === '--reps') reps = Number(argv[++i]);
    else if (a === '--traces') traces = Number(argv[++i]);
    else if (a === '--only') only = argv[++i].split(',') as CellId[];
    else if (a === '--no-write') write = false;
    else throw new Error(`unknown flag ${a}; ${USAGE}`);
  }
  if (!(Number.isInteger(reps) && reps >= 1)) throw new Error('--reps must be a whole number ≥ 1');
  if (!(Number.isInteger(traces) && traces >= 2 && traces <= 800)) throw new Error('--traces must be a whole number in 2..800');
  for (const o of only) if (!CELLS.some((c) => c.id === o)) throw new Error(`--only: unknown cell ${o} (cells: ${CELLS.map((c) => c.id).join(', ')})`);
  return { render, dist: resolve(REPO_ROOT, dist), reps, traces, only, write };
}

const log = (s: string): void => void process.stderr.write(`${s}\n`);

/** `n` testbed traces spread evenly over the file (its first half is easy, its second hard). */
function pick(n: number): TestbedTrace[] {
  const all = testbedTraces();
  return Array.from({ length: n }, (_, i) => all[Math.floor((i * all.length) / n)]);
}

interface Raw {
  readonly machine: Machine;
  readonly cells: CellResult[];
  readonly cannot: CannotRun[];
  readonly dist: string;
}

function report(raw: Raw, write: boolean): void {
  const { machine, cells, cannot } = raw;
  console.log(`\n${consoleTable('Ratios of traces/s (median of per-repetition ratios [IQR])', ratioTable(cells))}`);
  console.log(`\n${consoleTable('Every cell (traces/s: median [IQR])', cellTable(cells, cannot))}`);
  console.log(`\n${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, Chromium ${machine.chromium}; ${machine.durationS.toFixed(0)} s; load ${machine.load}`);
  if (write) {
    const doc = resolve(REPO_ROOT, 'docs/benchmarks.md');
    writeFileSync(doc, updateDoc(readFileSync(doc, 'utf8'), renderSection(cells, cannot, machine, raw.dist)));
    log(`wrote the batch section of ${doc}`);
  }
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  if (flags.render !== null) {
    const saved = JSON.parse(readFileSync(flags.render, 'utf8')) as Raw;
    // JSON has no NaN: a failed repetition was saved as null
    for (const c of saved.cells) c.rate.forEach((x, i) => (c.rate[i] = x ?? NaN));
    report({ ...saved, dist: saved.dist ?? flags.dist }, flags.write);
    return;
  }
  const t0 = performance.now();
  const load = watchLoad();
  const dir = mkdtempSync(join(tmpdir(), 'cotk-bench-batch-'));
  const traces = pick(flags.traces);
  const tracesFile = join(dir, 'traces.jsonl');
  const promptsFile = join(dir, 'prompts.jsonl');
  writeFileSync(tracesFile, traces.map((t) => `${JSON.stringify({ id: t.id, prompt: `${t.expr}=?`, output: t.text, label: t.correct ? 1 : 0 })}\n`).join(''));
  writeFileSync(promptsFile, traces.map((t) => `${JSON.stringify({ id: t.id, prompt: `${t.expr}=?`, expected: t.truth })}\n`).join(''));

  const cells: CellResult[] = CELLS.filter((c) => flags.only.includes(c.id)).map((def) => ({
    def,
    rate: [],
    wallS: [],
    viewRate: [],
    perplexityAuroc: null,
    accuracy: null,
    traces: 0,
    error: null,
  }));
  const cannot: CannotRun[] = [];
  const wantApp = cells.some((c) => c.def.where === 'app batch view');
  let chromium = 'not run';
  const app = wantApp ? await openAppBench(flags.dist) : null;
  let page: AppPage | null = null;
  try {
    if (app) {
      chromium = app.version;
      // What cannot run in the app here: tried once, the app's own message recorded.
      for (const [backend, variant] of [
        ['wasm', 'int4-cpu'],
        ['webgpu', 'int4-webgpu'],
        ['webgpu', 'fp16-webgpu'],
      ] as const) {
        log(`app: trying ${variant} on ${backend} …`);
        const p = await app.open(backend, variant);
        if (typeof p === 'string') cannot.push({ where: 'app batch view', runtime: backend === 'wasm' ? 'Chromium, WASM (worker)' : 'Chromium, WebGPU (SwiftShader)', variant, reason: p });
        else {
          // It loaded after all (another machine, another Chromium): say so rather than guess its rate.
          cannot.push({ where: 'app batch view', runtime: backend, variant, reason: `it loaded here (${p.model}) but this benchmark does not time it; add a cell` });
          await p.close();
        }
      }
      const p = await app.open('wasm', null);
      if (typeof p === 'string') {
        for (const c of cells) if (c.def.where === 'app batch view') c.error = p;
      } else {
        page = p;
        log(`app: ${p.model}`);
      }
    }
    for (let rep = 0; rep < flags.reps; rep++) {
      const order = cells.map((_, i) => cells[(i + rep) % cells.length]);
      for (const c of order) {
        if (c.error) continue;
        const d = c.def;
        log(`rep ${rep + 1}/${flags.reps}: ${d.id} …`);
        try {
          if (d.where === 'app batch view') {
            if (!page) throw new Error('the app page is not open');
            const r = await page.score(d.task === 'generate' ? promptsFile : tracesFile, traces.length);
            if (r.done !== traces.length) throw new Error(`the view handled ${r.done} of ${traces.length} ${d.task === 'generate' ? 'prompts' : 'traces'}`);
            c.rate.push(r.done / (r.ms / 1000));
            if (r.viewRate !== null) c.viewRate.push(r.viewRate);
            c.traces = r.done;
            c.accuracy = r.accuracy;
          } else {
            const runtime = d.runtime.startsWith('onnxruntime-node') ? 'node' : 'wasm';
            const r = await runCli({ runtime, variant: d.variant, generate: d.task === 'generate', input: d.task === 'generate' ? promptsFile : tracesFile, output: join(dir, `${d.id}.jsonl`) });
            if (r.traces !== traces.length) throw new Error(`cotk batch wrote ${r.traces} of ${traces.length} traces`);
            c.rate.push(r.traces / (r.ms / 1000));
            c.wallS.push(r.wallMs / 1000);
            c.perplexityAuroc = r.perplexityAuroc;
            c.accuracy = r.accuracy;
            c.traces = r.traces;
          }
          log(`  ${c.rate[c.rate.length - 1].toFixed(1)} traces/s`);
        } catch (e) {
          c.error = (e as Error).message;
          log(`  cannot run: ${c.error}`);
        }
      }
    }
  } finally {
    await page?.close();
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const durationS = (performance.now() - t0) / 1000;
  const machine: Machine = {
    ...hostInfo(),
    chromium,
    load: load(),
    durationS,
    reps: flags.reps,
    traces: traces.length,
  };
  const raw = resolve(tmpdir(), `cotk-bench-batch-${machine.date}.json`);
  writeFileSync(raw, JSON.stringify({ machine, cells, cannot, dist: flags.dist }, null, 1));
  log(`raw series: ${raw} (node bench/batch/run.mjs --render ${raw} re-renders the section from it)`);
  report({ machine, cells, cannot, dist: flags.dist }, flags.write);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
