import { line, quadtree, scaleLinear, symbol, symbolCircle, symbolCross, symbolDiamond, symbolSquare, type ScaleLinear, type SymbolType } from 'd3';
import type { RowSegment } from '../../state/derive';
import { SEGMENT_SHAPES } from '../shared/palette';
import type { TrajectoryData } from './project';

/**
 * Pixel geometry of the trajectory plot: one path per token from layer 0 up to the layer shown, a
 * mark where it is at that layer, and a nearest-point finder for the pointer. One uniform scale on
 * both axes (a projection's distances mean the same in x and y), fitted to all layers so the axes
 * stay put while the layer slider moves.
 */
export const CANVAS_THRESHOLD = 3000;

export interface TrajMark {
  readonly index: number;
  readonly segment: RowSegment;
  /** Pixel points from layer 0 to the layer shown. */
  readonly points: readonly (readonly [number, number])[];
  /** SVG path through `points` ('' in canvas mode, where only the highlighted paths need one: see pathOf). */
  readonly d: string;
  /** Where the token is at the layer shown. */
  readonly x: number;
  readonly y: number;
}

export interface TrajLayout {
  readonly width: number;
  readonly height: number;
  readonly layer: number;
  readonly marks: readonly TrajMark[];
  readonly x: ScaleLinear<number, number>;
  readonly y: ScaleLinear<number, number>;
  /** True past CANVAS_THRESHOLD marks (tokens × (L + 1)): the component draws on a canvas. */
  readonly canvas: boolean;
  /** Tokens left out because their projected position is not a finite number. */
  readonly unplotted: number;
  /** The token whose mark is nearest (px, py), within `radius` pixels. */
  readonly find: (px: number, py: number, radius?: number) => number | null;
  /** The plot box inside the axes, in pixels. */
  readonly box: { readonly left: number; readonly right: number; readonly top: number; readonly bottom: number };
  /** Pixel points of the reasoning tokens' mean path from layer 0 to the layer shown (empty without reasoning tokens). */
  readonly mean: readonly (readonly [number, number])[];
  /** Share of the variance each axis explains (PC 1, PC 2). */
  readonly explained: readonly [number, number];
}

/** Room for the axes: ticks and titles on the left and at the bottom. */
export const AXIS_MARGIN = { left: 44, right: 12, top: 10, bottom: 36 } as const;

export interface TrajInput {
  readonly data: TrajectoryData;
  readonly segments: readonly RowSegment[];
  readonly width: number;
  readonly height: number;
  /** Layer shown, clamped to [0, L]. */
  readonly layer: number;
  /** Room around the plot box (default: AXIS_MARGIN, for the axes). */
  readonly margin?: number | { readonly left: number; readonly right: number; readonly top: number; readonly bottom: number };
}

const linePath = line();

/** The SVG path through pixel points. */
export function pathOf(points: readonly (readonly [number, number])[]): string {
  return linePath(points as [number, number][]) ?? '';
}

export function trajectoryLayout({ data, segments, width, height, layer, margin = AXIS_MARGIN }: TrajInput): TrajLayout {
  const m = typeof margin === 'number' ? { left: margin, right: margin, top: margin, bottom: margin } : margin;
  const L = data.layers;
  const shown = Math.min(L, Math.max(0, Math.round(layer)));
  const per = L + 1;
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < data.xy.length; i += 2) {
    // A projection with NaN or ±Infinity (a crafted or damaged run file) is fitted to its finite points.
    if (!Number.isFinite(data.xy[i]) || !Number.isFinite(data.xy[i + 1])) continue;
    x0 = Math.min(x0, data.xy[i]);
    x1 = Math.max(x1, data.xy[i]);
    y0 = Math.min(y0, data.xy[i + 1]);
    y1 = Math.max(y1, data.xy[i + 1]);
  }
  if (x0 > x1) [x0, x1, y0, y1] = [0, 1, 0, 1];
  const w = Math.max(1, width - m.left - m.right);
  const h = Math.max(1, height - m.top - m.bottom);
  const dx = Math.max(x1 - x0, 1e-9);
  const dy = Math.max(y1 - y0, 1e-9);
  const k = Math.min(w / dx, h / dy);
  // Centre the data in the box; y grows upward, as a plot's should.
  const ox = m.left + (w - dx * k) / 2;
  const oy = m.top + (h - dy * k) / 2;
  const x = scaleLinear().domain([x0, x1]).range([ox, ox + dx * k]);
  const y = scaleLinear().domain([y0, y1]).range([oy + dy * k, oy]);
  const canvas = data.tokens.length * per > CANVAS_THRESHOLD;
  let unplotted = 0;
  const marks: TrajMark[] = [];
  data.tokens.forEach((index, t) => {
    const points: [number, number][] = [];
    for (let l = 0; l <= shown; l++) {
      const o = (t * per + l) * 2;
      points.push([x(data.xy[o]), y(data.xy[o + 1])]);
    }
    // A token with a non-finite position has no path (it would be an invalid SVG path): counted, not drawn.
    if (!points.every(([px, py]) => Number.isFinite(px) && Number.isFinite(py))) return void unplotted++;
    const end = points[points.length - 1];
    marks.push({ index, segment: segments[index] ?? 'other', points, d: canvas ? '' : pathOf(points), x: end[0], y: end[1] });
  });
  // The reasoning tokens' mean position at each layer: the path the default view draws boldly.
  const finite = (t: number) => {
    for (let i = t * per * 2; i < (t + 1) * per * 2; i++) if (!Number.isFinite(data.xy[i])) return false;
    return true;
  };
  const reasoning = data.tokens.map((index, t) => [index, t] as const).filter(([index, t]) => segments[index] === 'reasoning' && finite(t));
  const mean: [number, number][] = [];
  if (reasoning.length > 0) {
    for (let l = 0; l <= shown; l++) {
      let sx = 0;
      let sy = 0;
      for (const [, t] of reasoning) {
        sx += data.xy[(t * per + l) * 2];
        sy += data.xy[(t * per + l) * 2 + 1];
      }
      mean.push([x(sx / reasoning.length), y(sy / reasoning.length)]);
    }
  }
  const tree = quadtree<TrajMark>()
    .x((m) => m.x)
    .y((m) => m.y)
    .addAll(marks);
  return {
    width,
    height,
    layer: shown,
    marks,
    x,
    y,
    canvas,
    unplotted,
    find: (px, py, radius = 12) => tree.find(px, py, radius)?.index ?? null,
    box: { left: m.left, right: width - m.right, top: m.top, bottom: height - m.bottom },
    mean,
    explained: data.explained,
  };
}

const SHAPES: Record<(typeof SEGMENT_SHAPES)[RowSegment], SymbolType> = {
  circle: symbolCircle,
  square: symbolSquare,
  diamond: symbolDiamond,
  cross: symbolCross,
};

/** The segment's mark as an SVG path centred on (0, 0); `size` is the area in px². */
export function markPath(segment: RowSegment, size = 36): string {
  return symbol(SHAPES[SEGMENT_SHAPES[segment]], size)() ?? '';
}

/** Opacity of the step from layer l − 1 to l: later steps darker, so the path's direction reads without arrows. */
export function stepAlpha(l: number, layers: number): number {
  return layers <= 0 ? 1 : 0.15 + 0.85 * (l / layers);
}
