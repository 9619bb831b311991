import { useCallback, useId, type KeyboardEvent, type MouseEvent } from 'react';
import { selectToken, setHover, setSpan, stepLayer } from '../../state/actions';
import { SEGMENT_COLORS } from '../shared/palette';
import { useCanvas } from '../shared/useCanvas';
import { drawTrajectories } from './draw';
import { markPath, pathOf, type TrajLayout, type TrajMark } from './layout';

interface PlotProps {
  readonly layout: TrajLayout;
  readonly active: number | null;
  readonly selected: number | null;
  readonly layers: number;
  readonly label: string;
  /** A token's text as its on-plot label (whitespace made visible). */
  readonly tokenText: (index: number) => string;
  /** True: every path at full strength; false (default): paths faint, the mean path and the picked token bold. */
  readonly showAll?: boolean;
}

/** The stroke of a segment: a CSS variable per theme (lighter blues on the dark background), the palette colour as fallback. */
export function segmentStroke(segment: keyof typeof SEGMENT_COLORS): string {
  return `var(--traj-${segment}, ${SEGMENT_COLORS[segment]})`;
}

const pct = (v: number) => `${Math.round(v * 100)} %`;

/** The two axes with ticks in projection units and titles saying what they are (PCA components and their explained variance). */
function Axes({ layout }: { readonly layout: TrajLayout }) {
  const { box, x, y, explained } = layout;
  const xt = x.ticks(4).filter((v) => x(v) >= box.left - 0.5 && x(v) <= box.right + 0.5);
  const yt = y.ticks(4).filter((v) => y(v) >= box.top - 0.5 && y(v) <= box.bottom + 0.5);
  return (
    <g className="traj-axes" aria-hidden="true">
      <line className="traj-axis" x1={box.left} x2={box.right} y1={box.bottom} y2={box.bottom} />
      <line className="traj-axis" x1={box.left} x2={box.left} y1={box.top} y2={box.bottom} />
      {xt.map((v) => (
        <g key={`x${v}`} transform={`translate(${x(v)},${box.bottom})`}>
          <line y2={4} className="traj-axis" />
          <text y={14} textAnchor="middle" className="tick">
            {v}
          </text>
        </g>
      ))}
      {yt.map((v) => (
        <g key={`y${v}`} transform={`translate(${box.left},${y(v)})`}>
          <line x2={-4} className="traj-axis" />
          <text x={-6} dy="0.32em" textAnchor="end" className="tick">
            {v}
          </text>
        </g>
      ))}
      <text className="traj-axis-title" data-testid="traj-axis-x" x={(box.left + box.right) / 2} y={layout.height - 4} textAnchor="middle">
        PC 1 ({pct(explained[0])} of variance)
      </text>
      <text className="traj-axis-title" data-testid="traj-axis-y" transform={`translate(11,${(box.top + box.bottom) / 2}) rotate(-90)`} textAnchor="middle">
        PC 2 ({pct(explained[1])} of variance)
      </text>
    </g>
  );
}

/** A token's label next to its mark, on a backing so it reads over the paths in either theme. */
function MarkLabel({ m, text, kind, maxX }: { m: TrajMark; text: string; kind: 'picked' | 'hover'; maxX: number }) {
  // Left of the mark near the right edge, so the label stays inside the plot.
  const right = m.x < maxX - 90;
  return (
    <text
      className={`traj-label traj-label-${kind}`}
      data-testid={`traj-label-${kind}`}
      data-index={m.index}
      x={m.x + (right ? 8 : -8)}
      y={m.y - 8}
      textAnchor={right ? 'start' : 'end'}
      paintOrder="stroke"
    >
      {text}
    </text>
  );
}

const ARROW_SEGMENTS = ['reasoning', 'answer', 'pending', 'other'] as const;

/** One token's path and mark in SVG; `emph` draws it on top, thicker, in the foreground colour. */
function PathMark({ m, prefix, emph, dim }: { m: TrajMark; prefix: string; emph: boolean; dim: boolean }) {
  return (
    <g className={`traj ${emph ? 'traj-active' : ''} ${dim ? 'traj-faint' : ''}`} data-index={m.index} data-active={emph || undefined}>
      <path
        d={m.d || pathOf(m.points)}
        fill="none"
        stroke={emph ? 'var(--fg)' : segmentStroke(m.segment)}
        strokeWidth={emph ? 2.5 : 1}
        strokeOpacity={emph ? 1 : 0.7}
        markerEnd={m.points.length > 1 ? `url(#${prefix}-${emph ? 'active' : m.segment})` : undefined}
      />
      <path
        className="traj-mark"
        d={markPath(m.segment, emph ? 90 : 36)}
        style={{ transform: `translate(${m.x}px, ${m.y}px)` }}
        fill={segmentStroke(m.segment)}
        stroke={emph ? 'var(--fg)' : 'none'}
        strokeWidth={2}
      />
    </g>
  );
}

