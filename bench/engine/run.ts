/**
 * The engine benchmark: decode tokens/s with the hidden-state tap vs the untapped graph, our
 * decode loop vs transformers.js generate() on the same graph, and teacher-forced scoring vs one
 * plain forward — on the tiny-reasoner fp32 and int4 graphs, in Node (onnxruntime-node CPU and
 * onnxruntime-web WASM) and in headless Chromium (WebGPU on SwiftShader, and WASM).
 *
 *   node bench/engine/run.mjs [--reps N] [--only node,wasm,chromium-webgpu,chromium-wasm] [--no-write]
 *
 * Prints the tables and rewrites the engine section of docs/benchmarks.md.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { REPO_ROOT, sharedPath } from '../../test/paths';
import { hostInfo, pkgVersion, watchLoad } from '../shared/host';
import { openBenchBrowser } from './browser';
import { DECODE_TOKENS, RUNTIME_LABELS, TRACE_ID, VARIANTS, WEBGPU_DECODE_TOKENS, WEBGPU_PREFILL_CHUNK, WEBGPU_SCORE_OUTPUT_TOKENS, type RuntimeId } from './config';
import { buildHfFolders } from './hfFolder';
import type { CellResult } from './measure';
import type { NodeCellArgs } from './nodeCell';
import { renderSection, updateDoc } from './doc';
import { consoleTable, scoreTable, tapTable, tjsTable, type Machine } from './report';

interface Flags {
  readonly reps: number | null;
  readonly only: readonly RuntimeId[];
  readonly write: boolean;
}

/** Repetitions kept (after one warm-up) per runtime: sized so the whole run stays under ~10 minutes on 2 cores. */
const DEFAULT_REPS: Readonly<Record<RuntimeId, number>> = { node: 61, wasm: 31, 'chromium-webgpu': 5, 'chromium-wasm': 31 };

function parseFlags(argv: readonly string[]): Flags {
  let reps: number | null = null;
  let only: RuntimeId[] = Object.keys(RUNTIME_LABELS) as RuntimeId[];
  let write = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--reps') reps = Number(argv[++i]);
    else if (a === '--only') only = argv[++i].split(',') as RuntimeId[];
    else if (a === '--no-write') write = false;
    else throw new Error(`unknown flag ${a}; usage: node bench/engine/run.mjs [--reps N] [--only node,wasm,chromium-webgpu,chromium-wasm] [--no-write]`);
  }
  if (reps !== null && !(Number.isInteger(reps) && reps >= 1)) throw new Error('--reps must be a whole number ≥ 1');
  for (const o of only) if (!(o in RUNTIME_LABELS)) throw new Error(`--only: unknown runtime ${o}`);
  return { reps, only, write };
}

const log = (s: string) => process.stderr.write(`${s}\n`);

function runNodeCell(args: NodeCellArgs): Promise<CellResult[]> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(REPO_ROOT, 'bench/engine/nodeCell.ts'), JSON.stringify(args)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
    child.on('error', fail);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) fail(new Error(`the ${args.runtime} cell exited with ${code}`));
      else done(JSON.parse(line.slice(7)) as CellResult[]);
    });
  });
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const t0 = performance.now();
  const load = watchLoad();
  const trace = (JSON.parse(readFileSync(sharedPath('fixtures/tiny-reasoner/testbed.json'), 'utf8')) as { traces: { id: number; expr: string; text: string }[] }).traces.find((t) => t.id === TRACE_ID);
  if (!trace) throw new Error(`testbed trace ${TRACE_ID} is missing`);
  const work = { prompt: `${trace.expr}=?`, output: trace.text, decodeTokens: DECODE_TOKENS, warmup: 1 };
  const reps = (r: RuntimeId) => flags.reps ?? DEFAULT_REPS[r];
  const hf = buildHfFolders();
  const cells: CellResult[] = [];
  let chromiumVersion = 'not run';
  let adapter = 'not run';
  try {
    for (const runtime of ['node', 'wasm'] as const) {
      if (!flags.only.includes(runtime)) continue;
      log(`${RUNTIME_LABELS[runtime]} …`);
      cells.push(...(await runNodeCell({ runtime, hfRoot: hf.root, variants: VARIANTS[runtime], reps: reps(runtime), ...work })));
    }
    const inBrowser = (['chromium-webgpu', 'chromium-wasm'] as const).filter((r) => flags.only.includes(r));
    if (inBrowser.length) {
      log('Chromium (Vite dev server + headless Chromium) …');
      const b = await openBenchBrowser(hf.root, log);
      chromiumVersion = b.version;
      adapter = b.adapter;
      try {
        for (const runtime of inBrowser) {
          for (const variant of VARIANTS[runtime]) {
            const backend = runtime === 'chromium-webgpu' ? 'webgpu' : 'wasm';
            const gpu = backend === 'webgpu';
            // SwiftShader runs a pass in ~0.3 s or more: fewer tokens, a shorter scored output, no attribution series.
            const slow = gpu ? { decodeTokens: WEBGPU_DECODE_TOKENS, scoreOutputTokens: WEBGPU_SCORE_OUTPUT_TOKENS, attribution: false } : {};
            cells.push(await b.run({ backend, label: RUNTIME_LABELS[runtime], variant, reps: reps(runtime), tjs: true, ...work, ...slow }));
          }
        }
      } finally {
        await b.close();
      }
    }
  } finally {
    hf.remove();
  }
  const durationS = (performance.now() - t0) / 1000;
  const machine: Machine = {
    ...hostInfo(),
    chromium: chromiumVersion,
    adapter,
    transformers: pkgVersion('@huggingface/transformers'),
    load: load(),
    durationS,
    reps: Object.fromEntries(flags.only.map((r) => [RUNTIME_LABELS[r], reps(r)])),
  };
  console.log(`\n${consoleTable('1. Decode tokens/s, hidden-state tap vs untapped graph (goal ≥ 0.97)', tapTable(cells))}`);
  console.log(`\n${consoleTable('2. Our decode loop vs transformers.js generate() on the same graph (goal ≥ 1.0)', tjsTable(cells))}`);
  console.log(`\n${consoleTable('3. Teacher-forced score() vs one plain forward of the untapped graph (goal ≤ 1.2)', scoreTable(cells))}`);
  console.log(`\n${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, Chromium ${machine.chromium}; ${durationS.toFixed(0)} s; load ${machine.load}`);
  const raw = resolve(tmpdir(), `cotk-bench-engine-${machine.date}.json`);
  writeFileSync(raw, JSON.stringify({ machine, cells }, null, 1));
  log(`raw series: ${raw}`);
  if (flags.write) {
    const doc = resolve(REPO_ROOT, 'docs/benchmarks.md');
    const section = renderSection(cells, machine, { traceId: TRACE_ID, webgpuChunk: WEBGPU_PREFILL_CHUNK });
    writeFileSync(doc, updateDoc(existsSync(doc) ? readFileSync(doc, 'utf8') : null, section));
    log(`wrote ${doc}`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
