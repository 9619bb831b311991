import { mean } from 'd3';
import { useMemo, useRef, type KeyboardEvent, type MouseEvent } from 'react';
import { selectToken, setHover, setSpan } from '../../state/actions';
import type { RunView, TokenRow } from '../../state/derive';
import { selectActive, selectGamma, selectSelected, selectSpan } from '../../state/selectors';
import { useStore } from '../../state/store';
import { CAPTIONS } from '../captions';
import { DataTable, type Column } from '../shared/DataTable';
import { fmt, tokenLabel } from '../shared/format';
import { SEGMENT_COLORS } from '../shared/palette';
import { useBrushX } from '../shared/useBrushX';
import { useElementWidth } from '../shared/useElementWidth';
import { ViewPanel } from '../shared/ViewPanel';
import { indexAt, pixelsOfSpan, spanFromPixels, stripLayout } from './layout';

/** Series colours (Okabe–Ito), named in the key below the strip. */
export const STRIP_COLORS: Record<string, string> = {
  kinetic: '#56B4E9',
  curvature: '#CC79A7',
  energy: 'var(--fg)',
  kappa: '#0072B2',
  logProb: '#009E73',
  entropy: '#D55E00',
};

const KEY = [
  ['kinetic', 'kinetic part γ·K_t'],
  ['curvature', 'curvature part (1−γ)·P_t'],
  ['kappa', 'κ_t, v2 kinetic term'],
  ['logProb', 'log p(token)'],
  ['entropy', 'entropy'],
] as const;

const COLUMNS: Column<TokenRow>[] = [
  { header: 'Token', rowHeader: true, cell: (r) => `${r.index} “${tokenLabel(r.text)}”` },
  { header: 'Segment', cell: (r) => r.segment },
  { header: 'Energy', cell: (r) => fmt(r.energy) },
  { header: 'Kinetic K', cell: (r) => fmt(r.kinetic) },
  { header: 'Curvature P', cell: (r) => fmt(r.curvature) },
  { header: 'κ (v2)', cell: (r) => fmt(r.kappa) },
  { header: 'log p', cell: (r) => fmt(r.logProb) },
  { header: 'Entropy', cell: (r) => fmt(r.entropy) },
];

function describe(rows: readonly TokenRow[], span: readonly [number, number] | null): string {
  const reasoning = rows.filter((r) => r.segment === 'reasoning' && Number.isFinite(r.energy));
  const top = reasoning.reduce<TokenRow | null>((a, r) => (a === null || r.energy > a.energy ? r : a), null);
  let s = top
    ? `Mean reasoning energy ${fmt(mean(reasoning, (r) => r.energy))}; the highest is token ${top.index} “${tokenLabel(top.text)}” at ${fmt(top.energy)}.`
    : 'No token energies: this run kept no states.';
  const barrier = rows.filter((r) => r.segment === 'reasoning' && Number.isFinite(r.logProb)).reduce<TokenRow | null>((a, r) => (a === null || r.logProb < a.logProb ? r : a), null);
  if (barrier) s += ` The highest barrier (v2) is token ${barrier.index} “${tokenLabel(barrier.text)}”, log p ${fmt(barrier.logProb)}.`;
  s += ` Mean log p ${fmt(mean(rows, (r) => r.logProb))}, mean entropy ${fmt(mean(rows, (r) => r.entropy))}.`;
  if (span) {
    const sel = rows.slice(span[0], span[1] + 1);
    s += ` Span ${span[0]}–${span[1]} selected (${sel.length} tokens): mean energy ${fmt(mean(sel, (r) => r.energy))}, mean log p ${fmt(mean(sel, (r) => r.logProb))}.`;
  }
  return s;
}