/** The plot itself: SVG below the canvas threshold, a canvas plus an SVG overlay for the highlight above it. */
export function TrajectoryPlot({ layout, active, selected, layers, label, tokenText, showAll = false }: PlotProps) {
  const prefix = useId().replace(/:/g, '');
  // Focus by default: the paths faint, the mean path and the picked token bold; a hover dims them as well.
  // The canvas (long runs) keeps its own layer-by-layer alphas and dims only on a hover.
  const dim = !showAll || active !== null;
  const canvasDim = active !== null;
  const draw = useCallback((ctx: CanvasRenderingContext2D) => drawTrajectories(ctx, layout, canvasDim), [layout, canvasDim]);
  const canvasRef = useCanvas(draw, layout.width, layout.height);
  const emph = new Set([active, selected].filter((i): i is number => i !== null));
  const at = (e: MouseEvent) => {
    const r = (e.currentTarget as Element).getBoundingClientRect();
    return layout.find(e.clientX - r.left, e.clientY - r.top);
  };
  const order = layout.marks.map((m) => m.index);
  const onKey = (e: KeyboardEvent) => {
    const pos = active === null ? -1 : order.indexOf(active);
    const move = (p: number) => {
      e.preventDefault();
      if (order.length > 0) setHover(order[Math.min(order.length - 1, Math.max(0, p))]);
    };
    if (e.key === 'ArrowRight') {
      e.preventDefault();
      stepLayer(1, layers);
    } else if (e.key === 'ArrowLeft') {
      e.preventDefault();
      stepLayer(-1, layers);
    } else if (e.key === 'ArrowDown') move(pos + 1);
    else if (e.key === 'ArrowUp') move(pos < 0 ? order.length - 1 : pos - 1);
    else if (e.key === 'Enter' && active !== null) selectToken(active);
    else if (e.key === 'Escape') {
      setHover(null);
      setSpan(null);
    }
  };
  return (
    <div className="plot-stack" style={{ width: layout.width, height: layout.height }}>
      {layout.canvas && <canvas ref={canvasRef} style={{ width: layout.width, height: layout.height }} aria-hidden="true" />}
      <svg
        width={layout.width}
        height={layout.height}
        role="group"
        aria-roledescription="trajectory plot"
        aria-label={label}
        tabIndex={0}
        className="plot-surface"
        onMouseMove={(e) => setHover(at(e))}
        onMouseLeave={() => setHover(null)}
        onClick={(e) => {
          const i = at(e);
          if (i !== null) selectToken(i);
        }}
        onKeyDown={onKey}
      >
        <defs>
          {[...ARROW_SEGMENTS, 'active' as const].map((s) => (
            <marker key={s} id={`${prefix}-${s}`} viewBox="0 0 10 10" refX={9} refY={5} markerWidth={6} markerHeight={6} orient="auto-start-reverse">
              <path d="M0,0L10,5L0,10z" fill={s === 'active' ? 'var(--fg)' : segmentStroke(s)} />
            </marker>
          ))}
          <marker id={`${prefix}-mean`} viewBox="0 0 10 10" refX={9} refY={5} markerWidth={5} markerHeight={5} orient="auto-start-reverse">
            <path d="M0,0L10,5L0,10z" fill="var(--traj-mean, #0b63c5)" />
          </marker>
        </defs>
        <Axes layout={layout} />
        {!layout.canvas && layout.marks.map((m) => !emph.has(m.index) && <PathMark key={m.index} m={m} prefix={prefix} emph={false} dim={dim} />)}
        {layout.mean.length > 1 && (
          <path className="traj-mean" data-testid="traj-mean" d={pathOf(layout.mean)} fill="none" markerEnd={`url(#${prefix}-mean)`} />
        )}
        {layout.marks
          .filter((m) => emph.has(m.index))
          .map((m) => (
            <PathMark key={`e${m.index}`} m={m} prefix={prefix} emph dim={false} />
          ))}
        {layout.marks
          .filter((m) => emph.has(m.index))
          .map((m) => (
            <MarkLabel key={`l${m.index}`} m={m} text={`“${tokenText(m.index)}” #${m.index}`} kind={m.index === selected ? 'picked' : 'hover'} maxX={layout.box.right} />
          ))}
      </svg>
    </div>
  );
}
