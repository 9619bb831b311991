import type { Orientation } from '../metrics';
import type { CoeScores } from './coe';
import type { CotkTrace } from './cotKinetics';
import type { LogitStats } from './logits';

export { cotkV1, cotkV1Token, layerSpeeds, reweightCotk, COTK_V1_DEFAULT_GAMMA } from './cotKinetics';
export type { CotkTrace, CotkTokenTerms } from './cotKinetics';
export { coe, coeFromMeans, meanStates } from './coe';
export type { CoeScores } from './coe';
export { aggregateLogitStats, rowStats, tokenLogitStats } from './logits';
export type { LogitStats, TokenLogitStats } from './logits';

/** Everything one trace's scorers produce; `answer` is null when the trace has no answer tokens. */
export interface TraceScores {
  readonly cotk: CotkTrace;
  readonly coe: CoeScores;
  readonly output: LogitStats;
  readonly answer: LogitStats | null;
}

export type ScorerId =
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
  readonly label: string;
  /** The formula as the UI shows it (plain text with Unicode math). */
  readonly formula: string;
  readonly orientation: Orientation;
  readonly source: string;
  readonly value: (s: TraceScores) => number | null;
}

/** The scorers a trace is measured by, in display order. Ids are the batch output's keys. */
export const SCORERS: readonly ScorerInfo[] = [
  {
    id: 'cotkEnergy',
    label: 'CoT-Kinetics energy (v1 formulation)',
    formula:
      'E = mean_t [γ·K_t + (1−γ)·P_t],  K_t = ½·mean_l (L‖v_l‖/‖x_L−x_0‖)²,  P_t = mean_l θ_l/π,  v_l = x_l − x_{l−1} on the residual stream of each reasoning token',
    orientation: 'lower-is-correct',
    source: 'Bi et al. 2025 (arXiv 2505.13408), reconstructed: see docs/method.md',
    value: (s) => s.cotk.traceEnergy,
  },
  {
    id: 'coeR',
    label: 'CoE-R',
    formula: 'mean_l ‖h_{l+1}−h_l‖/‖h_L−h_0‖ − mean_l ∠(h_{l+1},h_l)/∠(h_L,h_0),  h_l = mean of H[l] over output tokens',
    orientation: 'higher-is-correct',
    source: 'Wang et al., ICLR 2025 (Chain-of-Embedding)',
    value: (s) => s.coe.coeR,
  },
  {
    id: 'coeC',
    label: 'CoE-C',
    formula: '| mean_l m_l·e^{i·a_l} |  with m_l, a_l the normalised step magnitude and angle',
    orientation: 'higher-is-correct',
    source: 'Wang et al., ICLR 2025 (Chain-of-Embedding)',
    value: (s) => s.coe.coeC,
  },
  {
    id: 'perplexity',
    label: 'Perplexity',
    formula: 'exp(−mean_t log p_t(x_t)) over the output tokens',
    orientation: 'lower-is-correct',
    source: 'single-pass baseline',
    value: (s) => s.output.perplexity,
  },
  {
    id: 'meanEntropy',
    label: 'Mean entropy',
    formula: 'mean_t −Σ_j p_t(j)·log p_t(j) over the output tokens',
    orientation: 'lower-is-correct',
    source: 'single-pass baseline',
    value: (s) => s.output.meanEntropy,
  },
  {
    id: 'selfCertainty',
    label: 'Self-certainty',
    formula: 'mean_t ( −log V − (1/V)·Σ_j log p_t(j) ), the KL divergence from uniform',
    orientation: 'higher-is-correct',
    source: 'Kang et al. 2025 (self-certainty)',
    value: (s) => s.output.selfCertainty,
  },
  {
    id: 'maxProb',
    label: 'Max probability',
    formula: 'mean_t max_j p_t(j) over the output tokens',
    orientation: 'higher-is-correct',
    source: 'single-pass baseline',
    value: (s) => s.output.maxProb,
  },
  {
    id: 'answerConfidence',
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

/** One number per scorer (null where the scorer is undefined for this trace), keyed by id. */
export function scoreValues(s: TraceScores): Record<ScorerId, number | null> {
  const out = {} as Record<ScorerId, number | null>;
  for (const info of SCORERS) out[info.id] = info.value(s);
  return out;
}
