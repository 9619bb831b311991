import { aggregateLogitStats, cotkV2FromTerms, DEFAULT_COTK, reweightCotk, SCORERS, type ScoreKey } from '../core/scores/index';
import type { TokenEvent } from '../engine/protocol';
import type { RunResult } from '../engine/run';
import type { TokenReduction } from '../engine/reduce';
import type { TintMetric } from './slices';

/**
 * What the views plot, derived from the streamed tokens, the final result (when it has come) and
 * γ. Pure: the same inputs give the same rows, so views can memoise on them.
 */
export type RowSegment = 'reasoning' | 'answer' | 'pending' | 'other';

/** A streamed token as the views plot it: its segment settled, its v1 energy at the page's γ. */
export interface TokenRow extends Omit<TokenEvent, 'segment'> {
  readonly segment: RowSegment;
  /** v1: γ·kinetic + (1 − γ)·curvature for the γ on the page (NaN without states). */
  readonly energy: number;
  /** v2 per-token Lagrangian Λ_t = κ_t − U_t with U_t = −log p (higher = sounder). */
  readonly lagrangian: number;
}

export interface RunView {
  readonly rows: readonly TokenRow[];
  /** Decoder layers L (0 when the run kept no states). */
  readonly layers: number;
  readonly hasStates: boolean;
  /** Scores (v1 for the γ on the page), `cotk` the default formulation; provisional (`live`) until the result arrives. */
  readonly scores: Record<ScoreKey, number | null>;
  readonly live: boolean;
  readonly notes: readonly string[];
}

/** The segment a token ends up in: the result's spans once known, the streamed guess before. */
function segmentOf(t: TokenReduction, result: RunResult | null): RowSegment {
  if (result) {
    const { reasoning, answer } = result.segments;
    if (t.position >= reasoning[0] && t.position < reasoning[1]) return 'reasoning';
    if (t.position >= answer[0] && t.position < answer[1]) return 'answer';
    return 'other';
  }
  if (t.segment === 'reasoning' || t.segment === 'answer' || t.segment === 'pending') return t.segment;
  return 'other';
}

function emptyScores(): Record<ScoreKey, number | null> {
  const out = { cotk: null } as Record<ScoreKey, number | null>;
  for (const s of SCORERS) out[s.id] = null;
  return out;
}

const finiteOrNull = (v: number | null | undefined) => (v !== null && v !== undefined && Number.isFinite(v) ? v : null);

/** Energies of `rows` for γ; the trace energy over the reasoning rows (null without states or reasoning). */
function energies(reds: readonly TokenReduction[], segs: readonly RowSegment[], gamma: number): { energy: number[]; trace: number | null } {
  const all = reweightCotk(
    reds.map((r) => r.kinetic),
    reds.map((r) => r.curvature),
    gamma,
  );
  const k: number[] = [];
  const p: number[] = [];
  reds.forEach((r, i) => {
    if (segs[i] === 'reasoning') {
      k.push(r.kinetic);
      p.push(r.curvature);
    }
  });
  const trace = k.length > 0 ? reweightCotk(k, p, gamma).traceEnergy : null;
  return { energy: all.energy, trace: trace !== null && Number.isFinite(trace) ? trace : null };
}

/** Scores from the streamed per-token numbers, by the registry's own functions (a live estimate). */
function liveScores(rows: readonly TokenRow[], trace: number | null): Record<ScoreKey, number | null> {
  const scored = rows.filter((r) => r.segment === 'reasoning' || r.segment === 'answer');
  const answer = rows.filter((r) => r.segment === 'answer');
  const reasoning = rows.filter((r) => r.segment === 'reasoning' && Number.isFinite(r.kappa));
  const out = scored.length > 0 ? aggregateLogitStats(scored) : null;
  const ans = answer.length > 0 ? aggregateLogitStats(answer) : null;
  const v2 =
    reasoning.length > 0
      ? cotkV2FromTerms(
          reasoning.map((r) => r.kappa),
          reasoning.map((r) => -r.logProb),
        ).energy
      : null;
  return {
    ...emptyScores(),
    cotkV2: finiteOrNull(v2),
    cotkEnergy: trace,
    perplexity: out?.perplexity ?? null,
    meanEntropy: out?.meanEntropy ?? null,
    selfCertainty: out?.selfCertainty ?? null,
    maxProb: out?.maxProb ?? null,
    answerConfidence: ans?.geoMeanProb ?? null,
  };
}

export function deriveRun(events: readonly TokenEvent[], result: RunResult | null, gamma: number): RunView {
  // The result's reductions are authoritative; the streamed events carry each token's text.
  const reds: readonly TokenReduction[] = result ? result.tokens : events;
  const segs = reds.map((t) => segmentOf(t, result));
  const { energy, trace } = energies(reds, segs, gamma);
  const rows: TokenRow[] = reds.map((t, i) => ({
    index: t.index,
    position: t.position,
    id: t.id,
    text: events[i]?.text ?? '',
    segment: segs[i],
    logProb: t.logProb,
    entropy: t.entropy,
    selfCertainty: t.selfCertainty,
    maxProb: t.maxProb,
    ...(t.argmax === undefined ? {} : { argmax: t.argmax }),
    kinetic: t.kinetic,
    curvature: t.curvature,
    energy: energy[i],
    kappa: t.kappa,
    lagrangian: t.kappa + t.logProb,
    speeds: t.speeds,
    norms: t.norms,
  }));
  const layers = reds.find((t) => t.speeds.length > 0)?.speeds.length ?? 0;
  const hasStates = reds.length > 0 && reds.every((t) => t.speeds.length > 0);
  const scores = result ? { ...emptyScores(), ...result.scores, cotkEnergy: result.scores.cotkEnergy === null ? null : trace } : liveScores(rows, trace);
  // `cotk` names the default formulation: it follows γ when that is v1.
  scores.cotk = scores[DEFAULT_COTK];
  return { rows, layers, hasStates, scores, live: result === null, notes: result?.segments.notes ?? [] };
}

/** The value a token is tinted or plotted by; NaN where it is undefined. */
export function metricValue(r: TokenRow, m: TintMetric): number {
  switch (m) {
    case 'energy':
      return r.energy;
    case 'kinetic':
      return r.kinetic;
    case 'curvature':
      return r.curvature;
    case 'surprise':
      return -r.logProb;
    case 'entropy':
      return r.entropy;
    case 'kappa':
      return r.kappa;
    case 'v2energy':
      return -r.lagrangian;
  }
}

export const TINT_LABELS: Record<TintMetric, string> = {
  v2energy: 'v2 token energy U_t − κ_t (= −Λ_t)',
  kappa: 'v2 kinetic term κ_t',
  energy: 'v1 energy E_t (γ·K + (1−γ)·P)',
  kinetic: 'v1 kinetic term K_t',
  curvature: 'v1 curvature term P_t',
  surprise: 'Surprise −log p(token)',
  entropy: 'Entropy of the prediction',
};
