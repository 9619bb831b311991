import { aupr, auroc, brier, ece, fpr95, logLoss, rocPoints } from '../metrics';
import { featureDef, featureValue, keyOrientation, PROFILE_KEYS, VERDICT_FEATURES } from './features';
import { applyIsotonic, fitIsotonic } from './isotonic';
import { fitLogistic, sigmoid } from './logistic';
import {
  CALIBRATION_FORMAT,
  CALIBRATION_VERSION,
  DEFAULT_CLIP,
  DEFAULT_FOLDS,
  DEFAULT_L2,
  ECE_BINS,
  MIN_TRACES,
  ProfileError,
  QUANTILES,
  type CalibrationProfile,
  type CalibrationRow,
  type FitOptions,
  type HeldOutMetrics,
  type ScorerCalibration,
  type VerdictFeature,
  type VerdictModel,
  type VerdictResult,
} from './types';

/**
 * Fitting and applying calibration profiles (docs/calibration.md). Pure and deterministic: the
 * same rows and options give the same profile, whatever order the rows come in.
 */

/** An id as text, for grouping and hashing ("7" and 7 are different ids). */
function idText(id: unknown): string {
  return typeof id === 'string' ? `s:${id}` : `j:${JSON.stringify(id) ?? String(id)}`;
}

/** FNV-1a, 32 bits, over UTF-16 code units: a stable, portable hash for fold assignment. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * Fold of each row, split by trace id: rows sharing an id stay together. Ids are grouped by label
 * (an id's majority label), ordered within each label by a seeded hash, and dealt round-robin, so
 * every fold gets its share of both labels and the split does not depend on the rows' order.
 */
