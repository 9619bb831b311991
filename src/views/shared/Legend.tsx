import { useId } from 'react';
import { fmt } from './format';

/** Evenly spaced colours of a ramp over [0, 1], for a legend gradient. */
export function rampStops(interpolator: (t: number) => string, n = 10): { offset: number; color: string }[] {
  return Array.from({ length: n }, (_, i) => ({ offset: i / (n - 1), color: interpolator(i / (n - 1)) }));
}

interface LegendProps {
  readonly label: string;
  readonly domain: readonly [number, number];
  readonly interpolator: (t: number) => string;
  /** Words for the two ends, e.g. "calm" / "turbulent". */
  readonly lowNote?: string;
  readonly highNote?: string;
}

/** A colour ramp with its numeric ends; the numbers are text, so a screen reader reads them. */
export function Legend({ label, domain, interpolator, lowNote, highNote }: LegendProps) {
  const id = useId();
  return (
    <figure className="legend" aria-label={`Colour legend: ${label}`}>
      <figcaption>{label}</figcaption>
      <div className="legend-row">
        <span className="legend-end">
          {fmt(domain[0])}
          {lowNote ? ` ${lowNote}` : ''}
        </span>
        <svg width={160} height={12} aria-hidden="true" focusable="false">
          <defs>
            <linearGradient id={id}>
              {rampStops(interpolator).map((s) => (
                <stop key={s.offset} offset={s.offset} stopColor={s.color} />
              ))}
            </linearGradient>
          </defs>
          <rect width={160} height={12} fill={`url(#${id})`} rx={2} />
        </svg>
        <span className="legend-end">
          {fmt(domain[1])}
          {highNote ? ` ${highNote}` : ''}
        </span>
      </div>
    </figure>
  );
}
