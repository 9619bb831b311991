import { SEGMENT_COLORS } from '../shared/palette';
import { stepAlpha, type TrajLayout } from './layout';

/** Canvas drawing for many paths: each step's alpha rises with the layer, so direction reads at a glance. */
export function drawTrajectories(ctx: CanvasRenderingContext2D, layout: TrajLayout, dim: boolean): void {
  const L = layout.layer;
  ctx.lineWidth = 1;
  for (const m of layout.marks) {
    ctx.strokeStyle = SEGMENT_COLORS[m.segment];
    for (let l = 1; l < m.points.length; l++) {
      ctx.globalAlpha = stepAlpha(l, Math.max(1, L)) * (dim ? 0.35 : 0.8);
      ctx.beginPath();
      ctx.moveTo(m.points[l - 1][0], m.points[l - 1][1]);
      ctx.lineTo(m.points[l][0], m.points[l][1]);
      ctx.stroke();
    }
  }
  ctx.globalAlpha = dim ? 0.5 : 1;
  for (const m of layout.marks) {
    ctx.fillStyle = SEGMENT_COLORS[m.segment];
    drawMark(ctx, m);
  }
  ctx.globalAlpha = 1;
}

/** A token's mark where its path ends, in the current fill: a square for an answer token, else a dot. */
export function drawMark(ctx: CanvasRenderingContext2D, m: { readonly x: number; readonly y: number; readonly segment: string }): void {
  if (m.segment === 'answer') ctx.fillRect(m.x - 2.5, m.y - 2.5, 5, 5);
  else {
    ctx.beginPath();
    ctx.arc(m.x, m.y, 2.5, 0, 2 * Math.PI);
    ctx.fill();
  }
}
