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
}

const ARROW_SEGMENTS = ['reasoning', 'answer', 'pending', 'other'] as const;

/** One token's path and mark in SVG; `emph` draws it on top, thicker, in the foreground colour. */
function PathMark({ m, prefix, emph, dim }: { m: TrajMark; prefix: string; emph: boolean; dim: boolean }) {
  return (
    <g className={`traj ${emph ? 'traj-active' : ''}`} data-index={m.index} data-active={emph || undefined} opacity={dim ? 0.25 : 1}>
      <path
        d={m.d || pathOf(m.points)}
        fill="none"
        stroke={emph ? 'var(--fg)' : SEGMENT_COLORS[m.segment]}
        strokeWidth={emph ? 2.5 : 1}
        strokeOpacity={emph ? 1 : 0.7}
        markerEnd={m.points.length > 1 ? `url(#${prefix}-${emph ? 'active' : m.segment})` : undefined}
      />
      <path
        className="traj-mark"
        d={markPath(m.segment, emph ? 90 : 36)}
        style={{ transform: `translate(${m.x}px, ${m.y}px)` }}
        fill={SEGMENT_COLORS[m.segment]}
        stroke={emph ? 'var(--fg)' : 'none'}
        strokeWidth={2}
      />
    </g>
  );
}

/** The plot itself: SVG below the canvas threshold, a canvas plus an SVG overlay for the highlight above it. */
export function TrajectoryPlot({ layout, active, selected, layers, label }: PlotProps) {
  const prefix = useId().replace(/:/g, '');
  const dim = active !== null;
  const draw = useCallback((ctx: CanvasRenderingContext2D) => drawTrajectories(ctx, layout, dim), [layout, dim]);
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
              <path d="M0,0L10,5L0,10z" fill={s === 'active' ? 'var(--fg)' : SEGMENT_COLORS[s]} />
            </marker>
          ))}
        </defs>
        {!layout.canvas && layout.marks.map((m) => !emph.has(m.index) && <PathMark key={m.index} m={m} prefix={prefix} emph={false} dim={dim} />)}
        {layout.marks
          .filter((m) => emph.has(m.index))
          .map((m) => (
            <PathMark key={`e${m.index}`} m={m} prefix={prefix} emph dim={false} />
          ))}
      </svg>
    </div>
  );
}