export function assignFolds(rows: readonly CalibrationRow[], k: number, seed: number): number[] {
  const groups = new Map<string, { pos: number; n: number }>();
  for (const r of rows) {
    const t = idText(r.id);
    const g = groups.get(t) ?? { pos: 0, n: 0 };
    g.pos += r.label;
    g.n++;
    groups.set(t, g);
  }
  const fold = new Map<string, number>();
  for (const label of [1, 0]) {
    const ids = [...groups.entries()].filter(([, g]) => (g.pos * 2 >= g.n ? 1 : 0) === label).map(([t]) => t);
    const keyed = ids.map((t) => ({ t, h: fnv1a(`${seed}\u0000${t}`) }));
    keyed.sort((a, b) => a.h - b.h || (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
    keyed.forEach(({ t }, i) => fold.set(t, i % k));
  }
  return rows.map((r) => fold.get(idText(r.id)) as number);
}

/** NumPy's default quantile (linear between closest ranks) of sorted values at q ∈ [0, 1]. */
function quantileSorted(sorted: readonly number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** The held-out metrics of probabilities `p` for labels `y` (both labels must be present). */
export function heldOutMetrics(p: readonly number[], y: readonly number[], folds: number): HeldOutMetrics {
  const pts = rocPoints(p, y);
  const pos = y.reduce((s, v) => s + v, 0);
  return {
    auroc: auroc(p, y),
    aupr: aupr(pts),
    fpr95: fpr95(pts),
    ece: ece(p, y, ECE_BINS),
    brier: brier(p, y),
    logLoss: logLoss(p, y),
    folds,
    n: p.length,
    accuracy: pos / p.length,
  };
}

function scoreOf(r: CalibrationRow, key: string): number | null {
  const v = r.scores[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

// ——— the verdict model ———

/** Standardisation and missing-value handling fitted on `rows` for the given feature keys. */
function fitFeatures(rows: readonly CalibrationRow[], keys: readonly string[]): VerdictFeature[] {
  const out: VerdictFeature[] = [];
  for (const key of keys) {
    const { transform } = featureDef(key);
    const xs: number[] = [];
    for (const r of rows) {
      const v = featureValue(r.scores[key], transform);
      if (v !== null) xs.push(v);
    }
    if (xs.length === 0) continue; // never seen: nothing to learn from it
    let mean = 0;
    for (const x of xs) mean += x;
    mean /= xs.length;
    let ss = 0;
    for (const x of xs) ss += (x - mean) ** 2;
    const sd = Math.sqrt(ss / xs.length);
    out.push({ key, transform, mean, sd: sd > 1e-12 ? sd : 1, indicator: xs.length < rows.length });
  }
  return out;
}

/** The model's input vector for one trace's scores: z-scores (clipped), then the missing indicators. */
function design(features: readonly VerdictFeature[], scores: Readonly<Record<string, number | null | undefined>>, clip: number): number[] {
  const z: number[] = [];
  const ind: number[] = [];
  for (const f of features) {
    const v = featureValue(scores[f.key], f.transform);
    z.push(v === null ? 0 : Math.max(-clip, Math.min(clip, (v - f.mean) / f.sd)));
    if (f.indicator) ind.push(v === null ? 1 : 0);
  }
  return [...z, ...ind];
}

function fitVerdict(rows: readonly CalibrationRow[], keys: readonly string[], l2: number, clip: number): VerdictModel {
  const features = fitFeatures(rows, keys);
  const x = rows.map((r) => design(features, r.scores, clip));
  const fit = fitLogistic(x, rows.map((r) => r.label), l2);
  return { features, weights: fit.weights, bias: fit.bias, l2, clip };
}

/** P(correct) of the verdict model for one trace's scores. */
export function predictVerdict(model: VerdictModel, scores: Readonly<Record<string, number | null | undefined>>): number {
  const x = design(model.features, scores, model.clip);
  let z = model.bias;
  for (let j = 0; j < x.length; j++) z += model.weights[j] * x[j];
  return sigmoid(z);
}

// ——— per-scorer calibration ———

function fitScorer(rows: readonly CalibrationRow[], key: string, foldOf: readonly number[], k: number): ScorerCalibration | null {
  const orientation = keyOrientation(key);
  if (orientation === null) return null;
  const xs: number[] = [];
  const ys: number[] = [];
  const fs: number[] = [];
  rows.forEach((r, i) => {
    const v = scoreOf(r, key);
    if (v === null) return;
    xs.push(v);
    ys.push(r.label);
    fs.push(foldOf[i]);
  });
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  const quantiles = Array.from({ length: QUANTILES + 1 }, (_, i) => quantileSorted(sorted, i / QUANTILES));
  const min = sorted[0];
  const max = sorted[sorted.length - 1];
  const margin = max > min ? 0.1 * (max - min) : 0.1 * Math.abs(max) + 1e-9;
  // held out: each fold's values through the map fitted on the other folds
  const held: number[] = new Array(xs.length);
  for (let f = 0; f < k; f++) {
    const tx: number[] = [];
    const ty: number[] = [];
    xs.forEach((x, i) => {
      if (fs[i] !== f) {
        tx.push(x);
        ty.push(ys[i]);
      }
    });
    const m = fitIsotonic(tx, ty, orientation);
    xs.forEach((x, i) => {
      if (fs[i] === f) held[i] = tx.length > 0 ? applyIsotonic(m, x) : 0.5;
    });
  }
  const pos = ys.reduce((s, v) => s + v, 0);
  return {
    orientation,
    n: xs.length,
    missing: rows.length - xs.length,
    quantiles,
    range: [min, max],
    margin,
    map: fitIsotonic(xs, ys, orientation),
    heldOut: pos > 0 && pos < ys.length ? heldOutMetrics(held, ys, k) : null,
  };
}

// ——— the profile ———

/** Why rows cannot make a profile, or null. */
export function fitRefusal(rows: readonly CalibrationRow[]): string | null {
  const pos = rows.filter((r) => r.label === 1).length;
  if (rows.length < MIN_TRACES) {
    return `A calibration profile needs at least ${MIN_TRACES} labelled traces and got ${rows.length}: with fewer, its held-out numbers would mean little.`;
  }
  if (pos === 0 || pos === rows.length) {
    return `Every one of the ${rows.length} traces is labelled ${pos === 0 ? 'incorrect (0)' : 'correct (1)'}: a calibration profile needs both correct and incorrect traces to learn what tells them apart.`;
  }
  return null;
}

/** Held-out verdict probabilities by k-fold cross-validation (folds by trace id); also used by the ablation. */
export function crossValidatedVerdict(rows: readonly CalibrationRow[], opts: { folds?: number; seed?: number; l2?: number; features?: readonly string[]; clip?: number } = {}): number[] {
  const k = opts.folds ?? DEFAULT_FOLDS;
  const foldOf = assignFolds(rows, k, opts.seed ?? 0);
  const keys = opts.features ?? VERDICT_FEATURES;
  const l2 = opts.l2 ?? DEFAULT_L2;
  const clip = opts.clip ?? DEFAULT_CLIP;
  const p = new Array<number>(rows.length);
  for (let f = 0; f < k; f++) {
    const train = rows.filter((_, i) => foldOf[i] !== f);
    if (train.length === rows.length) continue; // an empty fold
    const m = fitVerdict(train, keys, l2, clip);
    rows.forEach((r, i) => {
      if (foldOf[i] === f) p[i] = predictVerdict(m, r.scores);
    });
  }
  return p;
}

/** Fits the verdict model on explicit rows (the ablation's dev half) without the profile's other parts. */
export function fitVerdictModel(rows: readonly CalibrationRow[], opts: { l2?: number; features?: readonly string[]; clip?: number } = {}): VerdictModel {
  return fitVerdict(rows, opts.features ?? VERDICT_FEATURES, opts.l2 ?? DEFAULT_L2, opts.clip ?? DEFAULT_CLIP);
}

function checkRows(rows: readonly CalibrationRow[]): void {
  rows.forEach((r, i) => {
    if (r.label !== 0 && r.label !== 1) throw new ProfileError(`Trace ${i + 1} (id ${JSON.stringify(r.id)}) has label ${JSON.stringify(r.label)}; a label is 0 (incorrect) or 1 (correct).`);
  });
}

/**
 * A calibration profile from labelled rows. Throws ProfileError (one sentence) on fewer than
 * {@link MIN_TRACES} traces or a single label. Deterministic: the rows are put in a canonical order
 * (by id, then by their scores) first, so their order in the input does not change a bit of the result.
 */
export function fitProfile(rowsIn: readonly CalibrationRow[], opts: FitOptions): CalibrationProfile {
  checkRows(rowsIn);
  const refusal = fitRefusal(rowsIn);
  if (refusal) throw new ProfileError(refusal);
  const k = opts.folds ?? DEFAULT_FOLDS;
  if (!Number.isInteger(k) || k < 2) throw new ProfileError(`The number of folds must be a whole number ≥ 2, got ${k}.`);
  if (k > rowsIn.length) throw new ProfileError(`${k} folds need at least ${k} traces, got ${rowsIn.length}.`);
  const l2 = opts.l2 ?? DEFAULT_L2;
  if (!(l2 > 0 && Number.isFinite(l2))) throw new ProfileError(`The L2 penalty must be a positive number, got ${l2}.`);
  const seed = opts.seed ?? 0;
  const keys = opts.features ?? VERDICT_FEATURES;
  for (const key of keys) featureDef(key);
  const canon = (r: CalibrationRow): string => `${idText(r.id)}\u0000${r.label}\u0000${JSON.stringify(PROFILE_KEYS.map((kk) => scoreOf(r, kk)))}`;
  const rows = rowsIn
    .map((r) => ({ r, c: canon(r) }))
    .sort((a, b) => (a.c < b.c ? -1 : a.c > b.c ? 1 : 0))
    .map((x) => x.r);
  const foldOf = assignFolds(rows, k, seed);
  const scorers: Record<string, ScorerCalibration> = {};
  for (const key of PROFILE_KEYS) {
    const s = fitScorer(rows, key, foldOf, k);
    if (s) scorers[key] = s;
  }
  const model = fitVerdict(rows, keys, l2, DEFAULT_CLIP);
  if (model.features.length === 0) throw new ProfileError(`None of the verdict's features (${keys.join(', ')}) has a value in these traces; score them with cotk batch first.`);
  const held = crossValidatedVerdict(rows, { folds: k, seed, l2, features: keys });
  const y = rows.map((r) => r.label);
  const pos = y.reduce<number>((s, v) => s + v, 0);
  return {
    format: CALIBRATION_FORMAT,
    version: CALIBRATION_VERSION,
    key: { model: opts.key.model, revision: opts.key.revision, dtype: opts.key.dtype },
    dataset: { name: opts.datasetName, n: rows.length, accuracy: pos / rows.length, createdAt: opts.createdAt ?? new Date().toISOString() },
    scorers,
    verdict: { features: model.features.map((f) => f.key), model, heldOut: heldOutMetrics(held, y, k) },
  };
}

/** Share (0–100) of the reference distribution at or below `v`, read off the quantile table. */
export function percentileOf(quantiles: readonly number[], v: number): number {
  const q = quantiles.length - 1;
  if (q < 1) return v >= quantiles[0] ? 100 : 0;
  if (v < quantiles[0]) return 0;
  if (v >= quantiles[q]) return 100;
  // the last knot at or below v (a run of equal quantiles counts wholly below)
  let a = 0;
  let b = q;
  while (b - a > 1) {
    const mid = (a + b) >> 1;
    if (quantiles[mid] <= v) a = mid;
    else b = mid;
  }
  const frac = quantiles[b] > quantiles[a] ? (v - quantiles[a]) / (quantiles[b] - quantiles[a]) : 0;
  return (100 * (a + frac)) / q;
}

/** Whether a scorer's value lies outside what the profile's fit saw. */
function isOutside(s: ScorerCalibration, v: number | null): boolean {
  if (v === null) return s.missing === 0;
  return v < s.range[0] - s.margin || v > s.range[1] + s.margin;
}

/**
 * A trace's verdict under a profile: P(correct) from the verdict model, each scorer's percentile
 * and own calibrated P, and the keys that lie outside the fitted distribution.
 */
export function applyProfile(profile: CalibrationProfile, scores: Readonly<Record<string, number | null | undefined>>): VerdictResult {
  const percentiles: Record<string, number> = {};
  const perScorer: Record<string, number> = {};
  const outside: string[] = [];
  for (const key of Object.keys(profile.scorers)) {
    const s = profile.scorers[key];
    const v = typeof scores[key] === 'number' && Number.isFinite(scores[key]) ? (scores[key] as number) : null;
    if (v !== null) {
      percentiles[key] = percentileOf(s.quantiles, v);
      perScorer[key] = applyIsotonic(s.map, v);
    }
    if (isOutside(s, v)) outside.push(key);
  }
  for (const f of profile.verdict.model.features) {
    // a feature null where the fit never saw a null is outside too (and read as its mean)
    if (!f.indicator && featureValue(scores[f.key], f.transform) === null && !outside.includes(f.key)) outside.push(f.key);
  }
  return { p: predictVerdict(profile.verdict.model, scores), percentiles, outside, perScorer };
}
