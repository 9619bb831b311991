/**
 * The logit lens's cost per token, against one decode step: the lens session (final norm + LM head
 * + LogSoftmax + TopK, src/engine/lens.ts) run on all L+1 residual states of one token in one call
 * (k = 5, with targets), next to one tapped decode step of the same graph at a typical position —
 * on the tiny-reasoner fp32 and int4 graphs, in onnxruntime-node (CPU) and onnxruntime-web (WASM)
 * in Node, one thread each (as the tests run). Medians of --reps repetitions (default 50, ≥ 20)
 * after a warm-up. Prints a markdown table; docs/benchmarks.md is not touched.
 *
 *   npx tsx bench/lens/run.ts [--reps N] [--only node,wasm]
 */
import { cpus, loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { loadModelDir } from '../../src/cli/modelDir';
import { createEngine, type Engine } from '../../src/engine/index';
import type { OrtModule } from '../../src/engine/ort';
import { openSession } from '../../src/engine/session';
import { KvCache, runStep } from '../../src/engine/step';
import { tapModel } from '../../src/engine/tap/index';
import type { ModelFiles } from '../../src/engine/source/types';
import { REPO_ROOT, sharedPath } from '../../test/paths';
import { pairRatios, quantile } from '../engine/stats';

type Runtime = 'node' | 'wasm';
const K = 5;
const VARIANTS = ['fp32-cpu', 'int4-cpu'];
const BUNDLED = resolve(REPO_ROOT, 'public/models/tiny-reasoner');

function flags(argv: readonly string[]): { reps: number; only: Runtime[] } {
  const at = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const reps = Number(at('--reps') ?? 50);
  if (!Number.isInteger(reps) || reps < 20) throw new Error('--reps must be a whole number ≥ 20');
  const only = (at('--only') ?? 'node,wasm').split(',') as Runtime[];
  return { reps, only };
}

async function timeIt(reps: number, warmup: number, job: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await job();
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await job();
    out.push(performance.now() - t0);
  }
  return out;
}

const ortOf = (r: Runtime): OrtModule => (r === 'node' ? (ortNode as OrtModule) : (ortWeb as unknown as OrtModule));
const optsOf = (r: Runtime) =>
  r === 'node'
    ? { executionProviders: ['cpu'], runtime: 'onnxruntime-node', sessionOptions: { intraOpNumThreads: 1 } }
    : { executionProviders: ['wasm'], runtime: 'onnxruntime-web' };

interface Row {
  readonly runtime: Runtime;
  readonly variant: string;
  readonly layers: number;
  readonly tokens: number;
  readonly firstCallMs: number;
  readonly lensToken: number[];
  readonly lensTrace: number[];
  readonly decodeStep: number[];
}

