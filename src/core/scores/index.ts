import type { Orientation } from '../metrics';
import type { CoeScores } from './coe';
import type { CotkTrace } from './cotKinetics';
import type { CotkV2Trace } from './cotkV2';
import type { LogitStats } from './logits';

export { cotkV1, cotkV1Token, layerSpeeds, reweightCotk, COTK_V1_DEFAULT_GAMMA } from './cotKinetics';
export type { CotkTrace, CotkTokenTerms } from './cotKinetics';
export { cotkV2, cotkV2FromTerms, cotkV2Kappa, cotkV2KappaFrom } from './cotkV2';
export type { CotkV2Trace } from './cotkV2';
export { lensLogProbs, lensTopK } from './logitLens';
export type { LensHead } from './logitLens';
export { coe, coeFromMeans, meanStates } from './coe';
export type { CoeScores } from './coe';
export { aggregateLogitStats, rowStats, tokenLogitStats } from './logits';
export type { LogitStats, TokenLogitStats } from './logits';

/** What the scorers read; a part is null when its segment is empty or no states were captured. */
export interface ScoreInputs {
  readonly cotk: CotkTrace | null;
  readonly cotkV2: CotkV2Trace | null;
  readonly coe: CoeScores | null;
  readonly output: LogitStats | null;
  readonly answer: LogitStats | null;
}

/** Everything one captured trace's scorers produce; `answer` is null when the trace has no answer tokens. */
export interface TraceScores extends ScoreInputs {
  readonly cotk: CotkTrace;
  readonly cotkV2: CotkV2Trace;
  readonly coe: CoeScores;
  readonly output: LogitStats;
  readonly answer: LogitStats | null;
}

export type ScorerId =
  | 'cotkV2'
  | 'cotkEnergy'
  | 'coeR'
  | 'coeC'
  | 'perplexity'
  | 'meanEntropy'
  | 'selfCertainty'
  | 'maxProb'
  | 'answerConfidence';

export interface ScorerInfo {
  readonly id: ScorerId;
  /** The scorer's name in every table of the app and the CLI (inspector, Batch, Compare, reports). */
  readonly short: string;
  /** The long name, where there is room for one (tooltips, the method panel, captions). */
  readonly label: string;
  /** The formula as the UI shows it (plain text with Unicode math). */
  readonly formula: string;
  readonly orientation: Orientation;
  readonly source: string;
  /** Which CoT-Kinetics formulation this is, for the CoT-Kinetics scorers. */
  readonly formulation?: 'v1' | 'v2';
  readonly value: (s: ScoreInputs) => number | null;
}

/** The CoT-Kinetics formulation the app, the CLI (key `cotk`) and docs/method.md use by default. */
export const DEFAULT_COTK: ScorerId = 'cotkV2';

