import { VERDICT_KEY, type BatchRow } from '../../core/batchEval';
import { applyProfile, binaryMetrics, brier, crossValidatedVerdict, ece, fitRefusal, type CalibrationProfile, type CalibrationRow } from '../../state/calibration';

/**
 * The batch view's calibration numbers, pure: the labelled rows as a profile fit reads them, the
 * rows with the profile's verdict (the metrics table then gets `verdict` and every scorer's ECE and
 * Brier from src/core/batchEval, as `cotk batch` reports them), the profile's verdict on the rows,
 * and the verdict cross-validated on the rows themselves (what a profile made from them would give
 * on traces it was not fitted on).
 */
export function calibrationRows(rows: readonly BatchRow[]): { rows: CalibrationRow[]; unlabelled: number } {
  const out: CalibrationRow[] = [];
  let unlabelled = 0;
  for (const r of rows) {
    if (r.label === 0 || r.label === 1) out.push({ id: r.id, label: r.label, scores: r.scores });
    else unlabelled++;
  }
  return { rows: out, unlabelled };
}

export interface VerdictMetrics {
  readonly ece: number | null;
  readonly brier: number | null;
  readonly auroc: number | null;
  readonly aupr: number | null;
  readonly fpr95: number | null;
  readonly n: number;
  readonly p: readonly number[];
  readonly y: readonly number[];
}

/** The rows with the profile's verdict, P(correct), added to their scores as `cotk batch --calibration` writes it. */
export function withVerdicts(rows: readonly BatchRow[], profile: CalibrationProfile | null): readonly BatchRow[] {
  if (!profile) return rows;
  return rows.map((r) => ({ ...r, scores: { ...r.scores, [VERDICT_KEY]: applyProfile(profile, r.scores).p } }));
}

function verdictMetrics(p: readonly number[], y: readonly number[]): VerdictMetrics {
  const pos = y.filter((v) => v === 1).length;
  const m = pos > 0 && pos < y.length ? binaryMetrics(p, y) : null;
  const cal = p.length > 0 ? { ece: ece(p, y), brier: brier(p, y) } : { ece: null, brier: null };
  return { ...cal, auroc: m?.auroc ?? null, aupr: m?.aupr ?? null, fpr95: m?.fpr95 ?? null, n: p.length, p, y };
}

/** The profile's verdict on every labelled row. */
export function profileOnRows(profile: CalibrationProfile, rows: readonly CalibrationRow[]): VerdictMetrics {
  return verdictMetrics(
    rows.map((r) => applyProfile(profile, r.scores).p),
    rows.map((r) => r.label),
  );
}

/** The verdict cross-validated on the rows (k-fold, split by id), or why it cannot be. */
export function heldOutOnRows(rows: readonly CalibrationRow[]): VerdictMetrics | string {
  const refusal = fitRefusal(rows);
  if (refusal) return refusal;
  const p = crossValidatedVerdict(rows);
  return verdictMetrics(p, rows.map((r) => r.label));
}
