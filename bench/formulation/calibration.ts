/**
 * The bundled model's calibration profile and the layer ablation (issue 12, items 3 and 5).
 *
 *   nice -n 10 npx tsx bench/formulation/calibration.ts
 *
 * 1. Scores the 800 testbed traces and the 400 traces of the second set
 *    (bench/formulation/data/second-traces.jsonl, written by `cotk batch --generate` from
 *    second-prompts.jsonl; see secondSet.ts) by teacher forcing with the real engine
 *    (onnxruntime-node, fp32-cpu, one intra-op thread): the same scores `cotk batch` writes.
 * 2. Fits the shipped profile on both sets (1200 traces) and writes
 *    public/models/tiny-reasoner/fp32-cpu/calibration.json (and its size into manifest.json).
 * 3. Measures, with the protocol fixed before looking: split by trace id, even = dev, odd = test
 *    (the second set's ids are "<stratum>-<i>": i decides). Verdict and every scorer's own map fitted on
 *    dev, measured on test; the testbed-only fit carried to the whole second set (a different mix).
 * 4. The ablation: the verdict with logit features only, kinetic (hidden-state) features only, and
 *    both; held-out AUROC and ECE with 95 % percentile bootstrap intervals (2000 resamples of the
 *    test traces, NumPy's default_rng(0) draws: numpyRandom.ts) and paired differences.
 * Writes docs/calibration-results.md and src/core/calibration/ablation.ts (the method panel's text).
 * Deterministic: the same scores give the same bytes (the date written is fixed below).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import { scoreRecords } from '../../src/cli/batch';
import { readRecords } from '../../src/cli/batchInput';
import { loadModelDir } from '../../src/cli/modelDir';
import { evaluateRows, type BatchRow } from '../../src/core/batchEval';
import {
  applyIsotonic,
  fitIsotonic,
  fitProfile,
  fitVerdictModel,
  graphHash,
  KINETIC_FEATURES,
  keyOrientation,
  LOGIT_FEATURES,
  predictVerdict,
  profileKeyOf,
  serializeProfile,
  VERDICT_FEATURES,
  type CalibrationProfile,
  type CalibrationRow,
} from '../../src/core/calibration/index';
import { auroc, brier, ece } from '../../src/core/metrics';
import { createEngine } from '../../src/engine/index';
import { REPO_ROOT } from '../../test/paths';
import { testbedTraces } from '../../test/testbed';
import { resampleIndices } from './numpyRandom';
import { percentile } from './stats';
import { SECOND_TRACES } from './secondSet';

const MODEL_DIR = resolve(REPO_ROOT, 'public/models/tiny-reasoner');
const PROFILE = resolve(MODEL_DIR, 'fp32-cpu/calibration.json');
const MANIFEST = resolve(MODEL_DIR, 'manifest.json');
const DOC = resolve(REPO_ROOT, 'docs/calibration-results.md');
const ABLATION_TS = resolve(REPO_ROOT, 'src/core/calibration/ablation.ts');
/** Written into the profile so that a rerun gives the same bytes. */
const CREATED_AT = '2026-12-06T00:00:00.000Z';
const BOOT = 2000;

interface Row extends CalibrationRow {
  readonly set: 'testbed' | 'second';
  /** Even = dev, odd = test. */
  readonly dev: boolean;
}

