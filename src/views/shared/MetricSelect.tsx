import { TINT_LABELS } from '../../state/derive';
import type { TintMetric } from '../../state/slices';

const METRICS = Object.keys(TINT_LABELS) as TintMetric[];

/** The per-token quantity a view tints (and plots) by, as a labelled select. */
export function MetricSelect({ label, value, onChange }: { label: string; value: TintMetric; onChange: (m: TintMetric) => void }) {
  return (
    <label className="inline">
      {label}{' '}
      <select value={value} onChange={(e) => onChange(e.target.value as TintMetric)}>
        {METRICS.map((m) => (
          <option key={m} value={m}>
            {TINT_LABELS[m]}
          </option>
        ))}
      </select>
    </label>
  );
}
