/**
 * Every CoT-Kinetics candidate of docs/research/formulations.md §3 (same keys), computed in float64
 * from one engine run (kept float32 states, logits rows, the lens), plus the engine's own scores as
 * baselines. Each candidate returns a trace score with its raw orientation; the harness flips the
 * lower-is-correct ones before the metrics.
 *
 * The per-token primitives mirror scripts/reference/explore.py function by function (tok_v1,
 * tok_logK, …) so that a disagreement between the two harnesses points at one definition.
 */
import type { Orientation } from '../../src/core/metrics';
import { DEFAULT_COTK, scorerInfo, type ScoreKey, type ScorerId } from '../../src/core/scores/index';
import type { TraceView } from './trace';

export type Family = 'baseline' | 'control' | 'kinetic' | 'potential' | 'hamiltonian' | 'lagrangian' | 'answer' | 'aggregation' | 'combination';

export interface Candidate {
  readonly key: string;
  readonly family: Family;
  readonly name: string;
  readonly orientation: Orientation;
  /** Needs engine.lens (the logit lens at every layer). */
  readonly lens?: boolean;
  /** Key of the same quantity in scripts/reference/out/explore-results.json, when it has one. */
  readonly python?: string;
  readonly score: (tv: TraceView) => number;
}

const HI: Orientation = 'higher-is-correct';
const LO: Orientation = 'lower-is-correct';
const EPS = 1e-12;

// ------------------------------------------------------------ per-token primitives ----------------

function dist(x: Float64Array, a: number, b: number, d: number): number {
  let s = 0;
  for (let i = 0; i < d; i++) {
    const v = x[a + i] - x[b + i];
    s += v * v;
  }
  return Math.sqrt(s);
}

function norm(x: Float64Array, a: number, d: number): number {
  let s = 0;
  for (let i = 0; i < d; i++) s += x[a + i] * x[a + i];
  return Math.sqrt(s);
}

/** ‖v_l‖ = ‖x_l − x_{l−1}‖, l = 1 … L (index l − 1), of a path [L+1][d]. */
function speeds(x: Float64Array, L: number, d: number): Float64Array {
  const s = new Float64Array(L);
  for (let l = 1; l <= L; l++) s[l - 1] = dist(x, l * d, (l - 1) * d, d);
  return s;
}

/**
 * v1 on layers lo … L of a path (lo = 1: exactly SCORING.md v1), in R or in read-out coordinates:
 * γ·½·mean_l (L'‖v_l‖/‖x_L − x_{lo−1}‖)² + (1 − γ)·mean_l θ_l/π (explore.py tok_v1).
 */
function v1Token(tv: TraceView, t: number, gamma = 0.8, lo = 1, space: 'R' | 'N' = 'R'): number {
  const { L, d } = tv;
  const full = space === 'R' ? tv.path(t) : tv.normedPath(t);
  const x = full.subarray((lo - 1) * d);
  const Lr = L - (lo - 1);
  const vn = speeds(x, Lr, d);
  const D = dist(x, Lr * d, 0, d) + EPS;
  let k = 0;
  for (let l = 0; l < Lr; l++) k += ((Lr * vn[l]) / D) ** 2;
  const K = (0.5 * k) / Lr;
  let P = 0;
  if (Lr > 1) {
    for (let l = 1; l < Lr; l++) {
      // velocities v_l = x_l − x_{l−1} and v_{l+1}
      let dot = 0;
      for (let i = 0; i < d; i++) dot += (x[l * d + i] - x[(l - 1) * d + i]) * (x[(l + 1) * d + i] - x[l * d + i]);
      const c = dot / (vn[l - 1] * vn[l] + EPS);
      P += Math.acos(Math.min(1, Math.max(-1, c))) / Math.PI;
    }
    P /= Lr - 1;
  }
  return gamma * K + (1 - gamma) * P;
}

/** ½ mean_l (‖v_l‖ / ‖x_{l−1}‖)²: each step against the state it leaves. */
function kLayerScale(tv: TraceView, t: number): number {
  const x = tv.path(t);
  const vn = speeds(x, tv.L, tv.d);
  let s = 0;
  for (let l = 1; l <= tv.L; l++) s += (vn[l - 1] / norm(x, (l - 1) * tv.d, tv.d)) ** 2;
  return (0.5 * s) / tv.L;
}

