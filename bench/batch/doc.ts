/**
 * The batch section of docs/benchmarks.md, between its own markers so that a rerun replaces only
 * what it measured; every other section of the file is kept as it is.
 */
import { markdownTable, type Table } from '../engine/report';
import { hostRows, keyValueTable } from '../shared/host';
import { pairRatios, summarize, type Summary } from '../engine/stats';
import type { CannotRun, CellId, CellResult, Machine } from './cells';

export const START = '<!-- batch:begin -->';
export const END = '<!-- batch:end -->';

const f = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : '–');
const spread = (s: Summary, d = 1): string => (s.n === 0 ? '–' : `${f(s.median, d)} [${f(s.q1, d)}–${f(s.q3, d)}]`);

export interface Ratio {
  readonly name: string;
  readonly a: CellId;
  readonly b: CellId;
  readonly what: string;
}

/** The headline ratios: each the median of per-repetition ratios of two cells that ran side by side. */
export const RATIOS: readonly Ratio[] = [
  { name: 'int4 / fp32, cotk batch, onnxruntime-node', a: 'cli-node-int4', b: 'cli-node-fp32', what: 'scoring' },
  { name: 'int4 / fp32, cotk batch, onnxruntime-web WASM', a: 'cli-wasm-int4', b: 'cli-wasm-fp32', what: 'scoring' },
  { name: 'WASM / onnxruntime-node, cotk batch, fp32', a: 'cli-wasm-fp32', b: 'cli-node-fp32', what: 'scoring' },
  { name: 'app (Chromium, WASM) / cotk batch (WASM in Node), fp32', a: 'app-wasm-fp32', b: 'cli-wasm-fp32', what: 'scoring' },
  { name: 'app (Chromium, WASM) / cotk batch (onnxruntime-node), fp32', a: 'app-wasm-fp32', b: 'cli-node-fp32', what: 'scoring' },
  { name: 'generate mode / scoring, cotk batch, onnxruntime-node fp32', a: 'gen-node-fp32', b: 'cli-node-fp32', what: 'traces/s' },
  { name: 'int4 / fp32, generate mode, onnxruntime-node', a: 'gen-node-int4', b: 'gen-node-fp32', what: 'generate' },
  { name: 'WASM / onnxruntime-node, generate mode, fp32', a: 'gen-wasm-fp32', b: 'gen-node-fp32', what: 'generate' },
  { name: 'app (Chromium, WASM) / cotk batch (WASM in Node), generate mode, fp32', a: 'app-gen-wasm-fp32', b: 'gen-wasm-fp32', what: 'generate' },
];

export function ratioTable(cells: readonly CellResult[]): Table {
  const byId = new Map(cells.map((c) => [c.def.id, c]));
  const rows = RATIOS.flatMap((r) => {
    const a = byId.get(r.a);
    const b = byId.get(r.b);
    if (!a || !b) return [];
    if (a.error || b.error) return [[r.name, `cannot compare: ${a.error ? r.a : r.b} did not run`, '']];
    const s = summarize(pairRatios(a.rate, b.rate));
    // The fastest repetition of each cell is the one least slowed by other processes: a check on the median.
    const fastest = Math.max(...a.rate.filter(Number.isFinite)) / Math.max(...b.rate.filter(Number.isFinite));
    return [[r.name, spread(s, 2), f(fastest, 2), String(s.n)]];
  });
  return { head: ['ratio of traces/s', 'median [IQR] of per-repetition ratios', 'ratio of the fastest repetitions', 'pairs'], rows };
}

/** Notes that follow from this run's data, so they stay true when it is rerun. */
export function dataNotes(cells: readonly CellResult[]): string[] {
  const notes: string[] = [];
  const byId = new Map(cells.map((c) => [c.def.id, c]));
  const wide = RATIOS.filter((r) => {
    const a = byId.get(r.a);
    const b = byId.get(r.b);
    if (!a || !b || a.error || b.error) return false;
    const s = summarize(pairRatios(a.rate, b.rate));
    return s.n > 1 && (s.q3 - s.q1) / s.median > 0.3;
  });
  if (wide.length) {
    notes.push(
      `Not conclusive at this load (interquartile range wider than 30 % of the median): ${wide.map((r) => r.name).join('; ')}. ` +
        'Cells that take only a few seconds (onnxruntime-node) are the most exposed to the load of other processes; the ratio of the fastest repetitions is the steadier estimate there. Rerun on a quiet machine or with more repetitions.',
    );
  }
  for (const [fp32, int4] of [
    ['cli-node-fp32', 'cli-node-int4'],
    ['cli-wasm-fp32', 'cli-wasm-int4'],
  ] as const) {
    const a = byId.get(fp32);
    const b = byId.get(int4);
    if (a && b && !a.error && !b.error && a.perplexityAuroc !== null && b.perplexityAuroc !== null && a.perplexityAuroc !== b.perplexityAuroc) {
      notes.push(`${b.def.runtime}: the int4 graph's scores differ from fp32's (perplexity AUROC ${b.perplexityAuroc.toFixed(4)} vs ${a.perplexityAuroc.toFixed(4)} on these traces): quantization changes the model, so its metrics are its own.`);
    }
  }
  return notes;
}

