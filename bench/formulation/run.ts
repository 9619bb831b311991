/**
 * The formulation harness (issue 6, item 1): every CoT-Kinetics candidate of
 * docs/research/formulations.md and every baseline, scored on the tiny-reasoner testbed by the real
 * engine (onnxruntime-node, fp32, one intra-op thread), teacher-forced, with full states kept.
 *
 *   npx tsx bench/formulation/run.ts [--final] [--dump FILE] [--limit N]
 *
 * FIXED PROTOCOL: split by trace id, even = dev, odd = test. Without --final only the dev half's
 * metrics are computed and printed (choose on dev). --final adds the test half and rewrites
 * docs/formulation-results.md. Metrics: src/core/metrics.ts (lower-is-correct scores negated);
 * 95 % percentile bootstrap over traces, 2000 resamples drawn exactly as NumPy's default_rng(0)
 * draws them (so scripts/reference/explore.py's intervals are comparable number for number).
 * Cross-check: every candidate the float64 NumPy exploration also computed
 * (scripts/reference/out/explore-results.json) must agree in dev AUROC to 1e-3.
 *   --dump FILE  also write every trace's raw candidate scores (JSON) for investigation
 *   --limit N    score only the first N/2 and the last N/2 traces (development; refused with --final)
 * Deterministic: same scores, same resamples, same numbers on every run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import { orient } from '../../src/core/metrics';
import { scoreLines } from '../../src/cli/batch';
import { loadModelDir } from '../../src/cli/modelDir';
import { createEngine, type Engine } from '../../src/engine/index';
import { REPO_ROOT, sharedPath } from '../../test/paths';
import { CANDIDATES, consistency, type Candidate } from './candidates';
import { checkAgainstNumpy, resampleIndices } from './numpyRandom';
import { readFinalNorm } from './readout';
import { renderResults, type CrossRow, type Results, type Row } from './report';
import { metricsWithCi, pairedAurocDelta, spearman, type MetricsWithCi, type PairedDelta } from './stats';
import { lensOfTrace, TraceView, type TestbedTrace } from './trace';

const BOOT = 2000;
const SEED = 0;
const TOLERANCE = 1e-3;
/** Compared with perplexity in paired bootstraps: the default, and the ones explore.py pairs. */
const PAIRED = ['cotk', 'D4', 'A5', 'A6', 'B7/1', 'D7', 'maxU', 'coeC'];
const MODEL_DIR = resolve(REPO_ROOT, 'public/models/tiny-reasoner');
const PYTHON_RESULTS = resolve(REPO_ROOT, 'scripts/reference/out/explore-results.json');
const DOC = resolve(REPO_ROOT, 'docs/formulation-results.md');
/** Every 50th trace also goes through `cotk batch`'s scoreLines: its scores must equal the run's. */
const BATCH_EVERY = 50;

interface Flags {
  readonly final: boolean;
  readonly dump: string | null;
  readonly limit: number | null;
}

function parseFlags(argv: readonly string[]): Flags {
  let final = false;
  let dump: string | null = null;
  let limit: number | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--final') final = true;
    else if (a === '--dump') dump = argv[++i];
    else if (a === '--limit') limit = Number(argv[++i]);
    else throw new Error(`unknown flag ${a}\nusage: npx tsx bench/formulation/run.ts [--final] [--dump FILE] [--limit N]`);
  }
  if (limit !== null && !(Number.isInteger(limit) && limit > 0)) throw new Error('--limit takes a whole number ≥ 1');
  if (final && limit !== null) throw new Error('--final scores every trace: drop --limit');
  return { final, dump, limit };
}

interface PythonRow {
  key: string;
  dev: { auroc: number };
  test?: { auroc: number; aupr: number; fpr95: number };
  test_ci?: { auroc: [number, number]; aupr: [number, number]; fpr95: [number, number] };
  test_delta_vs_ppl?: { delta: number; ci: [number, number]; p_gt0: number };
}

async function openEngine(): Promise<{ engine: Engine; files: Awaited<ReturnType<typeof loadModelDir>> }> {
  const files = await loadModelDir(MODEL_DIR, { variant: 'fp32-cpu' });
  const engine = await createEngine(ortNode, files, { runtime: 'onnxruntime-node', executionProviders: ['cpu'], sessionOptions: { intraOpNumThreads: 1 } });
  return { engine, files };
}

function fmt(x: number, d = 3): string {
  return Number.isFinite(x) ? x.toFixed(d) : String(x);
}