async function scoreSets(): Promise<Row[]> {
  const files = await loadModelDir(MODEL_DIR, { variant: 'fp32-cpu' });
  const engine = await createEngine(ortNode, files, { runtime: 'onnxruntime-node', executionProviders: ['cpu'], sessionOptions: { intraOpNumThreads: 1 } });
  const testbedText = testbedTraces()
    .map((t) => JSON.stringify({ id: `testbed-${t.id}`, prompt: `${t.expr}=?`, output: t.text, label: t.correct ? 1 : 0 }))
    .join('\n');
  const secondText = readFileSync(SECOND_TRACES, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string; prompt: string; output: string; label: 0 | 1; scores?: unknown })
    .filter((r) => r.scores !== undefined)
    .map((r) => JSON.stringify({ id: `second-${r.id}`, prompt: r.prompt, output: r.output, label: r.label }))
    .join('\n');
  const out: Row[] = [];
  try {
    for (const [set, text] of [['testbed', testbedText], ['second', secondText]] as const) {
      const t0 = performance.now();
      const rows: BatchRow[] = [];
      const s = await scoreRecords(engine, readRecords(text, 'jsonl', set), (row) => rows.push(row), (m) => console.error(m));
      if (s.skipped > 0) throw new Error(`${s.skipped} ${set} trace(s) could not be scored`);
      console.error(`scored ${rows.length} ${set} traces in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      for (const r of rows) {
        const n = Number(/(\d+)$/.exec(String(r.id))?.[1]);
        out.push({ id: r.id, label: r.label as 0 | 1, scores: r.scores, set, dev: n % 2 === 0 });
      }
    }
  } finally {
    await engine.release();
  }
  return out;
}

// ——— bootstrap ———

type Interval = readonly [number, number];
interface WithCi {
  readonly point: number;
  readonly ci: Interval;
}

function take<T>(xs: readonly T[], idx: Int32Array, row: number, n: number): T[] {
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = xs[idx[row * n + i]];
  return out;
}

/** `metric` on the sample and on each resample with both labels: point and 95 % percentile interval. */
function boot(metric: (p: number[], y: number[]) => number, p: readonly number[], y: readonly number[], idx: Int32Array): WithCi {
  const n = p.length;
  const vals: number[] = [];
  for (let b = 0; b < BOOT; b++) {
    const yb = take(y, idx, b, n);
    const pos = yb.reduce((s, v) => s + v, 0);
    if (pos === 0 || pos === n) continue;
    vals.push(metric(take(p, idx, b, n), yb));
  }
  return { point: metric([...p], [...y]), ci: [percentile(vals, 2.5), percentile(vals, 97.5)] };
}

/** metric(a) − metric(b) on the same resamples. */
function pairedBoot(metric: (p: number[], y: number[]) => number, a: readonly number[], b: readonly number[], y: readonly number[], idx: Int32Array): WithCi & { share: number } {
  const n = a.length;
  const d: number[] = [];
  for (let r = 0; r < BOOT; r++) {
    const yb = take(y, idx, r, n);
    const pos = yb.reduce((s, v) => s + v, 0);
    if (pos === 0 || pos === n) continue;
    d.push(metric(take(a, idx, r, n), yb) - metric(take(b, idx, r, n), yb));
  }
  return { point: metric([...a], [...y]) - metric([...b], [...y]), ci: [percentile(d, 2.5), percentile(d, 97.5)], share: d.filter((x) => x > 0).length / d.length };
}

const eceM = (p: number[], y: number[]): number => ece(p, y, 10);

// ——— measurements ———

const SETS = { logit: LOGIT_FEATURES, kinetic: KINETIC_FEATURES, both: VERDICT_FEATURES } as const;
type SetName = keyof typeof SETS;

interface AblationCell {
  readonly n: number;
  readonly accuracy: number;
  readonly auroc: Record<SetName, WithCi>;
  readonly ece: Record<SetName, WithCi>;
  /** both − logit, both − kinetic */
  readonly dAuroc: { readonly bothVsLogit: WithCi & { share: number }; readonly bothVsKinetic: WithCi & { share: number } };
  readonly dEce: { readonly bothVsLogit: WithCi & { share: number }; readonly bothVsKinetic: WithCi & { share: number } };
  readonly bestSingle: { readonly key: string; readonly auroc: number };
}

function ablate(train: readonly Row[], test: readonly Row[]): AblationCell {
  const y = test.map((r) => r.label as number);
  const idx = resampleIndices(0, BOOT, test.length);
  const p = {} as Record<SetName, number[]>;
  for (const s of Object.keys(SETS) as SetName[]) {
    const m = fitVerdictModel(train, { features: SETS[s] });
    p[s] = test.map((r) => predictVerdict(m, r.scores));
  }
  const rec = <T>(f: (s: SetName) => T): Record<SetName, T> => ({ logit: f('logit'), kinetic: f('kinetic'), both: f('both') });
  let best = { key: '', auroc: -1 };
  for (const key of ['cotkV2', 'cotkEnergy', 'coeR', 'coeC', 'perplexity', 'meanEntropy', 'selfCertainty', 'maxProb', 'answerConfidence']) {
    const sign = keyOrientation(key) === 'lower-is-correct' ? -1 : 1;
    const a = auroc(test.map((r) => sign * (r.scores[key] as number)), y);
    if (a > best.auroc) best = { key, auroc: a };
  }
  return {
    n: test.length,
    accuracy: y.reduce((s, v) => s + v, 0) / y.length,
    auroc: rec((s) => boot(auroc, p[s], y, idx)),
    ece: rec((s) => boot(eceM, p[s], y, idx)),
    dAuroc: { bothVsLogit: pairedBoot(auroc, p.both, p.logit, y, idx), bothVsKinetic: pairedBoot(auroc, p.both, p.kinetic, y, idx) },
    dEce: { bothVsLogit: pairedBoot(eceM, p.both, p.logit, y, idx), bothVsKinetic: pairedBoot(eceM, p.both, p.kinetic, y, idx) },
    bestSingle: best,
  };
}

/** Verdict and each scorer's own map, fitted on `train`, measured on `test` (point values). */
function transfer(train: readonly Row[], test: readonly Row[]): { key: string; auroc: number; ece: number; brier: number }[] {
  const y = test.map((r) => r.label as number);
  const m = fitVerdictModel(train);
  const pv = test.map((r) => predictVerdict(m, r.scores));
  const out = [{ key: 'verdict', auroc: auroc(pv, y), ece: ece(pv, y), brier: brier(pv, y) }];
  for (const key of ['cotkV2', 'cotkEnergy', 'coeR', 'coeC', 'perplexity', 'meanEntropy', 'selfCertainty', 'maxProb', 'answerConfidence']) {
    const o = keyOrientation(key) ?? 'higher-is-correct';
    const map = fitIsotonic(train.map((r) => r.scores[key] as number), train.map((r) => r.label), o);
    const p = test.map((r) => applyIsotonic(map, r.scores[key] as number));
    const sign = o === 'lower-is-correct' ? -1 : 1;
    out.push({ key, auroc: auroc(test.map((r) => sign * (r.scores[key] as number)), y), ece: ece(p, y), brier: brier(p, y) });
  }
  return out;
}

const f3 = (x: number): string => x.toFixed(3);
const ci = (w: WithCi): string => `${f3(w.point)} [${f3(w.ci[0])}, ${f3(w.ci[1])}]`;
const signed = (w: WithCi & { share: number }): string => `${w.point >= 0 ? '+' : ''}${f3(w.point)} [${f3(w.ci[0])}, ${f3(w.ci[1])}]`;

function ablationTable(title: string, c: AblationCell): string {
  return [
    `**${title}** (${c.n} test traces, accuracy ${f3(c.accuracy)}; best single scorer: ${c.bestSingle.key}, AUROC ${f3(c.bestSingle.auroc)})`,
    '',
    '| verdict features | AUROC [95 % CI] | ECE [95 % CI] |',
    '| --- | --- | --- |',
    ...(Object.keys(SETS) as SetName[]).map((s) => `| ${s} (${SETS[s].length}) | ${ci(c.auroc[s])} | ${ci(c.ece[s])} |`),
    '',
    `Paired (same resamples): AUROC both − logit ${signed(c.dAuroc.bothVsLogit)}, both − kinetic ${signed(c.dAuroc.bothVsKinetic)}; ECE both − logit ${signed(c.dEce.bothVsLogit)}, both − kinetic ${signed(c.dEce.bothVsKinetic)}.`,
  ].join('\n');
}

function transferTable(rows: { key: string; auroc: number; ece: number; brier: number }[]): string {
  return ['| score | AUROC | ECE (own map) | Brier (own map) |', '| --- | --- | --- | --- |', ...rows.map((r) => `| ${r.key} | ${f3(r.auroc)} | ${f3(r.ece)} | ${f3(r.brier)} |`)].join('\n');
}

/** One sentence for the method panel, whichever way the numbers go. */
function verdictSentence(c: AblationCell, where: string): string {
  const d = c.dAuroc.bothVsLogit;
  const verdict = d.ci[0] > 0 ? 'reliably better than the logits alone' : d.ci[1] < 0 ? 'reliably worse than the logits alone' : 'no reliable difference from the logits alone (the interval includes 0)';
  return `On ${where}, adding the hidden-state (kinetic) features to the logit features changes the verdict's held-out AUROC by ${signed(d)} (95 % interval): ${verdict}. AUROC with logit features only ${f3(c.auroc.logit.point)}, kinetic only ${f3(c.auroc.kinetic.point)}, both ${f3(c.auroc.both.point)}.`;
}

async function main(): Promise<void> {
  const rows = await scoreSets();
  const testbed = rows.filter((r) => r.set === 'testbed');
  const second = rows.filter((r) => r.set === 'second');

  // the shipped profile: both sets
  const files = await loadModelDir(MODEL_DIR, { variant: 'fp32-cpu' });
  const key = profileKeyOf({ name: files.name, variant: files.variant, graphHash: graphHash(files.graph) });
  const strip = (r: Row): CalibrationRow => ({ id: r.id, label: r.label, scores: r.scores });
  const profile: CalibrationProfile = fitProfile(rows.map(strip), {
    key,
    datasetName: 'tiny-reasoner testbed (800 greedy traces) + second set (400 generated: longer chains, three-digit operands, products, easy sums)',
    createdAt: CREATED_AT,
  });
  const text = serializeProfile(profile);
  writeFileSync(PROFILE, text);
  const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as { files: Record<string, number> };
  manifest.files['fp32-cpu/calibration.json'] = Buffer.byteLength(text);
  manifest.files = Object.fromEntries(Object.entries(manifest.files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  writeFileSync(MANIFEST, `${JSON.stringify(manifest, null, 1)}\n`);
  const testbedOnly = fitProfile(testbed.map(strip), { key, datasetName: 'testbed', createdAt: CREATED_AT });

  // the acceptance check's shape: cotk batch's metrics line with a profile, on data the profile never saw
  const acceptance = (prof: CalibrationProfile, on: readonly Row[]) => {
    const m = evaluateRows(on.map((r, i) => ({ id: r.id, line: i + 1, label: r.label, scores: { ...r.scores, verdict: predictVerdict(prof.verdict.model, r.scores) } })), 'v2', prof);
    if (typeof m === 'string') throw new Error(m);
    const best = Math.max(...Object.entries(m.metrics).filter(([k]) => k !== 'verdict').map(([, v]) => v.auroc ?? 0));
    return { auroc: m.metrics.verdict.auroc as number, ece: m.metrics.verdict.ece as number, best };
  };
  const devAll = rows.filter((r) => r.dev);
  const devFit = fitProfile(devAll.map(strip), { key, datasetName: 'dev', createdAt: CREATED_AT });
  const oddAll = rows.filter((r) => !r.dev);
  const accOdd = acceptance(devFit, oddAll);
  const accSecond = acceptance(testbedOnly, second);

  const abTestbed = ablate(testbed.filter((r) => r.dev), testbed.filter((r) => !r.dev));
  const abSecond = ablate(testbed, second);
  const abSecondOdd = ablate(second.filter((r) => r.dev), second.filter((r) => !r.dev));

  const h = profile.verdict.heldOut;
  const date = new Date().toISOString().slice(0, 10);
  const doc = `# Calibration results (generated)

Written by \`bench/formulation/calibration.ts\` (${date}, ${cpus()[0]?.model ?? 'unknown CPU'}); do not edit by hand.
Scores: the real engine (onnxruntime-node, fp32-cpu, one thread), teacher-forced, as \`cotk batch\` writes them.
Method: [docs/calibration.md](calibration.md); ablation discussion: [docs/method.md](method.md), section 6.

## The shipped profile

\`public/models/tiny-reasoner/fp32-cpu/calibration.json\`: fitted on **both** labelled sets, ${profile.dataset.n} traces
(testbed 800, accuracy 0.5925; second set 400, accuracy ${f3(second.filter((r) => r.label === 1).length / second.length)}), key
\`${profile.key.model}\` / \`${profile.key.dtype}\` / \`${profile.key.revision}\`.
Held out (5-fold cross-validation split by trace id): AUROC ${f3(h.auroc)}, AUPR ${f3(h.aupr)}, FPR95 ${f3(h.fpr95)},
ECE ${f3(h.ece)}, Brier ${f3(h.brier)}, log loss ${f3(h.logLoss)}.

## Held out by id (even = fit, odd = measure)

Fitted on the even ids of both sets (${devAll.length} traces), measured on the odd ids (${oddAll.length}), as \`cotk batch\`'s
metrics line computes it: verdict AUROC ${f3(accOdd.auroc)} (best single scorer ${f3(accOdd.best)}), ECE ${f3(accOdd.ece)}.

Per score on the testbed's odd ids, fitted on its even ids (each scorer's ECE and Brier through its own isotonic map):

${transferTable(transfer(testbed.filter((r) => r.dev), testbed.filter((r) => !r.dev)))}

## A different mix: testbed-only fit on the whole second set

Fitted on the 800 testbed traces only, measured on the 400 of the second set, which it never saw: verdict AUROC
${f3(accSecond.auroc)} (best single scorer ${f3(accSecond.best)}), ECE ${f3(accSecond.ece)}.

${transferTable(transfer(testbed, second))}

## Ablation: what the layers add

Logit features: ${LOGIT_FEATURES.join(', ')}. Kinetic (hidden-state) features: ${KINETIC_FEATURES.join(', ')}.
Same model (L2 logistic regression, λ = 1, on the transformed and standardised scores of docs/calibration.md, clipped at ±6), fitted on the dev traces, measured on the test
traces; 95 % percentile bootstrap over ${BOOT} resamples of the test traces; differences paired on the same resamples.

${ablationTable('Testbed: dev = even ids, test = odd ids', abTestbed)}

${ablationTable('Second set: fitted on the whole testbed, measured on all 400', abSecond)}

${ablationTable('Second set alone: even ids fit, odd ids measure', abSecondOdd)}
`;
  writeFileSync(DOC, doc);

  const panel = {
    summary: [verdictSentence(abTestbed, 'the testbed (odd ids, fitted on even)'), verdictSentence(abSecond, 'the second set (a different mix, fitted on the testbed)')].join(' '),
    testbed: { n: abTestbed.n, auroc: { logit: abTestbed.auroc.logit, kinetic: abTestbed.auroc.kinetic, both: abTestbed.auroc.both }, ece: abTestbed.ece, dAurocBothVsLogit: abTestbed.dAuroc.bothVsLogit },
    second: { n: abSecond.n, auroc: { logit: abSecond.auroc.logit, kinetic: abSecond.auroc.kinetic, both: abSecond.auroc.both }, ece: abSecond.ece, dAurocBothVsLogit: abSecond.dAuroc.bothVsLogit },
  };
  const ts = `/**
 * The layer ablation's result for the method panel (issue 12, item 5). GENERATED by
 * bench/formulation/calibration.ts from held-out numbers (docs/calibration-results.md); do not edit.
 */
import type { LayerAblation } from './types';

export const LAYER_ABLATION: LayerAblation = ${JSON.stringify(panel, (_k, v: unknown) => (typeof v === 'number' ? Number(v.toFixed(4)) : v), 2)};
`;
  writeFileSync(ABLATION_TS, ts);
  console.log(doc);
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
