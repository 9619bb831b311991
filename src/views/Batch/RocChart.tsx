import { useEffect, useLayoutEffect, useMemo, useRef, useState, type RefObject } from 'react';
import type { BatchRow } from '../../core/batchEval';
import { DataTable, type Column } from '../shared/DataTable';
import { fmt } from '../shared/format';
import { useElementWidth } from '../shared/useElementWidth';
import { ViewPanel } from '../shared/ViewPanel';
import { labelCounts, rocLayout, scorerCurves, valueAt, type ChartKey, type ScorerCurve } from './rocLayout';
import './rocChart.css';

const CAPTION =
  'Each curve is one way of scoring a trace. Slide a threshold down a scorer’s values and call every trace above it “correct”: the ROC curve (left) shows how many of the truly correct traces that catches against how many wrong ones slip in; the precision–recall curve (right) shows how many of the traces called correct really are. A curve hugging the top-left corner (ROC) or the top (PR) separates right from wrong well; the dashed diagonal is guessing.';

/** While rows arrive, at most one redraw per this many milliseconds (the last rows always land). */
export const REDRAW_MS = 400;

/**
 * `value`, but while it changes fast, updated at most every `ms` (at once when `ms` is 0). Also
 * returns when the shown value was last handed over (performance.now()), to time the redraw.
 */
function useThrottled<T>(value: T, ms: number): [T, RefObject<number>] {
  const [shown, setShown] = useState(value);
  const last = useRef(0);
  useEffect(() => {
    if (value === shown) return;
    const wait = ms - (performance.now() - last.current);
    if (wait <= 0) {
      last.current = performance.now();
      setShown(value);
      return;
    }
    const h = setTimeout(() => {
      last.current = performance.now();
      setShown(value);
    }, wait);
    return () => clearTimeout(h);
  }, [value, shown, ms]);
  return [shown, last];
}

const COLUMNS: Column<ScorerCurve>[] = [
  { header: 'Scorer', rowHeader: true, cell: (c) => c.label },
  { header: 'Orientation', cell: (c) => c.orientation },
  { header: 'n', cell: (c) => c.n },
  { header: 'AUROC', cell: (c) => fmt(c.auroc) },
  { header: 'AUPR', cell: (c) => fmt(c.aupr) },
  { header: 'TPR at FPR 0.1', cell: (c) => fmt(valueAt(c.roc, 0.1)) },
  { header: 'TPR at FPR 0.25', cell: (c) => fmt(valueAt(c.roc, 0.25)) },
  { header: 'Precision at recall 0.5', cell: (c) => fmt(valueAt(c.pr, 0.5)) },
  { header: 'Precision at recall 0.9', cell: (c) => fmt(valueAt(c.pr, 0.9)) },
];

function describe(curves: readonly ScorerCurve[], pos: number, neg: number, unlabelled: number): string {
  const ranked = curves.filter((c) => c.auroc !== null).sort((a, b) => (b.auroc as number) - (a.auroc as number));
  let s = `${pos + neg} labelled traces (${pos} correct, ${neg} incorrect).`;
  if (ranked.length > 0) {
    const top = ranked[0];
    const low = ranked[ranked.length - 1];
    s += ` Highest AUROC: ${top.label} ${fmt(top.auroc)}; lowest: ${low.label} ${fmt(low.auroc)} (0.5 is chance).`;
  }
  const none = curves.filter((c) => c.auroc === null).map((c) => c.label);
  if (none.length) s += ` No curve for ${none.join(', ')}: undefined on the traces of one label or all.`;
  if (unlabelled) s += ` ${unlabelled} unlabelled trace(s) left out.`;
  return s;
}

interface RocChartProps {
  readonly rows: readonly BatchRow[];
  /** True while rows are still arriving: redraws are then throttled. */
  readonly live: boolean;
}

/**
 * ROC and precision–recall curves of every scorer on the scored rows, side by side, with the chance
 * lines; the legend names each scorer with its AUROC, toggles its curves (buttons, so the keyboard
 * reaches them) and highlights one on hover or focus, as hovering a curve does.
 */