async function measure(runtime: Runtime, variant: string, files: ModelFiles, reps: number, trace: { expr: string; text: string }): Promise<Row> {
  const ort = ortOf(runtime);
  const engine: Engine = await createEngine(ort, files, optsOf(runtime));
  try {
    const run = await engine.score(`${trace.expr}=?`, trace.text, { stateCapBytes: Infinity });
    const s = run.states!;
    const L = s.layers;
    const d = s.dim;
    const T = s.tokens;
    // The token the inspector would select: the first reasoning token, its path R[0..L] at p − 1.
    const p = run.segments.reasoning[0];
    const one = new Float32Array((L + 1) * d);
    for (let l = 0; l <= L; l++) one.set(s.residual.subarray((l * T + p - 1) * d, (l * T + p) * d), l * d);
    const oneTargets = new Array<number>(L + 1).fill(run.ids[p]);
    // The whole trace at once: every position's L+1 states (the formulation harness's potential term).
    const all = new Float32Array((L + 1) * (T - 1) * d);
    const allTargets: number[] = [];
    for (let l = 0, i = 0; l <= L; l++) {
      for (let t = 0; t + 1 < T; t++, i++) {
        all.set(s.residual.subarray((l * T + t) * d, (l * T + t + 1) * d), i * d);
        allTargets.push(run.ids[t + 1]);
      }
    }
    const t0 = performance.now();
    await engine.lens(one, oneTargets, K); // builds the lens graph and its session
    const firstCallMs = performance.now() - t0;

    // One decode step of the tapped graph (what generation pays per token, states read back included),
    // at positions past the trace's prompt, as in a real run. The box is shared, so the lens call and
    // the decode step alternate within each repetition and the ratio is taken pair by pair.
    const ms = await openSession(ort, files, { ...optsOf(runtime), tap: tapModel });
    const cache = new KvCache(ms);
    try {
      await runStep(ms, cache, run.ids.slice(0, p));
      let next = p;
      const lensToken: number[] = [];
      const decodeStep: number[] = [];
      for (let i = -5; i < reps; i++) {
        const [a] = await timeIt(1, 0, () => engine.lens(one, oneTargets, K));
        const [b] = await timeIt(1, 0, () => runStep(ms, cache, [run.ids[next++ % T]]));
        if (i < 0) continue; // warm-up
        lensToken.push(a);
        decodeStep.push(b);
      }
      const lensTrace = await timeIt(Math.max(20, Math.round(reps / 2)), 3, () => engine.lens(all, allTargets, K));
      return { runtime, variant, layers: L, tokens: T - 1, firstCallMs, lensToken, lensTrace, decodeStep };
    } finally {
      cache.dispose();
      await ms.session.release();
    }
  } finally {
    await engine.release();
  }
}

const fmt = (ms: number) => (ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3));
const med = (xs: number[]) => quantile(xs, 0.5);
const iqr = (xs: number[]) => `${fmt(quantile(xs, 0.25))}–${fmt(quantile(xs, 0.75))}`;

async function main(): Promise<void> {
  const { reps, only } = flags(process.argv.slice(2));
  ortWeb.env.wasm.numThreads = 1;
  ortWeb.env.logLevel = 'error';
  const testbed = JSON.parse(readFileSync(sharedPath('fixtures/tiny-reasoner/testbed.json'), 'utf8')) as { traces: { id: number; expr: string; text: string }[] };
  const trace = testbed.traces[450];
  const rows: Row[] = [];
  for (const runtime of only) {
    for (const variant of VARIANTS) {
      const files = await loadModelDir(BUNDLED, { variant });
      process.stderr.write(`measuring ${variant} on ${runtime} (${reps} reps)…\n`);
      rows.push(await measure(runtime, variant, files, reps, trace));
    }
  }
  const label = { node: 'onnxruntime-node 1.30 (CPU, 1 thread)', wasm: 'onnxruntime-web 1.31-dev WASM in Node (1 thread)' };
  const r0 = rows[0];
  const lines = [
    `Logit lens cost per token — tiny-reasoner (L = ${r0.layers}, d = 160, vocab 86), testbed trace ${trace.id} (\`${trace.expr}\`, ${r0.tokens + 1} positions), k = ${K}; ` +
      `median (IQR) ms of ${reps} runs after warm-up; ${cpus()[0]?.model ?? 'unknown CPU'} ×${cpus().length}, load average ${loadavg()[0].toFixed(1)} at the end, Node ${process.version}.`,
    '',
    '| runtime | graph | lens, 1 token (L+1 = 9 states, one call) | one decode step (tapped) | lens / decode step (median of pair ratios) | lens, whole trace in one call, per token | first lens call (build + session) |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => {
      const perTok = r.lensTrace.map((x) => x / r.tokens);
      return `| ${label[r.runtime]} | ${r.variant} | ${fmt(med(r.lensToken))} (${iqr(r.lensToken)}) | ${fmt(med(r.decodeStep))} (${iqr(r.decodeStep)}) | ${med(pairRatios(r.lensToken, r.decodeStep)).toFixed(3)} | ${fmt(med(perTok))} (${r.tokens} tokens × 9 states: ${fmt(med(r.lensTrace))} ms) | ${fmt(r.firstCallMs)} |`;
    }),
  ];
  console.log(lines.join('\n'));
}

await main();