/** ½ mean_l (‖v_l‖ / ‖x_0‖)²: mass 1/‖x_0‖². */
function kMass(tv: TraceView, t: number): number {
  const x = tv.path(t);
  const vn = speeds(x, tv.L, tv.d);
  const m = norm(x, 0, tv.d);
  let s = 0;
  for (const v of vn) s += (v / m) ** 2;
  return (0.5 * s) / tv.L;
}

/** κ_t = mean_{l=lo..L} [ln ‖v_l‖ − ln ‖x_0‖] (explore.py tok_logK; no ε, as there). */
function kappa(tv: TraceView, t: number, lo = 1): number {
  const x = tv.path(t);
  const vn = speeds(x, tv.L, tv.d);
  const m = Math.log(norm(x, 0, tv.d));
  let s = 0;
  for (let l = lo; l <= tv.L; l++) s += Math.log(vn[l - 1]) - m;
  return s / (tv.L - lo + 1);
}

/** mean_l ln ‖n_l − n_{l−1}‖ − ½ ln D, the log speed in read-out coordinates. */
function kappaReadout(tv: TraceView, t: number): number {
  const vn = speeds(tv.normedPath(t), tv.L, tv.d);
  let s = 0;
  for (const v of vn) s += Math.log(v);
  return s / tv.L - 0.5 * Math.log(tv.d);
}

/** mean_{l=lo..hi} U_l(t) under the lens. */
function lensHeight(tv: TraceView, t: number, lo = 0, hi = tv.L): number {
  let s = 0;
  for (let l = lo; l <= hi; l++) s += tv.lensHeight(t, l);
  return s / (hi - lo + 1);
}

/** mean_{l<L} KL(p_L ‖ p_l). */
function pull(tv: TraceView, t: number): number {
  let s = 0;
  for (let l = 0; l < tv.L; l++) s += tv.lensKl(t, l);
  return s / tv.L;
}

/** 1 − mean_{l=1..L} cos(x_l(t), ā_l), ā_l the mean of the answer tokens' states at layer l. */
function answerAlignment(tv: TraceView, abar: Float64Array, t: number): number {
  const { L, d } = tv;
  const x = tv.path(t);
  let s = 0;
  for (let l = 1; l <= L; l++) {
    let dot = 0;
    for (let i = 0; i < d; i++) dot += x[l * d + i] * abar[l * d + i];
    s += dot / (norm(x, l * d, d) * norm(abar, l * d, d) + EPS);
  }
  return 1 - s / L;
}

function answerMeanPath(tv: TraceView): Float64Array {
  const a = tv.answer();
  if (a.length === 0) return new Float64Array(0);
  const out = new Float64Array((tv.L + 1) * tv.d);
  for (const t of a) {
    const x = tv.path(t);
    for (let i = 0; i < out.length; i++) out[i] += x[i];
  }
  for (let i = 0; i < out.length; i++) out[i] /= a.length;
  return out;
}

// ------------------------------------------------------------ aggregation -------------------------

type TokenFn = (tv: TraceView, t: number) => number;

const mean = (xs: readonly number[]): number => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
const max = (xs: readonly number[]): number => (xs.length === 0 ? NaN : Math.max(...xs));
const min = (xs: readonly number[]): number => (xs.length === 0 ? NaN : Math.min(...xs));

function over(tokens: (tv: TraceView) => number[], f: TokenFn, agg: (xs: readonly number[]) => number): (tv: TraceView) => number {
  return (tv) => agg(tokens(tv).map((t) => f(tv, t)));
}

const reasoning = (tv: TraceView): number[] => tv.reasoning();
const answer = (tv: TraceView): number[] => tv.answer();
const output = (tv: TraceView): number[] => [...tv.reasoning(), ...tv.answer()];

/** Aggregate the step means (steps = reasoning lines) of a per-token quantity. */
function overSteps(f: TokenFn, agg: (xs: readonly number[]) => number): (tv: TraceView) => number {
  return (tv) => agg(tv.steps().map((s) => mean(s.map((t) => f(tv, t)))));
}

const U: TokenFn = (tv, t) => tv.surprisal(t);
const kap: TokenFn = (tv, t) => kappa(tv, t);
const lag =
  (lam: number): TokenFn =>
  (tv, t) =>
    kappa(tv, t) - lam * tv.surprisal(t);
const kappaMean = over(reasoning, kap, mean);
const barrier = (tv: TraceView): number => kappaMean(tv) - over(reasoning, U, max)(tv);
const logAnswerConfidence = (tv: TraceView): number => {
  const a = tv.run.detail.answer;
  return a ? a.meanLogProb : NaN;
};