export function EnergyStrip({ view }: { readonly view: RunView }) {
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const gamma = useStore(selectGamma);
  const active = useStore(selectActive);
  const selected = useStore(selectSelected);
  const span = useStore(selectSpan);
  const anchor = useRef<number | null>(null);
  const layout = useMemo(() => stripLayout(view.rows, gamma, width), [view.rows, gamma, width]);
  const brushRef = useRef<SVGGElement | null>(null);
  const spanPx = span ? pixelsOfSpan(layout, span) : null;
  useBrushX(brushRef, layout.left, 0, layout.right, layout.height - 18, spanPx, (px) => setSpan(px ? spanFromPixels(layout, px[0], px[1]) : null));

  const pointer = (e: MouseEvent) => indexAt(layout, e.clientX - (e.currentTarget as Element).getBoundingClientRect().left);
  const n = layout.n;
  const onKey = (e: KeyboardEvent) => {
    if (n === 0) return;
    const cur = active ?? (e.key === 'ArrowLeft' ? n : -1);
    const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (d !== 0) {
      e.preventDefault();
      const next = Math.min(n - 1, Math.max(0, cur + d));
      if (e.shiftKey) {
        // Shift+arrows brush from where the cursor was: the keyboard's way to select a span.
        if (anchor.current === null) anchor.current = Math.max(0, cur);
        setSpan([Math.min(anchor.current, next), Math.max(anchor.current, next)]);
      } else anchor.current = null;
      setHover(next);
    } else if (e.key === 'Enter' && active !== null) selectToken(active);
    else if (e.key === 'Escape') {
      anchor.current = null;
      setSpan(null);
    }
  };
  const col = (i: number) => ({ x: layout.x(i), width: Math.max(1, layout.x(i + 1) - layout.x(i)) });
  const lpBand = layout.bands.find((b) => b.key === 'logProb') ?? layout.bands[0];
  return (
    <ViewPanel
      title="Energy strip"
      testId="view-strip"
      caption={CAPTIONS.strip}
      summary={describe(view.rows, span)}
      table={<DataTable caption="Per-token energy, its parts, log-probability and entropy" columns={COLUMNS} rows={view.rows} rowKey={(r) => r.index} />}
    >
      <div ref={ref} className="plot-wrap">
        <svg
          width={layout.width}
          height={layout.height}
          role="group"
          aria-roledescription="energy strip"
          aria-label="Energy strip: arrow keys move along the tokens, Shift+arrows select a span, Enter picks a token, Escape clears"
          tabIndex={0}
          className="plot-surface"
          onMouseMove={(e) => setHover(pointer(e))}
          onMouseLeave={() => setHover(null)}
          onKeyDown={onKey}
        >
          {layout.segments.map((s, i) => (
            <rect key={i} x={s.x0} width={s.x1 - s.x0} y={0} height={layout.height - 18} fill={SEGMENT_COLORS[s.segment]} opacity={0.07} />
          ))}
          {layout.bands.map((b) => (
            <g key={b.key} className={`band band-${b.key}`}>
              <text x={layout.left} y={b.top - 5} className="band-label">
                {b.label}
              </text>
              {b.ticks.map((t) => (
                <g key={t.value}>
                  <line x1={layout.left - 4} x2={layout.right} y1={t.y} y2={t.y} className="gridline" />
                  <text x={layout.left - 6} y={t.y + 3} textAnchor="end" className="tick">
                    {fmt(t.value, 2)}
                  </text>
                </g>
              ))}
              {b.paths.map((p) => (
                <path
                  key={p.key}
                  data-series={p.key}
                  d={p.d}
                  fill={p.kind === 'area' ? STRIP_COLORS[p.key] : 'none'}
                  fillOpacity={0.85}
                  stroke={p.kind === 'line' ? STRIP_COLORS[p.key] : 'none'}
                  strokeWidth={1}
                />
              ))}
            </g>
          ))}
          {layout.barrier !== null && (
            <g className="barrier" data-testid="strip-barrier" data-index={layout.barrier}>
              <line x1={col(layout.barrier).x + col(layout.barrier).width / 2} x2={col(layout.barrier).x + col(layout.barrier).width / 2} y1={lpBand.top} y2={lpBand.top + lpBand.height} />
              <text x={col(layout.barrier).x + col(layout.barrier).width / 2 + 3} y={lpBand.top + lpBand.height - 3} className="tick">
                barrier
              </text>
            </g>
          )}
          {layout.xTicks.map((t) => (
            <text key={t.value} x={t.x} y={layout.height - 6} textAnchor="middle" className="tick">
              {t.value}
            </text>
          ))}
          <g ref={brushRef} className="brush" />
          {selected !== null && selected < n && (
            <rect className="cursor-selected" data-testid="strip-selected" data-index={selected} {...col(selected)} y={0} height={layout.height - 18} pointerEvents="none" />
          )}
          {active !== null && active < n && (
            <rect className="cursor-active" data-testid="strip-cursor" data-index={active} {...col(active)} y={0} height={layout.height - 18} pointerEvents="none" />
          )}
        </svg>
      </div>
      <ul className="series-key" aria-label="Series">
        {KEY.map(([k, label]) => (
          <li key={k}>
            <span className="swatch" style={{ background: STRIP_COLORS[k] }} aria-hidden="true" /> {label}
          </li>
        ))}
        <li>
          <span className="swatch line" aria-hidden="true" /> energy E_t (γ = {fmt(gamma, 2)})
        </li>
      </ul>
    </ViewPanel>
  );
}
