import type { TrajectoryData } from '../../engine/projection';
import type { RowSegment } from '../../state/derive';
import { stepAlpha, trajectoryLayout, type TrajLayout, type TrajMark } from '../Trajectories/layout';
import type { JointProjection } from './jointProjection';
import { drawMark } from '../Trajectories/draw';

/**
 * The overlay's geometry: both runs' paths in one layout (one pixel scale fitted to both, from the
 * single-run view's trajectoryLayout), told apart by colour and line style (B dashed), with the
 * segment still in the mark's shape. Mark indices run over A's tokens, then B's.
 */
export type RunLabel = 'A' | 'B';

/** Okabe–Ito blue and vermillion: told apart with every common colour-vision deficiency. */
export const RUN_COLORS: Record<RunLabel, string> = { A: '#0072B2', B: '#D55E00' };
/** B's paths are dashed, so the runs read apart without colour too. */
export const RUN_DASH: Record<RunLabel, string | undefined> = { A: undefined, B: '5 3' };

export interface OverlayLayout {
  readonly layout: TrajLayout;
  /** A's token count: marks with index < offset are A's. */
  readonly offset: number;
}

export function runOf(index: number, offset: number): { run: RunLabel; token: number } {
  return index < offset ? { run: 'A', token: index } : { run: 'B', token: index - offset };
}

/** Both runs' paths as one TrajectoryData (A's tokens, then B's) and its layout. */
export function overlayLayout(
  joint: JointProjection,
  segments: readonly [readonly RowSegment[], readonly RowSegment[]],
  width: number,
  height: number,
  layer: number,
): OverlayLayout {
  const [a, b] = joint.runs;
  const ka = a.tokens.length;
  const xy = new Float32Array(a.xy.length + b.xy.length);
  xy.set(a.xy, 0);
  xy.set(b.xy, a.xy.length);
  const data: TrajectoryData = {
    tokens: Array.from({ length: ka + b.tokens.length }, (_, i) => i),
    layers: joint.layers,
    xy,
    explained: joint.explained,
    dropped: a.dropped + b.dropped,
  };
  const seg = (k: 0 | 1, n: number) => Array.from({ length: n }, (_, i): RowSegment => segments[k][i] ?? 'other');
  const segs = [...seg(0, ka), ...seg(1, b.tokens.length)];
  return { layout: trajectoryLayout({ data, segments: segs, width, height, layer, margin: 16 }), offset: ka };
}

/** Canvas drawing for many paths (past the SVG threshold): run colours, B dashed, later steps darker. */
export function drawOverlay(ctx: CanvasRenderingContext2D, o: OverlayLayout): void {
  const L = o.layout.layer;
  ctx.lineWidth = 1;
  const runMarks = (run: RunLabel): TrajMark[] => o.layout.marks.filter((m) => runOf(m.index, o.offset).run === run);
  for (const run of ['A', 'B'] as const) {
    ctx.strokeStyle = RUN_COLORS[run];
    ctx.setLineDash(run === 'B' ? [5, 3] : []);
    for (const m of runMarks(run)) {
      for (let l = 1; l < m.points.length; l++) {
        ctx.globalAlpha = stepAlpha(l, Math.max(1, L)) * 0.7;
        ctx.beginPath();
        ctx.moveTo(m.points[l - 1][0], m.points[l - 1][1]);
        ctx.lineTo(m.points[l][0], m.points[l][1]);
        ctx.stroke();
      }
    }
    ctx.setLineDash([]);
    ctx.globalAlpha = 1;
    ctx.fillStyle = RUN_COLORS[run];
    for (const m of runMarks(run)) drawMark(ctx, m);
  }
  ctx.globalAlpha = 1;
}