// ------------------------------------------------------------ the list ----------------------------

/** The engine's own scores (run.scores), orientation from the scorer registry. */
const BASELINE_KEYS: ReadonlyArray<{ key: ScoreKey; python?: string }> = [
  { key: 'perplexity', python: 'ppl' },
  { key: 'meanEntropy', python: 'ent' },
  { key: 'maxProb', python: 'maxp' },
  { key: 'selfCertainty', python: 'sc' },
  { key: 'coeR', python: 'coeR' },
  { key: 'coeC', python: 'coeC' },
  { key: 'answerConfidence', python: 'ac' },
  { key: 'cotkEnergy', python: 'v1' },
  { key: 'cotkV2', python: 'D4' },
  { key: 'cotk', python: 'D4' },
];

function baseline(key: ScoreKey, python?: string): Candidate {
  const id: ScorerId = key === 'cotk' ? DEFAULT_COTK : key;
  const info = scorerInfo(id);
  const name = key === 'cotk' ? `cotk: the default CoT-Kinetics score (= ${id})` : info.label;
  return {
    key,
    family: 'baseline',
    name,
    orientation: info.orientation,
    python,
    score: (tv) => {
      const v = tv.run.scores[key];
      return v === null ? NaN : v;
    },
  };
}

export const CANDIDATES: readonly Candidate[] = [
  ...BASELINE_KEYS.map((b) => baseline(b.key, b.python)),
  // logit-only controls
  { key: 'nllR', family: 'control', name: 'reasoning mean surprisal ⟨U_L⟩ (control)', orientation: LO, python: 'nllR', score: over(reasoning, U, mean) },
  { key: 'maxU', family: 'control', name: 'reasoning max surprisal max_t U_L (control)', orientation: LO, python: 'maxU', score: over(reasoning, U, max) },
  // (c) normalisation and layer range of the kinetic term
  { key: 'A1', family: 'kinetic', name: 'v1 energy, final norm in the motion (n_l)', orientation: LO, python: 'A1', score: over(reasoning, (tv, t) => v1Token(tv, t, 0.8, 1, 'N'), mean) },
  { key: 'A2', family: 'kinetic', name: 'v1 energy, layers 2..L', orientation: LO, python: 'A2', score: over(reasoning, (tv, t) => v1Token(tv, t, 0.8, 2), mean) },
  { key: 'A3', family: 'kinetic', name: 'K, per-layer scale ½⟨(‖v_l‖/‖x_{l−1}‖)²⟩', orientation: LO, python: 'A3', score: over(reasoning, kLayerScale, mean) },
  { key: 'A4', family: 'kinetic', name: 'K, mass 1/‖x_0‖²: ½⟨(‖v_l‖/‖x_0‖)²⟩', orientation: HI, python: 'A4', score: over(reasoning, kMass, mean) },
  { key: 'A5', family: 'kinetic', name: 'log-kinetic κ = ⟨ln(‖v_l‖/‖x_0‖)⟩, l = 1..L', orientation: HI, python: 'A5', score: kappaMean },
  { key: 'A6', family: 'kinetic', name: 'log-kinetic κ, layers 2..L', orientation: HI, python: 'A6', score: over(reasoning, (tv, t) => kappa(tv, t, 2), mean) },
  { key: 'A7', family: 'kinetic', name: 'log-kinetic in read-out coordinates', orientation: HI, python: 'A7', score: over(reasoning, kappaReadout, mean) },
  // (a) potential from the model's own field
  { key: 'B1', family: 'potential', name: 'path-mean height Ū = ⟨U_l⟩, l = 0..L (lens)', orientation: LO, lens: true, python: 'B1', score: over(reasoning, (tv, t) => lensHeight(tv, t), mean) },
  { key: 'B2', family: 'potential', name: 'upper-half height ⟨U_l⟩, l = L/2..L (lens)', orientation: LO, lens: true, python: 'B2', score: over(reasoning, (tv, t) => lensHeight(tv, t, Math.floor(tv.L / 2)), mean) },
  { key: 'B3', family: 'potential', name: 'terminal height U_L (= reasoning NLL)', orientation: LO, python: 'B3', score: over(reasoning, U, mean) },
  { key: 'B4', family: 'potential', name: 'pull to final ⟨KL(p_L‖p_l)⟩, l < L (lens)', orientation: LO, lens: true, python: 'B4', score: over(reasoning, pull, mean) },
  { key: 'B5', family: 'hamiltonian', name: 'H = 0.8·K_v1 + 0.2·Ū (lens)', orientation: LO, lens: true, python: 'B5', score: over(reasoning, (tv, t) => 0.8 * v1Token(tv, t, 1) + 0.2 * lensHeight(tv, t), mean) },
  { key: 'B6', family: 'hamiltonian', name: 'H = 0.8·K_v1 + 0.2·U_L', orientation: LO, python: 'B6', score: over(reasoning, (tv, t) => 0.8 * v1Token(tv, t, 1) + 0.2 * tv.surprisal(t), mean) },
  ...[0.3, 1, 3].map(
    (lam): Candidate => ({ key: `B7/${lam}`, family: 'lagrangian', name: `Λ = κ − ${lam}·U_L`, orientation: HI, python: `B7/${lam}`, score: over(reasoning, lag(lam), mean) }),
  ),
  { key: 'B8', family: 'lagrangian', name: 'Λ = κ − Ū (lens)', orientation: HI, lens: true, python: 'B8', score: over(reasoning, (tv, t) => kappa(tv, t) - lensHeight(tv, t), mean) },
  // (b) answer-conditioned field
  {
    key: 'C1',
    family: 'answer',
    name: 'answer alignment 1 − ⟨cos(x_l, ā_l)⟩ over reasoning',
    orientation: LO,
    python: 'C1',
    score: (tv) => {
      const abar = answerMeanPath(tv);
      return abar.length === 0 ? NaN : mean(tv.reasoning().map((t) => answerAlignment(tv, abar, t)));
    },
  },
  { key: 'C2', family: 'answer', name: "answer tokens' path-mean height Ū (lens)", orientation: LO, lens: true, python: 'C2', score: over(answer, (tv, t) => lensHeight(tv, t), mean) },
  { key: 'C3', family: 'answer', name: 'κ of the answer tokens', orientation: HI, python: 'C3', score: over(answer, kap, mean) },
  { key: 'C4', family: 'answer', name: 'Λ(1) over reasoning + answer', orientation: HI, python: 'C4', score: over(output, lag(1), mean) },
  // (d) aggregation and combination with answer confidence
  { key: 'D1', family: 'aggregation', name: 'Λ(1), mean over steps', orientation: HI, python: 'D1', score: overSteps(lag(1), mean) },
  { key: 'D2', family: 'aggregation', name: 'Λ(1), weakest step', orientation: HI, python: 'D2', score: overSteps(lag(1), min) },
  { key: 'D3', family: 'aggregation', name: 'Λ(1), weakest token', orientation: HI, python: 'D3', score: over(reasoning, lag(1), min) },
  { key: 'D4', family: 'aggregation', name: 'barrier Lagrangian κ̄ − max_t U_L', orientation: HI, python: 'D4', score: barrier },
  { key: 'D5', family: 'aggregation', name: 'step barrier κ̄ − max_steps ⟨U_L⟩', orientation: HI, python: 'D5', score: (tv) => kappaMean(tv) - overSteps(U, max)(tv) },
  { key: 'D6', family: 'combination', name: 'Λ(1) mean + ln answer confidence', orientation: HI, python: 'D6', score: (tv) => over(reasoning, lag(1), mean)(tv) + logAnswerConfidence(tv) },
  { key: 'D7', family: 'combination', name: 'barrier Lagrangian + ln answer confidence', orientation: HI, python: 'D7', score: (tv) => barrier(tv) + logAnswerConfidence(tv) },
];

/** Internal consistency of one run: the primitives here against the engine's own per-token terms. */
export function consistency(tv: TraceView): { kappa: number; surprisal: number; v1: number } {
  let k = 0;
  let u = 0;
  const P = tv.run.promptLength;
  for (const t of tv.reasoning()) {
    const tok = tv.run.tokens[t - P];
    k = Math.max(k, Math.abs(kappa(tv, t) - tok.kappa));
    u = Math.max(u, Math.abs(tv.surprisal(t) + tok.logProb));
  }
  const e = tv.run.scores.cotkEnergy;
  const v1 = e === null ? NaN : Math.abs(over(reasoning, (x, t) => v1Token(x, t), mean)(tv) - e);
  return { kappa: k, surprisal: u, v1 };
}