export function RocChart({ rows: liveRows, live }: RocChartProps) {
  const [rows, handedAt] = useThrottled(liveRows, live ? REDRAW_MS : 0);
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const [hidden, setHidden] = useState<ReadonlySet<ChartKey>>(() => new Set());
  const [hover, setHover] = useState<ChartKey | null>(null);
  const counts = useMemo(() => labelCounts(rows), [rows]);
  const ready = counts.pos > 0 && counts.neg > 0;
  const curves = useMemo(() => (ready ? scorerCurves(rows) : []), [rows, ready]);
  const layout = useMemo(() => rocLayout(curves, width - 4, counts.pos / Math.max(1, counts.pos + counts.neg)), [curves, width, counts]);
  const svgRef = useRef<SVGSVGElement | null>(null);
  // How long the chart took from new rows to its DOM (curves, layout, React render and commit): a
  // browser test reads it to measure the redraw at 800 rows.
  useLayoutEffect(() => {
    if (svgRef.current && handedAt.current > 0) svgRef.current.dataset.drawMs = (performance.now() - handedAt.current).toFixed(2);
  }, [curves, handedAt]);

  if (!ready) {
    if (counts.pos + counts.neg === 0) return null;
    return (
      <p className="note" data-testid="batch-roc-waiting">
        The ROC and precision–recall curves appear once at least one correct and one incorrect labelled trace are scored.
      </p>
    );
  }
  const toggle = (k: ChartKey) =>
    setHidden((h) => {
      const next = new Set(h);
      if (next.has(k)) next.delete(k);
      else next.add(k);
      return next;
    });
  const cls = (k: ChartKey) => `roc-series${hover === null ? '' : hover === k ? ' roc-hover' : ' roc-dim'}`;
  const shownSeries = layout.series.filter((s) => !hidden.has(s.key));
  return (
    <ViewPanel
      title="ROC and precision–recall"
      testId="batch-roc"
      caption={CAPTION}
      summary={describe(curves, counts.pos, counts.neg, counts.unlabelled)}
      table={<DataTable caption="Each scorer's curves at a few thresholds, with AUROC and AUPR" columns={COLUMNS} rows={curves} rowKey={(c) => c.key} />}
    >
      <div ref={ref} className="plot-wrap">
        <svg
          ref={svgRef}
          width={layout.width}
          height={layout.height}
          className="roc-chart"
          role="img"
          aria-label={`ROC and precision–recall curves of ${curves.length} scorers on ${rows.length} traces; the table below has the numbers`}
          data-rows={rows.length}
        >
          {layout.panels.map((p) => (
            <g key={p.kind} className={`roc-panel roc-panel-${p.kind}`} data-panel={p.kind}>
              <text x={p.left} y={p.top - 8} className="roc-title">
                {p.title}
              </text>
              {p.yTicks.map((t) => (
                <g key={`y${t.value}`}>
                  <line x1={p.left} x2={p.left + p.width} y1={t.pos} y2={t.pos} className="gridline" />
                  <text x={p.left - 5} y={t.pos + 3} textAnchor="end" className="tick">
                    {t.value}
                  </text>
                </g>
              ))}
              {p.xTicks.map((t) => (
                <g key={`x${t.value}`}>
                  <line x1={t.pos} x2={t.pos} y1={p.top} y2={p.top + p.height} className="gridline" />
                  <text x={t.pos} y={p.top + p.height + 12} textAnchor="middle" className="tick">
                    {t.value}
                  </text>
                </g>
              ))}
              <rect x={p.left} y={p.top} width={p.width} height={p.height} className="roc-frame" />
              <text x={p.left + p.width / 2} y={p.top + p.height + 28} textAnchor="middle" className="tick">
                {p.xLabel}
              </text>
              <text transform={`translate(${p.left - 30},${p.top + p.height / 2}) rotate(-90)`} textAnchor="middle" className="tick">
                {p.yLabel}
              </text>
              <path d={p.chance} className="roc-chance" data-testid={`roc-chance-${p.kind}`} />
              <text x={p.left + p.width - 4} y={p.kind === 'roc' ? p.top + 14 : p.top + p.height - 6} textAnchor="end" className="tick">
                {p.chanceLabel}
              </text>
              {shownSeries.map((s) => (
                <g key={s.key} className={cls(s.key)} data-scorer={s.key} onMouseEnter={() => setHover(s.key)} onMouseLeave={() => setHover(null)}>
                  <path d={p.kind === 'roc' ? s.roc : s.pr} className="roc-hit" />
                  <path d={p.kind === 'roc' ? s.roc : s.pr} className="roc-line" stroke={s.color} strokeDasharray={s.dash || undefined} />
                </g>
              ))}
            </g>
          ))}
        </svg>
      </div>
      <ul className="roc-legend" aria-label="Scorers: press to show or hide a curve" data-testid="roc-legend">
        {curves.map((c) => {
          const style = layout.series.find((s) => s.key === c.key);
          const shown = !hidden.has(c.key);
          return (
            <li key={c.key}>
              <button
                type="button"
                aria-pressed={shown}
                data-scorer={c.key}
                title={`${c.label} (${c.key}): ${c.orientation}`}
                className={hover === c.key ? 'roc-key roc-hover' : 'roc-key'}
                onClick={() => toggle(c.key)}
                onMouseEnter={() => setHover(c.key)}
                onMouseLeave={() => setHover(null)}
                onFocus={() => setHover(c.key)}
                onBlur={() => setHover(null)}
              >
                <svg width={22} height={8} aria-hidden="true" focusable="false">
                  <line x1={1} x2={21} y1={4} y2={4} stroke={style?.color} strokeWidth={2.5} strokeDasharray={style?.dash || undefined} />
                </svg>
                <span>{c.label}</span> <span className="roc-auroc">{c.auroc === null ? 'no curve' : `AUROC ${c.auroc.toFixed(3)}`}</span>
              </button>
            </li>
          );
        })}
      </ul>
    </ViewPanel>
  );
}

