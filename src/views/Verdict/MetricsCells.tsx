import type { ScorerMetrics } from '../../core/batchEval';

/**
 * The batch metrics table's calibration columns: ECE and Brier of P(correct) (the verdict's own, a
 * scorer's through its map in the profile; src/core/batchEval), in the table's data-metric /
 * data-value convention; "—" without a profile.
 */
export function CalibrationCells({ s }: { readonly s: ScorerMetrics }) {
  return (
    <>
      {(['ece', 'brier'] as const).map((f) => {
        const v = s[f] ?? null;
        return (
          <td key={f} data-metric={f} data-value={v === null ? 'null' : String(v)}>
            {v === null ? '—' : v.toFixed(3)}
          </td>
        );
      })}
    </>
  );
}
