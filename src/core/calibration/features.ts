import type { Orientation } from '../metrics';
import type { FeatureTransform } from './types';
import { SCORERS, type ScoreKey } from '../scores/index';

/**
 * The score keys a profile knows: every scorer of the registry (the batch output's keys), `cotk`
 * (the default formulation's value, so the metrics line's `cotk` entry gets its own map too), and
 * the two terms of the v2 energy, which the verdict reads separately (E = barrier − κ̄ would tie them).
 */
export const V2_BARRIER = 'cotkV2Barrier';
export const V2_KAPPA = 'cotkV2Kappa';

/** The two v2 terms as score keys: what `cotk batch` adds to each line beside the registry's scores. */
export function v2Terms(v2: { readonly barrier: number; readonly kappaMean: number } | null | undefined): Record<typeof V2_BARRIER | typeof V2_KAPPA, number | null> {
  const ok = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? x : null);
  return { [V2_BARRIER]: ok(v2?.barrier), [V2_KAPPA]: ok(v2?.kappaMean) } as Record<typeof V2_BARRIER | typeof V2_KAPPA, number | null>;
}

/** Orientation of every score key a profile may hold. */
export function keyOrientation(key: string): Orientation | null {
  if (key === V2_BARRIER) return 'lower-is-correct'; // the highest surprisal along the chain
  if (key === V2_KAPPA) return 'higher-is-correct'; // E = barrier − κ̄, lower E = sounder
  if (key === 'cotk') return 'lower-is-correct'; // v1 and v2 energies are both lower-is-correct
  return SCORERS.find((s) => s.id === key)?.orientation ?? null;
}

/** Every key a profile calibrates, in the batch output's order, then the v2 terms. */
export const PROFILE_KEYS: readonly string[] = [...SCORERS.map((s) => s.id as ScoreKey), 'cotk', V2_BARRIER, V2_KAPPA];

/** Which side of the model a feature comes from, for the ablation (item 5). */
export type FeatureGroup = 'logit' | 'kinetic';

interface FeatureDef {
  readonly key: string;
  readonly transform: FeatureTransform;
  readonly group: FeatureGroup;
}

/**
 * The verdict model's features. Logit features read only the output distribution (the v2 barrier
 * is max_t −log p); kinetic features read the hidden states through the layers (κ̄, v1, CoE).
 * The v2 energy itself is left out: it is barrier − κ̄, both of which are in.
 */
export const FEATURE_DEFS: readonly FeatureDef[] = [
  { key: V2_BARRIER, transform: 'log', group: 'logit' },
  { key: V2_KAPPA, transform: 'identity', group: 'kinetic' },
  { key: 'cotkEnergy', transform: 'identity', group: 'kinetic' },
  { key: 'coeR', transform: 'identity', group: 'kinetic' },
  { key: 'coeC', transform: 'identity', group: 'kinetic' },
  { key: 'perplexity', transform: 'logm1', group: 'logit' },
  { key: 'meanEntropy', transform: 'log', group: 'logit' },
  { key: 'maxProb', transform: 'log1m', group: 'logit' },
  { key: 'answerConfidence', transform: 'log1m', group: 'logit' },
  { key: 'selfCertainty', transform: 'identity', group: 'logit' },
];

export const VERDICT_FEATURES: readonly string[] = FEATURE_DEFS.map((f) => f.key);
export const LOGIT_FEATURES: readonly string[] = FEATURE_DEFS.filter((f) => f.group === 'logit').map((f) => f.key);
export const KINETIC_FEATURES: readonly string[] = FEATURE_DEFS.filter((f) => f.group === 'kinetic').map((f) => f.key);

export function featureDef(key: string): FeatureDef {
  const d = FEATURE_DEFS.find((f) => f.key === key);
  if (!d) throw new RangeError(`"${key}" is not a verdict feature (known: ${VERDICT_FEATURES.join(', ')})`);
  return d;
}

const EPS = 1e-6;

/** The model's reading of a score, or null when there is none (null, undefined, NaN and ±∞ are all "missing"). */
export function featureValue(v: number | null | undefined, transform: FeatureTransform): number | null {
  if (typeof v !== 'number' || !Number.isFinite(v)) return null;
  switch (transform) {
    case 'log':
      return Math.log(Math.max(v, 0) + EPS);
    case 'logm1':
      return Math.log(Math.max(v - 1, 0) + EPS);
    case 'log1m':
      return Math.log(Math.max(1 - v, 0) + EPS);
    default:
      return v;
  }
}
