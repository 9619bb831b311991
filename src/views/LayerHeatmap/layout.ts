import type { TokenRow } from '../../state/derive';
import { HEAT, rgbLut, robustDomain } from '../shared/palette';

/**
 * Layer × token heatmap geometry and pixels. The image is one pixel per cell (tokens wide, layers
 * tall), painted from a viridis look-up table and scaled up by the canvas: 4k tokens × 29 layers is
 * 116k cells, too many for SVG and too many colour strings to build per frame.
 */
export type HeatMetric = 'speed' | 'norm';
/** 'layer': each row on its own range (layers differ by orders of magnitude); 'global': one log range for all. */
export type HeatScale = 'layer' | 'global';

export interface HeatLayout {
  readonly tokens: number;
  /** Rows: speeds ‖v_l‖ for l = 1 … L, norms ‖R[l]‖ for l = 0 … L. */
  readonly rows: number;
  /** The layer of row 0 (1 for speeds, 0 for norms); rows go down the layers. */
  readonly firstLayer: number;
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
  readonly plotW: number;
  readonly plotH: number;
  readonly cellW: number;
  readonly cellH: number;
  /** RGBA, `tokens` × `rows` pixels, row-major (row 0 first). */
  readonly image: Uint8ClampedArray<ArrayBuffer>;
  /** Per row [lo, hi] of the colour range (the same for all rows when global). */
  readonly ranges: readonly (readonly [number, number])[];
  readonly value: (token: number, row: number) => number;
}

export const HEAT_MARGIN = { left: 44, right: 8, top: 6, bottom: 20 };
const LUT = rgbLut(HEAT);

export function heatLayout(rows: readonly TokenRow[], metric: HeatMetric, scale: HeatScale, width: number, maxHeight = 320): HeatLayout {
  const n = rows.length;
  const perToken = (r: TokenRow) => (metric === 'speed' ? r.speeds : r.norms);
  const R = rows.reduce((m, r) => Math.max(m, perToken(r).length), 0);
  const firstLayer = metric === 'speed' ? 1 : 0;
  const value = (t: number, row: number) => {
    const a = perToken(rows[t]);
    return row < a.length ? a[row] : NaN;
  };
  const m = HEAT_MARGIN;
  const plotW = Math.max(1, width - m.left - m.right);
  const cellH = R > 0 ? Math.max(4, Math.min(14, Math.floor(maxHeight / R))) : 0;
  const plotH = cellH * R;
  // Log for the global range: speeds and norms span orders of magnitude across layers.
  const tf = scale === 'global' ? (v: number) => (v > 0 ? Math.log(v) : NaN) : (v: number) => v;
  // Values row-major [row][token], transformed once: the ranges and the pixels read the same array.
  const vals = new Float64Array(R * n).fill(NaN);
  for (let t = 0; t < n; t++) {
    const a = perToken(rows[t]);
    for (let r = 0; r < a.length; r++) vals[r * n + t] = tf(a[r]);
  }
  const ranges: [number, number][] = [];
  if (scale === 'global') {
    const d = robustDomain(vals, 0.01, 0.99);
    for (let r = 0; r < R; r++) ranges.push(d);
  } else {
    for (let r = 0; r < R; r++) ranges.push(robustDomain(vals.subarray(r * n, (r + 1) * n), 0.01, 0.99));
  }
  const image = new Uint8ClampedArray(n * R * 4);
  for (let r = 0; r < R; r++) {
    const [lo, hi] = ranges[r];
    const span = hi - lo;
    for (let t = 0; t < n; t++) {
      const v = vals[r * n + t];
      if (!Number.isFinite(v)) continue; // transparent: no value
      const o = (r * n + t) * 4;
      const k = 3 * Math.round(Math.min(1, Math.max(0, (v - lo) / span)) * 255);
      image[o] = LUT[k];
      image[o + 1] = LUT[k + 1];
      image[o + 2] = LUT[k + 2];
      image[o + 3] = 255;
    }
  }
  return {
    tokens: n,
    rows: R,
    firstLayer,
    left: m.left,
    top: m.top,
    width,
    height: m.top + plotH + m.bottom,
    plotW,
    plotH,
    cellW: n > 0 ? plotW / n : 0,
    cellH,
    image,
    ranges: scale === 'global' ? ranges.map(([a, b]) => [Math.exp(a), Math.exp(b)] as const) : ranges,
    value,
  };
}

/** The cell under pixel (px, py), or null outside the plot. */
export function cellAt(l: HeatLayout, px: number, py: number): { token: number; row: number } | null {
  const x = px - l.left;
  const y = py - l.top;
  if (l.tokens === 0 || l.rows === 0 || x < 0 || y < 0 || x >= l.plotW || y >= l.plotH) return null;
  return { token: Math.min(l.tokens - 1, Math.floor(x / l.cellW)), row: Math.min(l.rows - 1, Math.floor(y / l.cellH)) };
}

export function cellRect(l: HeatLayout, token: number, row: number): { x: number; y: number; width: number; height: number } {
  return { x: l.left + token * l.cellW, y: l.top + row * l.cellH, width: l.cellW, height: l.cellH };
}

/** The row a layer sits in, or -1 when this metric has no row for it (layer 0 has no speed). */
export function rowOfLayer(l: HeatLayout, layer: number): number {
  const r = layer - l.firstLayer;
  return r >= 0 && r < l.rows ? r : -1;
}