function ciText(m: MetricsWithCi, k: 'auroc' | 'aupr' | 'fpr95'): string {
  return `${fmt(m.point[k])} [${fmt(m.ci[k][0])}, ${fmt(m.ci[k][1])}]`;
}

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2));
  const t0 = performance.now();
  const all = (JSON.parse(readFileSync(sharedPath('fixtures/tiny-reasoner/testbed.json'), 'utf8')) as { traces: (TestbedTrace & { promptTokens: number; reasoning: [number, number]; answer: [number, number] })[] }).traces;
  // the testbed lists easy (all correct) problems first: a subset takes both ends
  const traces = flags.limit === null || flags.limit >= all.length ? all : [...all.slice(0, Math.ceil(flags.limit / 2)), ...all.slice(all.length - Math.floor(flags.limit / 2))];
  const { engine, files } = await openEngine();
  const finalNorm = readFinalNorm(files);
  const nl = engine.tokenizer.encode('\n');
  if (nl.length !== 1) throw new Error(`'\\n' is ${nl.length} tokens; the step split needs one`);
  const hasLens = typeof (engine as Partial<Engine>).lens === 'function';
  const active: Candidate[] = CANDIDATES.filter((c) => hasLens || !c.lens);
  const notRun = CANDIDATES.filter((c) => !hasLens && c.lens).map((c) => c.key);
  const tLoad = performance.now();

  // ---- score every trace: the engine run, the lens, every candidate
  const raw = new Map<string, number[]>(active.map((c) => [c.key, []]));
  const labels: number[] = [];
  const isDev: boolean[] = [];
  const worst = { kappa: 0, surprisal: 0, v1: 0, finalNorm: 0 };
  const batchLines: string[] = [];
  const batchExpect = new Map<number, Record<string, number | null>>();
  let scoreMs = 0;
  let lensMs = 0;
  let candMs = 0;
  for (let i = 0; i < traces.length; i++) {
    const tr = traces[i];
    let t = performance.now();
    const run = await engine.score(`${tr.expr}=?`, tr.text, { stateCapBytes: Infinity, keepLogits: true });
    scoreMs += performance.now() - t;
    if (run.promptLength !== tr.promptTokens || run.segments.reasoning.join() !== tr.reasoning.join() || run.segments.answer.join() !== tr.answer.join()) {
      throw new Error(`trace ${tr.id}: segments differ from the testbed's`);
    }
    t = performance.now();
    const lens = hasLens ? await lensOfTrace(engine, run) : null;
    lensMs += performance.now() - t;
    t = performance.now();
    const tv = new TraceView(run, lens, finalNorm, nl[0]);
    for (const c of active) {
      const v = c.score(tv);
      if (!Number.isFinite(v)) throw new Error(`trace ${tr.id}: ${c.key} is ${v}`);
      (raw.get(c.key) as number[]).push(v);
    }
    const cs = consistency(tv);
    worst.kappa = Math.max(worst.kappa, cs.kappa);
    worst.surprisal = Math.max(worst.surprisal, cs.surprisal);
    worst.v1 = Math.max(worst.v1, cs.v1);
    if (i === 0) {
      // the final norm as read from the graph reproduces the model's own H[L] of the last position
      const st = run.states!;
      const x = tv.normedPath(st.tokens - 1);
      const o = (st.tokens - 1) * st.dim;
      for (let k = 0; k < st.dim; k++) worst.finalNorm = Math.max(worst.finalNorm, Math.abs(x[st.layers * st.dim + k] - st.finalNorm[o + k]));
    }
    candMs += performance.now() - t;
    labels.push(tr.correct ? 1 : 0);
    isDev.push(tr.id % 2 === 0);
    if (i % BATCH_EVERY === 0) {
      batchLines.push(JSON.stringify({ id: tr.id, prompt: `${tr.expr}=?`, output: tr.text }));
      batchExpect.set(tr.id, run.scores);
    }
  }
  // ---- the same traces through `cotk batch` (no states kept): identical scores
  const batchOut: { id: number; scores: Record<string, number | null> }[] = [];
  await scoreLines(
    engine,
    batchLines.join('\n'),
    (line) => batchOut.push(JSON.parse(line)),
    (msg) => {
      throw new Error(`cotk batch: ${msg}`);
    },
  );
  let batchDiff = 0;
  for (const b of batchOut) {
    const e = batchExpect.get(b.id)!;
    for (const [k, v] of Object.entries(b.scores)) batchDiff = Math.max(batchDiff, Math.abs((v ?? NaN) - (e[k] ?? NaN)));
  }
  if (!(batchDiff === 0)) throw new Error(`cotk batch scores differ from the kept-state run's by ${batchDiff}`);
  await engine.release();
  const tScore = performance.now();

  // ---- metrics
  const halves = flags.final ? (['dev', 'test'] as const) : (['dev'] as const);
  const byHalf = (half: 'dev' | 'test', xs: readonly number[]): number[] => xs.filter((_, i) => isDev[i] === (half === 'dev'));
  const pplKey = 'perplexity';
  const oriented = (c: Candidate): number[] => orient(raw.get(c.key)!, c.orientation);
  const ppl = CANDIDATES.find((c) => c.key === pplKey)!;
  const rows: Row[] = active.map((c) => ({ key: c.key, family: c.family, name: c.name, orientation: c.orientation, python: c.python ?? null, halves: {} }));
  const deltas: Record<string, Record<string, PairedDelta>> = {};
  for (const half of halves) {
    const y = byHalf(half, labels);
    const idx = resampleIndices(SEED, BOOT, y.length);
    checkAgainstNumpy(idx, BOOT, y.length);
    const pp = byHalf(half, oriented(ppl));
    const negPpl = byHalf(half, raw.get(pplKey)!).map((x) => -x);
    active.forEach((c, ci) => {
      const s = byHalf(half, oriented(c));
      rows[ci].halves[half] = { ...metricsWithCi(s, y, idx, BOOT), rhoPpl: spearman(s, negPpl) };
    });
    deltas[half] = {};
    for (const k of PAIRED) {
      const c = active.find((x) => x.key === k);
      if (c) deltas[half][k] = pairedAurocDelta(byHalf(half, oriented(c)), pp, y, idx, BOOT);
    }
  }
  const tMetrics = performance.now();

  // ---- print
  const n = (h: 'dev' | 'test'): string => {
    const y = byHalf(h, labels);
    return `${y.length} traces, ${y.reduce((a, b) => a + b, 0)} correct`;
  };
  console.log(`engine: ${engine.info().runtime}, ${files.name} ${files.variant}; final norm from ${finalNorm.source}`);
  console.log(`internal consistency (max abs over all traces): κ vs the engine's ${worst.kappa.toExponential(1)}, U_L vs −logProb ${worst.surprisal.toExponential(1)}, v1 vs cotkEnergy ${worst.v1.toExponential(1)}, N(R[L]) vs H[L] ${worst.finalNorm.toExponential(1)}; cotk batch on ${batchOut.length} traces: identical`);
  if (notRun.length) console.log(`not run: needs the logit lens (engine.lens is missing): ${notRun.join(', ')}`);
  for (const half of halves) {
    console.log(`\n${half.toUpperCase()} HALF (${half === 'dev' ? 'even' : 'odd'} ids; ${n(half)}); 95 % bootstrap CI, ${BOOT} resamples, seed ${SEED}`);
    console.log(`${'key'.padEnd(16)} ${'family'.padEnd(12)} ${'orient'.padEnd(7)} ${'AUROC [95% CI]'.padEnd(24)} ${'AUPR [95% CI]'.padEnd(24)} ${'FPR95 [95% CI]'.padEnd(24)} ρ(−ppl)`);
    for (const r of rows) {
      const m = r.halves[half]!;
      console.log(
        `${r.key.padEnd(16)} ${r.family.padEnd(12)} ${(r.orientation === 'higher-is-correct' ? 'higher' : 'lower').padEnd(7)} ${ciText(m, 'auroc').padEnd(24)} ${ciText(m, 'aupr').padEnd(24)} ${ciText(m, 'fpr95').padEnd(24)} ${fmt(m.rhoPpl, 2)}`,
      );
    }
    console.log(`paired ΔAUROC vs perplexity (${half}), 95 % CI, share of resamples with Δ > 0:`);
    for (const [k, d] of Object.entries(deltas[half])) console.log(`  ${k.padEnd(8)} ${d.delta >= 0 ? '+' : ''}${fmt(d.delta)} [${fmt(d.ci[0])}, ${fmt(d.ci[1])}]  ${fmt(d.pGt0)}`);
  }

  // ---- cross-check against the float64 NumPy exploration
  const py = new Map<string, PythonRow>((JSON.parse(readFileSync(PYTHON_RESULTS, 'utf8')) as { results: PythonRow[] }).results.map((r) => [r.key, r]));
  const cross: CrossRow[] = [];
  for (const r of rows) {
    const p = r.python ? py.get(r.python) : undefined;
    if (!p) continue;
    const dev = r.halves.dev!.point.auroc;
    const row: CrossRow = { key: r.key, python: p.key, dev, devPython: p.dev.auroc, test: r.halves.test?.point.auroc ?? null, testPython: p.test?.auroc ?? null, testCiDiff: null };
    if (r.halves.test && p.test_ci) {
      const m = r.halves.test;
      let w = 0;
      for (const k of ['auroc', 'aupr', 'fpr95'] as const) w = Math.max(w, Math.abs(m.ci[k][0] - p.test_ci[k][0]), Math.abs(m.ci[k][1] - p.test_ci[k][1]), Math.abs(m.point[k] - p.test![k]));
      row.testCiDiff = w;
    }
    cross.push(row);
  }
  const worstDev = Math.max(...cross.map((c) => Math.abs(c.dev - c.devPython)));
  const mismatches = cross.filter((c) => Math.abs(c.dev - c.devPython) > TOLERANCE || (c.test !== null && c.testPython !== null && Math.abs(c.test - c.testPython) > TOLERANCE));
  console.log(`\nCROSS-CHECK vs scripts/reference/out/explore-results.json (float64 NumPy): ${cross.length} candidates, max |Δ dev AUROC| = ${worstDev.toExponential(2)}${flags.final ? `, max |Δ test AUROC| = ${Math.max(...cross.map((c) => Math.abs((c.test ?? 0) - (c.testPython ?? 0)))).toExponential(2)}, max |Δ| of any test point or CI end = ${Math.max(...cross.map((c) => c.testCiDiff ?? 0)).toExponential(2)}` : ''}`);
  console.log(`${'key'.padEnd(16)} ${'python'.padEnd(8)} ${'dev (here)'.padEnd(11)} ${'dev (py)'.padEnd(11)} Δ`);
  for (const c of cross) {
    const d = c.dev - c.devPython;
    console.log(`${c.key.padEnd(16)} ${c.python.padEnd(8)} ${c.dev.toFixed(6).padEnd(11)} ${c.devPython.toFixed(6).padEnd(11)} ${d >= 0 ? '+' : ''}${d.toExponential(1)}${Math.abs(d) > TOLERANCE ? '  MISMATCH' : ''}`);
  }
  console.log(mismatches.length ? `MISMATCHES (> ${TOLERANCE}): ${mismatches.map((m) => m.key).join(', ')}` : `no mismatch above ${TOLERANCE}`);

  const tEnd = performance.now();
  const timing = { loadS: (tLoad - t0) / 1000, scoreS: (tScore - tLoad) / 1000, engineS: scoreMs / 1000, lensS: lensMs / 1000, candidatesS: candMs / 1000, metricsS: (tMetrics - tScore) / 1000, totalS: (tEnd - t0) / 1000 };
  console.log(
    `\ntime: ${fmt(timing.totalS, 1)} s (load ${fmt(timing.loadS, 1)}, scoring ${fmt(timing.scoreS, 1)} = engine ${fmt(timing.engineS, 1)} + lens ${fmt(timing.lensS, 1)} + candidates ${fmt(timing.candidatesS, 1)} + cotk batch; metrics and bootstrap ${fmt(timing.metricsS, 1)})`,
  );

  if (flags.dump) {
    const ids = traces.map((t) => t.id);
    writeFileSync(flags.dump, JSON.stringify({ ids, labels, scores: Object.fromEntries(raw) }));
    console.log(`wrote ${flags.dump}`);
  }
  if (flags.final) {
    const ortVersion = (JSON.parse(readFileSync(resolve(REPO_ROOT, 'node_modules/onnxruntime-node/package.json'), 'utf8')) as { version: string }).version;
    const results: Results = {
      date: new Date().toISOString().slice(0, 10),
      machine: `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB; Node ${process.version}, onnxruntime-node ${ortVersion} (CPU EP, 1 intra-op thread)`,
      command: 'npx tsx bench/formulation/run.ts --final',
      counts: { dev: n('dev'), test: n('test') },
      boot: BOOT,
      seed: SEED,
      rows,
      deltas,
      defaultKey: 'cotk',
      notRun,
      cross,
      tolerance: TOLERANCE,
      consistency: worst,
      batchTraces: batchOut.length,
      timing,
    };
    writeFileSync(DOC, renderResults(results));
    console.log(`wrote ${DOC}`);
  }
  return mismatches.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(2);
  },
);
