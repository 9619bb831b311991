import type { Orientation } from '../metrics';

/**
 * Calibration profiles (issue 12, docs/calibration.md): per model, what the scores of labelled
 * traces looked like and how they map to P(correct). Pure data; the JSON file is exactly this object.
 */
export const CALIBRATION_FORMAT = 'cotk-calibration';
export const CALIBRATION_VERSION = 1;

/** A refused profile, or a refused fit: `message` is one sentence a user can act on. */
export class ProfileError extends Error {
  override readonly name = 'ProfileError';
}

/**
 * Which model a profile belongs to. `model`: the Hub repo id or the folder / bundled model's name
 * ("tiny-reasoner"); `revision`: the Hub revision or the graph's hash ({@link graphHash});
 * `dtype`: the variant or dtype ("fp32-cpu", "q4f16").
 */
export interface ProfileKey {
  readonly model: string;
  readonly revision: string;
  readonly dtype: string;
}

/** A PAV (isotonic) map from a scorer's value to P(correct), as knots to interpolate linearly between. */
export interface IsotonicMap {
  readonly kind: 'isotonic';
  /** Strictly increasing values of the scorer, in its own units (not oriented). */
  readonly x: number[];
  /** P(correct) at each knot, monotone in the scorer's orientation (rising for higher-is-correct). */
  readonly p: number[];
}

/** Held-out (cross-validated) quality of one probability: what a user may expect on data like the fit's. */
export interface HeldOutMetrics {
  readonly auroc: number;
  readonly aupr: number;
  readonly fpr95: number;
  /** Equal-mass bins ({@link ECE_BINS}). */
  readonly ece: number;
  readonly brier: number;
  readonly logLoss: number;
  readonly folds: number;
  /** Traces the metrics were measured on. */
  readonly n: number;
  /** Share of those traces labelled correct. */
  readonly accuracy: number;
}

/** One scorer in a profile. */
export interface ScorerCalibration {
  readonly orientation: Orientation;
  /** Traces with a value (the others had null). */
  readonly n: number;
  /** Traces where it was null. */
  readonly missing: number;
  /**
   * The reference distribution for percentiles: the values at quantiles 0, 1/Q, …, 1 (Q + 1 numbers,
   * Q = {@link QUANTILES}; the first is the minimum, the last the maximum).
   */
  readonly quantiles: number[];
  /** The range the fit saw, [min, max]; a value beyond it by more than `margin` is "outside". */
  readonly range: readonly [number, number];
  readonly margin: number;
  /** The scorer's own 1-D calibration map. */
  readonly map: IsotonicMap;
  /** That map's quality on held-out folds (same folds as the verdict). */
  readonly heldOut: HeldOutMetrics | null;
}

/**
 * Scores that pile up against a bound (a correct trace's entropy is 1e-5, its max-prob 0.99999) are
 * read on a log scale of their distance to that bound, so that the logistic model sees their
 * orders of magnitude: 'log' = ln(x + ε), 'logm1' = ln(x − 1 + ε) (perplexity ≥ 1), 'log1m' =
 * ln(1 − x + ε) (probabilities), with ε = 1e-6 and the distance clamped at 0.
 */
export type FeatureTransform = 'identity' | 'log' | 'logm1' | 'log1m';
export const FEATURE_TRANSFORMS: readonly FeatureTransform[] = ['identity', 'log', 'logm1', 'log1m'];

/** How one verdict feature is turned into a model input. */
export interface VerdictFeature {
  /** The score key it reads ({@link VERDICT_FEATURES}). */
  readonly key: string;
  /** How the score is read before standardising ({@link FeatureTransform}). */
  readonly transform: FeatureTransform;
  /** Mean and standard deviation of the transformed value over the fit's traces with a value. */
  readonly mean: number;
  readonly sd: number;
  /** Null values: replaced by the mean (z = 0); `indicator` says a 0/1 "was missing" input was added. */
  readonly indicator: boolean;
}

/** The verdict: L2-regularised logistic regression on standardised features. */
export interface VerdictModel {
  readonly features: VerdictFeature[];
  /** One weight per feature, then one per missing-indicator (in feature order, those with `indicator`). */
  readonly weights: number[];
  readonly bias: number;
  /** The penalty λ in Σ log-loss + (λ/2)·‖w‖² (the bias is not penalised). */
  readonly l2: number;
  /** Standardised values are clipped to ±clip before the model sees them (an extreme value cannot dominate). */
  readonly clip: number;
}

export interface CalibrationProfile {
  readonly format: typeof CALIBRATION_FORMAT;
  readonly version: number;
  readonly key: ProfileKey;
  readonly dataset: { readonly name: string; readonly n: number; readonly accuracy: number; readonly createdAt: string };
  /** Keyed by score key (the batch output's keys, plus the v2 terms). */
  readonly scorers: Record<string, ScorerCalibration>;
  readonly verdict: {
    /** The score keys the model reads, in weight order. */
    readonly features: string[];
    readonly model: VerdictModel;
    readonly heldOut: HeldOutMetrics;
  };
}

/** A labelled trace as the fit reads it: an id (folds are split by id), a label, its scores. */
export interface CalibrationRow {
  readonly id: unknown;
  readonly label: 0 | 1;
  readonly scores: Readonly<Record<string, number | null | undefined>>;
}

export interface FitOptions {
  readonly key: ProfileKey;
  readonly datasetName: string;
  /** k of the k-fold cross-validation (default 5). */
  readonly folds?: number;
  /** Seed of the fold assignment (default 0). */
  readonly seed?: number;
  /** λ (default {@link DEFAULT_L2}). */
  readonly l2?: number;
  /** The verdict's features (default {@link VERDICT_FEATURES}); the ablation passes subsets. */
  readonly features?: readonly string[];
  /** ISO time written into the profile (default: now). Pass one for byte-identical output. */
  readonly createdAt?: string;
}

export interface VerdictResult {
  /** Calibrated P(correct) in [0, 1]. */
  readonly p: number;
  /** Per scorer with a value: the share (0–100) of the profile's reference values at or below it. */
  readonly percentiles: Record<string, number>;
  /**
   * Score keys whose value lies outside what the fit saw: beyond the fitted range by more than its
   * margin, or null where the fit never saw a null. The verdict is then an extrapolation.
   */
  readonly outside: string[];
  /** Each scorer's own calibrated P(correct), through its 1-D map. */
  readonly perScorer: Record<string, number>;
}

/** A held-out number of the layer ablation: point and 95 % bootstrap interval [lo, hi]. */
export interface AblationNumbers {
  readonly point: number;
  readonly ci: readonly [number, number];
}

/** One held-out set of the layer ablation (src/core/calibration/ablation.ts, generated). */
export interface AblationCell {
  readonly n: number;
  readonly auroc: { readonly logit: AblationNumbers; readonly kinetic: AblationNumbers; readonly both: AblationNumbers };
  readonly ece: { readonly logit: AblationNumbers; readonly kinetic: AblationNumbers; readonly both: AblationNumbers };
  /** AUROC(both) − AUROC(logit), paired, with the share of resamples where it is > 0. */
  readonly dAurocBothVsLogit: AblationNumbers & { readonly share: number };
}

export interface LayerAblation {
  /** The result in plain sentences, for the method panel. */
  readonly summary: string;
  readonly testbed: AblationCell;
  readonly second: AblationCell;
}

/** Fewest labelled traces a profile may be fitted on. */
export const MIN_TRACES = 30;
export const QUANTILES = 100;
export const ECE_BINS = 10;
export const DEFAULT_FOLDS = 5;
export const DEFAULT_L2 = 1;
export const DEFAULT_CLIP = 6;