export function cellTable(cells: readonly CellResult[], cannot: readonly CannotRun[]): Table {
  const rows = cells.map((c) => {
    const d = c.def;
    const head = [d.task === 'generate' ? 'generate mode' : 'score traces', d.where, d.runtime, d.variant];
    if (c.error) return [...head, `cannot run here: ${c.error}`, '', '', '', '', ''];
    const wall = summarize(c.wallS);
    const view = summarize(c.viewRate);
    const parts = [`${c.traces} ${d.task === 'generate' ? 'prompts' : 'traces'}`];
    if (c.perplexityAuroc !== null) parts.push(`perplexity AUROC ${c.perplexityAuroc.toFixed(4)}`);
    if (d.task === 'generate' && c.accuracy !== null) parts.push(`accuracy ${c.accuracy.toFixed(4)}`);
    const check = parts.join('; ');
    const ok = c.rate.filter(Number.isFinite);
    return [...head, spread(summarize(c.rate)), f(Math.max(...ok)), view.n ? spread(view) : '–', wall.n ? spread(wall) : '–', String(ok.length), check];
  });
  for (const c of cannot) rows.push(['score traces', 'app batch view', c.runtime, c.variant, `cannot run here: ${c.reason}`, '', '', '', '', '']);
  return { head: ['task', 'where', 'runtime', 'graph', 'traces/s', 'fastest rep', 'rate the view shows', 'whole command s', 'reps', 'check (last rep)'], rows };
}

function machineTable(m: Machine): string {
  return keyValueTable([
    ...hostRows(m),
    ['onnxruntime-node', m.ortNode],
    ['onnxruntime-web', m.ortWeb],
    ['data', m.traces === 800 ? 'the 800 testbed traces' : `${m.traces} of the 800 testbed traces, evenly spaced (half like the training data, half with larger numbers); generate mode answers the same problems`],
    ['repetitions', `${m.reps} per cell, interleaved (the cell order rotates each repetition)`],
    ['load average (1 min)', `${m.load} (the machine is shared)`],
    ['run time', `${m.durationS.toFixed(0)} s`],
  ]);
}

export function renderSection(cells: readonly CellResult[], cannot: readonly CannotRun[], m: Machine, dist: string): string {
  return `${START}
## Batch throughput (\`bench/batch\`)

*Written by \`node bench/batch/run.mjs\`; edit bench/batch/doc.ts, not this section.*

**What.** Traces per second of batch evaluation (docs/batch.md) on the bundled tiny-reasoner: scoring finished traces by teacher forcing with \`cotk batch\` (onnxruntime-node, and onnxruntime-web's WASM in Node with \`--runtime wasm\`) and with the app's batch view (headless Chromium, WASM in the engine worker); and generate mode (\`cotk batch --generate\` and the view's *Answer and grade*: answer each prompt of the same problems greedily, grade the answer, score the trace).

**How to rerun.** \`npx vite build --outDir /tmp/dist-batchbench --emptyOutDir\`, then \`node bench/batch/run.mjs --dist /tmp/dist-batchbench\` (default \`--dist dist\`; \`--reps N\`, \`--traces N\` (200; 800 = the whole testbed), \`--only cell,…\`, \`--no-write\`). It needs the shared fixtures beside the checkout and Chromium at \`/usr/bin/chromium\`.

**How.** Each repetition runs every cell once, in an order rotated from one repetition to the next, so each ratio below is the median of per-repetition ratios of cells that ran minutes apart under similar load. *traces/s* = traces / the tool's own time for them, the engine already loaded: for \`cotk batch\` the time it prints (\`scored N trace(s) in X s\`: what its progress bar's traces/s counts); for the app, from the click on *Score all* (or *Answer and grade*) to the view's status *done* (IndexedDB checkpoints included), timed by Playwright, with the rate the view itself shows beside it. *whole command* adds Node and tsx start-up and the model load of a \`cotk batch\` process. One intra-op thread everywhere (the CLI's default for small models; the app's WASM has one without cross-origin isolation). The app is the production build at \`${dist}\`; its page loads the model once, before the first repetition. Medians [interquartile range].

**Machine.**

${machineTable(m)}

### Ratios (the headline)

${markdownTable(ratioTable(cells))}

### Every cell

${markdownTable(cellTable(cells, cannot))}

${dataNotes(cells)
  .map((n) => `- ${n}`)
  .join('\n')}
- Not run: the app on WebGPU with the fp32 graph. Here WebGPU is SwiftShader, a CPU emulation of a GPU on which every forward pass takes a few hundred ms and prefills must be split into chunks of 16 (docs/webgpu-gqa-repro); its rate would say nothing about a GPU (see the engine section for per-token numbers).
${END}`;
}

export function updateDoc(old: string, section: string): string {
  const a = old.indexOf(START);
  const b = old.indexOf(END);
  if (a >= 0 && b > a) return old.slice(0, a) + section + old.slice(b + END.length);
  return `${old.trimEnd()}\n\n${section}\n`;
}