/** The scorers a trace is measured by, in display order. Ids are the batch output's keys. */
export const SCORERS: readonly ScorerInfo[] = [
  {
    id: 'cotkV2',
    short: 'CoT-Kinetics v2',
    label: 'CoT-Kinetics energy (v2, barrier Lagrangian)',
    formula:
      'E = max_t U_t − mean_t κ_t,  κ_t = mean_l [ln‖x_l − x_{l−1}‖ − ln‖x_0‖] on the residual stream,  U_t = −log p(x_t), over the reasoning tokens',
    orientation: 'lower-is-correct',
    source: 'Bi et al. 2025 (arXiv 2505.13408), this project\'s formulation: see docs/method.md',
    formulation: 'v2',
    value: (s) => s.cotkV2?.energy ?? null,
  },
  {
    id: 'cotkEnergy',
    short: 'CoT-Kinetics v1',
    label: 'CoT-Kinetics energy (v1 formulation)',
    formula:
      'E = mean_t [γ·K_t + (1−γ)·P_t],  K_t = ½·mean_l (L‖v_l‖/‖x_L−x_0‖)²,  P_t = mean_l θ_l/π,  v_l = x_l − x_{l−1} on the residual stream of each reasoning token',
    orientation: 'lower-is-correct',
    source: 'Bi et al. 2025 (arXiv 2505.13408), reconstructed: see docs/method.md',
    formulation: 'v1',
    value: (s) => s.cotk?.traceEnergy ?? null,
  },
  {
    id: 'coeR',
    short: 'CoE-R',
    label: 'CoE-R',
    formula: 'mean_l ‖h_{l+1}−h_l‖/‖h_L−h_0‖ − mean_l ∠(h_{l+1},h_l)/∠(h_L,h_0),  h_l = mean of H[l] over output tokens',
    orientation: 'higher-is-correct',
    source: 'Wang et al., ICLR 2025 (Chain-of-Embedding)',
    value: (s) => s.coe?.coeR ?? null,
  },
  {
    id: 'coeC',
    short: 'CoE-C',
    label: 'CoE-C',
    formula: '| mean_l m_l·e^{i·a_l} |  with m_l, a_l the normalised step magnitude and angle',
    orientation: 'higher-is-correct',
    source: 'Wang et al., ICLR 2025 (Chain-of-Embedding)',
    value: (s) => s.coe?.coeC ?? null,
  },
  {
    id: 'perplexity',
    short: 'Perplexity',
    label: 'Perplexity',
    formula: 'exp(−mean_t log p_t(x_t)) over the output tokens',
    orientation: 'lower-is-correct',
    source: 'single-pass baseline',
    value: (s) => s.output?.perplexity ?? null,
  },
  {
    id: 'meanEntropy',
    short: 'Mean entropy',
    label: 'Mean entropy',
    formula: 'mean_t −Σ_j p_t(j)·log p_t(j) over the output tokens',
    orientation: 'lower-is-correct',
    source: 'single-pass baseline',
    value: (s) => s.output?.meanEntropy ?? null,
  },
  {
    id: 'selfCertainty',
    short: 'Self-certainty',
    label: 'Self-certainty',
    formula: 'mean_t ( −log V − (1/V)·Σ_j log p_t(j) ), the KL divergence from uniform',
    orientation: 'higher-is-correct',
    source: 'Kang et al. 2025 (self-certainty)',
    value: (s) => s.output?.selfCertainty ?? null,
  },
  {
    id: 'maxProb',
    short: 'Max probability',
    label: 'Max probability',
    formula: 'mean_t max_j p_t(j) over the output tokens',
    orientation: 'higher-is-correct',
    source: 'single-pass baseline',
    value: (s) => s.output?.maxProb ?? null,
  },
  {
    id: 'answerConfidence',
    short: 'Answer confidence',
    label: 'Answer confidence',
    formula: 'exp(mean_{t∈answer} log p_t(x_t)), the per-token probability of the answer given prompt and reasoning',
    orientation: 'higher-is-correct',
    source: 'SCORING.md',
    value: (s) => s.answer?.geoMeanProb ?? null,
  },
];

export function scorerInfo(id: ScorerId): ScorerInfo {
  const info = SCORERS.find((s) => s.id === id);
  if (!info) throw new RangeError(`unknown scorer "${id}"`);
  return info;
}

/** Batch and CLI keys: every scorer id, plus `cotk` for the default CoT-Kinetics formulation. */
export type ScoreKey = ScorerId | 'cotk';

/**
 * One number per scorer, keyed by id, plus `cotk` (the default formulation's value). Null where a
 * scorer is undefined for this trace (empty segment, no states) or its value is not finite.
 */
export function scoreValues(s: ScoreInputs): Record<ScoreKey, number | null> {
  const out = {} as Record<ScoreKey, number | null>;
  for (const info of SCORERS) {
    const v = info.value(s);
    out[info.id] = v !== null && Number.isFinite(v) ? v : null;
  }
  out.cotk = out[DEFAULT_COTK];
  return out;
}

/**
 * The name a score key is shown by, the same in every view and table: the scorer's short label;
 * `cotk` (the default formulation's value under its machine key) by its scorer's, marked default.
 */
export function scoreName(key: ScoreKey, defaultId: ScorerId = DEFAULT_COTK): string {
  const info = scorerInfo(key === 'cotk' ? defaultId : key);
  return info.id === defaultId ? `${info.short} (default)` : info.short;
}

/** The keys tables show, one row per scorer: `cotk` is left out, its scorer's row is marked default. */
export const SHOWN_SCORE_KEYS: readonly ScorerId[] = SCORERS.map((s) => s.id);
