import { useMemo, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { metricValue, TINT_LABELS, type TokenRow } from '../../state/derive';
import type { TintMetric } from '../../state/slices';
import { DataTable, type Column } from '../shared/DataTable';
import { fmt, tokenLabel } from '../shared/format';
import { SEGMENT_COLORS } from '../shared/palette';
import { useElementWidth } from '../shared/useElementWidth';
import { ViewPanel } from '../shared/ViewPanel';
import { COMPARE_CAPTIONS } from './captions';
import { RUN_COLORS } from './overlay';
import { compareStripLayout } from './scale';

/**
 * The two runs' per-token metric as strips, A above B, on one y-domain (from both runs' values)
 * and one token axis (the longer run's length), so heights and positions compare directly.
 * Arrow keys or the pointer move a cursor that reads both runs' values at that token.
 */
interface TokenPair {
  readonly index: number;
  readonly a: TokenRow | undefined;
  readonly b: TokenRow | undefined;
}

interface StripsProps {
  readonly rows: readonly [readonly TokenRow[], readonly TokenRow[]];
  readonly names: readonly [string, string];
  readonly metric: TintMetric;
}

export function CompareStrips({ rows, names, metric }: StripsProps) {
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const layout = useMemo(() => compareStripLayout(rows[0], rows[1], metric, width), [rows, metric, width]);
  const [cursor, setCursor] = useState<number | null>(null);
  const n = Math.max(rows[0].length, rows[1].length);
  const at = (e: MouseEvent) => {
    const px = e.clientX - (e.currentTarget as Element).getBoundingClientRect().left;
    return n === 0 ? null : Math.min(n - 1, Math.max(0, Math.floor(layout.x.invert(px))));
  };
  const onKey = (e: KeyboardEvent) => {
    if (n === 0) return;
    const go = (i: number) => {
      e.preventDefault();
      setCursor(Math.min(n - 1, Math.max(0, i)));
    };
    if (e.key === 'ArrowRight') go((cursor ?? -1) + 1);
    else if (e.key === 'ArrowLeft') go(cursor === null ? n - 1 : cursor - 1);
    else if (e.key === 'Home') go(0);
    else if (e.key === 'End') go(n - 1);
    else if (e.key === 'Escape') setCursor(null);
  };
  const label = TINT_LABELS[metric];
  const read = (r: TokenRow | undefined) => (r ? `“${tokenLabel(r.text)}” ${fmt(metricValue(r, metric))}` : 'no token (the run is shorter)');
  const readout = cursor === null ? 'Move along the strips with the arrow keys or the pointer to read both runs at one token.' : `Token ${cursor}: A ${read(rows[0][cursor])}; B ${read(rows[1][cursor])}.`;
  const pairs = useMemo<TokenPair[]>(() => Array.from({ length: n }, (_, index) => ({ index, a: rows[0][index], b: rows[1][index] })), [rows, n]);
  const columns: Column<TokenPair>[] = [
    { header: 'Token', rowHeader: true, cell: (p) => p.index },
    { header: 'A token', cell: (p) => (p.a ? `“${tokenLabel(p.a.text)}” (${p.a.segment})` : '—') },
    { header: `A ${label}`, cell: (p) => (p.a ? fmt(metricValue(p.a, metric)) : '—') },
    { header: 'B token', cell: (p) => (p.b ? `“${tokenLabel(p.b.text)}” (${p.b.segment})` : '—') },
    { header: `B ${label}`, cell: (p) => (p.b ? fmt(metricValue(p.b, metric)) : '—') },
  ];
  const missing = layout.strips.map((s) => s.missing);
  const summary =
    `Both strips plot ${label} on one scale, ${fmt(layout.domain[0])} to ${fmt(layout.domain[1])}, over ${n} token columns: A has ${rows[0].length} tokens, B ${rows[1].length}.` +
    (missing[0] + missing[1] > 0 ? ` Tokens without a value are left blank (A: ${missing[0]}, B: ${missing[1]}).` : '');
  const colW = Math.max(1, layout.x(1) - layout.x(0));
  return (
    <ViewPanel
      title="Energy strips, one scale"
      testId="compare-strips"
      caption={COMPARE_CAPTIONS.strips}
      summary={summary}
      table={<DataTable caption={`${label} per token, A and B side by side`} columns={columns} rows={pairs} rowKey={(p) => p.index} />}
    >
      <div ref={ref} className="plot-wrap">
        <svg
          width={layout.width}
          height={layout.height}
          role="group"
          aria-roledescription="energy strips"
          aria-label={`${label} of runs A and B on one scale: arrow keys move along the tokens, Escape clears`}
          tabIndex={0}
          className="plot-surface"
          onMouseMove={(e) => setCursor(at(e))}
          onMouseLeave={() => setCursor(null)}
          onKeyDown={onKey}
        >
          {layout.strips.map((s, k) => {
            const y = layout.y[k];
            return (
              <g key={s.label} className="cmp-strip" data-testid={`compare-strip-${s.label}`} data-tokens={s.n} data-domain={layout.domain.join(',')}>
                {s.segments.map((seg, i) => (
                  <rect key={i} x={seg.x0} width={seg.x1 - seg.x0} y={s.top} height={s.height} fill={SEGMENT_COLORS[seg.segment]} opacity={0.07} />
                ))}
                <text x={layout.left} y={s.top - 5} className="band-label">
                  {s.label}: {names[k]}
                </text>
                {layout.yTicks.map((t) => (
                  <g key={t}>
                    <line x1={layout.left - 4} x2={layout.right} y1={y(t)} y2={y(t)} className="gridline" />
                    <text x={layout.left - 6} y={y(t) + 3} textAnchor="end" className="tick">
                      {fmt(t, 2)}
                    </text>
                  </g>
                ))}
                <path d={s.area} fill={RUN_COLORS[s.label]} fillOpacity={0.55} />
                <path d={s.line} fill="none" stroke={RUN_COLORS[s.label]} strokeWidth={1} />
              </g>
            );
          })}
          {layout.xTicks.map((t) => (
            <text key={t.value} x={t.x} y={layout.height - 6} textAnchor="middle" className="tick">
              {t.value}
            </text>
          ))}
          {cursor !== null && cursor < n && (
            <rect className="cursor-active" data-testid="compare-strip-cursor" data-index={cursor} x={layout.x(cursor)} width={colW} y={layout.strips[0].top} height={layout.strips[1].top + layout.strips[1].height - layout.strips[0].top} pointerEvents="none" />
          )}
        </svg>
      </div>
      <p className="hover-readout" aria-live="polite" data-testid="compare-strip-readout">
        {readout}
      </p>
    </ViewPanel>
  );
}
