import { applyIsotonic } from './calibration/isotonic';
import type { CalibrationProfile } from './calibration/types';
import { binaryMetrics, brier, ece, orient, type Orientation } from './metrics';
import { scorerInfo, SCORERS, type ScoreKey, type ScorerId } from './scores/index';

/**
 * Batch evaluation, pure: the metrics of every scorer over labelled scored traces, exactly as
 * `cotk batch` prints them (src/cli/batchEval.ts re-exports this) and the app's batch view shows them.
 */

/** One line of `cotk batch` output as written (also what `cotk merge` and `--resume` read back). */
export interface BatchRow {
  readonly id: unknown;
  readonly line: number;
  readonly label?: 0 | 1;
  readonly scores: Record<string, number | null>;
}

export type Formulation = 'v1' | 'v2';

/** Which scorer the key `cotk` stands for under each formulation. */
export const FORMULATION_SCORER: Record<Formulation, ScorerId> = { v1: 'cotkEnergy', v2: 'cotkV2' };

/** Which formulation rows were scored with, read off their `cotk` values (v2 when it cannot tell). */
export function inferFormulation(rows: readonly BatchRow[]): Formulation {
  const same = (k: ScorerId): boolean => rows.every((r) => r.scores.cotk === r.scores[k]);
  return !same('cotkV2') && same('cotkEnergy') ? 'v1' : 'v2';
}

export interface ScorerMetrics {
  readonly auroc: number | null;
  readonly aupr: number | null;
  readonly fpr95: number | null;
  readonly orientation: Orientation;
  /** Traces this scorer's metrics were computed on. */
  readonly n: number;
  /** Traces left out because the scorer is undefined (null) for them. */
  readonly undefined: number;
  /**
   * Calibration (equal-mass ECE, 10 bins; Brier) of P(correct): the verdict's own, a scorer's through
   * its 1-D map in the calibration profile. Present when the run had a profile (null for a scorer
   * the profile has no map for), and always for `verdict`.
   */
  readonly ece?: number | null;
  readonly brier?: number | null;
}

export interface MetricsLine {
  readonly metrics: Record<string, ScorerMetrics>;
  readonly accuracy: number;
  readonly n: number;
  readonly formulation: Formulation;
}

/** The keys reported, in the order of the per-trace scores: every scorer, then `cotk`. */
export const METRIC_KEYS: readonly ScoreKey[] = [...SCORERS.map((s) => s.id), 'cotk'];

/** The key of the calibrated P(correct) a calibration profile adds to each trace's scores. */
export const VERDICT_KEY = 'verdict';
/** The verdict's name in every table (the app's Batch metrics, cotk's stderr table). */
export const VERDICT_NAME = 'Verdict (calibrated P(correct))';

/**
 * SCORING.md's metrics for every score key over labelled rows: orientation applied, rows where a
 * scorer is null left out of that scorer and counted. Returns a note instead when the labels do
 * not allow metrics (none, some missing, or only one class).
 */
export function evaluateRows(rows: readonly BatchRow[], formulation: Formulation, profile: CalibrationProfile | null = null): MetricsLine | string {
  if (rows.length === 0) return 'no traces were scored: metrics omitted';
  const unlabelled = rows.filter((r) => r.label === undefined).length;
  if (unlabelled === rows.length) return 'the input has no labels: metrics omitted (add "label": 0|1 to every line for AUROC, AUPR and FPR95)';
  if (unlabelled > 0) return `${unlabelled} of ${rows.length} scored trace(s) have no label: metrics omitted`;
  const pos = rows.filter((r) => r.label === 1).length;
  if (pos === 0 || pos === rows.length) return `every scored trace has label ${pos === 0 ? 0 : 1}: metrics need both labels, omitted`;
  const metrics: Record<string, ScorerMetrics> = {};
  const withVerdict = rows.some((r) => typeof r.scores[VERDICT_KEY] === 'number');
  for (const key of withVerdict ? [...METRIC_KEYS, VERDICT_KEY] : METRIC_KEYS) {
    const orientation: Orientation = key === VERDICT_KEY ? 'higher-is-correct' : scorerInfo(key === 'cotk' ? FORMULATION_SCORER[formulation] : (key as ScorerId)).orientation;
    const xs: number[] = [];
    const ys: number[] = [];
    for (const r of rows) {
      const v = r.scores[key];
      if (typeof v === 'number' && Number.isFinite(v)) {
        xs.push(v);
        ys.push(r.label as number);
      }
    }
    const p = ys.filter((y) => y === 1).length;
    const m = p > 0 && p < ys.length ? binaryMetrics(orient(xs, orientation), ys) : null;
    const entry: ScorerMetrics = { auroc: m?.auroc ?? null, aupr: m?.aupr ?? null, fpr95: m?.fpr95 ?? null, orientation, n: xs.length, undefined: rows.length - xs.length };
    const map = key === VERDICT_KEY ? null : profile?.scorers[key]?.map;
    const probs = key === VERDICT_KEY ? xs : map ? xs.map((x) => applyIsotonic(map, x)) : null;
    metrics[key] = key === VERDICT_KEY || profile ? { ...entry, ece: probs && xs.length > 0 ? ece(probs, ys) : null, brier: probs && xs.length > 0 ? brier(probs, ys) : null } : entry;
  }
  return { metrics, accuracy: pos / rows.length, n: rows.length, formulation };
}
