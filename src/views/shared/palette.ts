import { color, interpolateCividis, interpolateViridis, quantileSorted, scaleSequential, type ScaleSequential } from 'd3';
import type { RowSegment } from '../../state/derive';

/**
 * Colour-blind-safe choices: Okabe–Ito for the segments (blue vs orange, told apart by
 * deuteranopes and protanopes, and doubled by shape), cividis/viridis for sequential values.
 */
export const SEGMENT_COLORS: Record<RowSegment, string> = {
  reasoning: '#0072B2',
  answer: '#E69F00',
  pending: '#56B4E9',
  other: '#999999',
};

export const SEGMENT_LABELS: Record<RowSegment, string> = {
  reasoning: 'reasoning',
  answer: 'answer',
  pending: 'not yet placed',
  other: 'tag or end marker',
};

/** Shapes double the colour code so the segments read in greyscale too. */
export const SEGMENT_SHAPES: Record<RowSegment, 'circle' | 'square' | 'diamond' | 'cross'> = {
  reasoning: 'circle',
  answer: 'square',
  pending: 'diamond',
  other: 'cross',
};

export const SEQUENTIAL = interpolateCividis;
export const HEAT = interpolateViridis;

/**
 * A domain that one outlier cannot flatten: the 2nd to 98th percentile of the finite values
 * (the extremes are clamped to the ends of the ramp). Degenerate data get a unit-wide domain.
 */
export function robustDomain(values: ArrayLike<number>, lo = 0.02, hi = 0.98): [number, number] {
  // A typed copy sorts numerically and fast: heatmaps call this once per layer over 4k tokens.
  const finite = new Float64Array(values.length);
  let k = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) finite[k++] = values[i];
  if (k === 0) return [0, 1];
  // quantileSorted reads any indexable numbers; its types ask for an array.
  const sorted = finite.subarray(0, k).sort() as unknown as number[];
  const a = quantileSorted(sorted, lo) as number;
  const b = quantileSorted(sorted, hi) as number;
  return a < b ? [a, b] : [a - 0.5, a + 0.5];
}

export function sequentialScale(domain: [number, number], interpolator = SEQUENTIAL): ScaleSequential<string> {
  return scaleSequential(interpolator).domain(domain).clamp(true);
}

/** Black or white, whichever reads better on `bg` (WCAG relative luminance). */
export function textOn(bg: string): '#000000' | '#ffffff' {
  const c = color(bg)?.rgb();
  if (!c) return '#000000';
  const lin = (v: number) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const L = 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
  return L > 0.179 ? '#000000' : '#ffffff';
}

/** 256 RGB entries of an interpolator, for painting many cells without building colour strings. */
export function rgbLut(interpolator: (t: number) => string, n = 256): Uint8ClampedArray {
  const out = new Uint8ClampedArray(n * 3);
  for (let i = 0; i < n; i++) {
    const c = color(interpolator(i / (n - 1)))?.rgb();
    out[3 * i] = c?.r ?? 0;
    out[3 * i + 1] = c?.g ?? 0;
    out[3 * i + 2] = c?.b ?? 0;
  }
  return out;
}
