import { color } from 'd3';
import { describe, expect, it } from 'vitest';
import { deriveRun } from '../../../src/state/derive';
import { cellAt, cellRect, heatLayout, rowOfLayer, HEAT_MARGIN } from '../../../src/views/LayerHeatmap/layout';
import { HEAT } from '../../../src/views/shared/palette';
import { synthRun } from './fixtures';

function pixel(image: Uint8ClampedArray, n: number, t: number, r: number): number[] {
  const o = (r * n + t) * 4;
  return Array.from(image.subarray(o, o + 4));
}

function rgba(c: string): number[] {
  const x = color(c)?.rgb();
  return [x?.r ?? 0, x?.g ?? 0, x?.b ?? 0, 255].map(Math.round);
}

describe('heatLayout', () => {
  const { events, result } = synthRun({ layers: 4 });
  const rows = deriveRun(events, result, 0.8).rows;
  const n = rows.length;

  it('has one row per layer step for speeds (layers 1…L) and per state for norms (0…L)', () => {
    const s = heatLayout(rows, 'speed', 'layer', 500);
    expect([s.rows, s.firstLayer, s.tokens]).toEqual([4, 1, n]);
    const m = heatLayout(rows, 'norm', 'layer', 500);
    expect([m.rows, m.firstLayer]).toEqual([5, 0]);
    expect(s.value(3, 2)).toBe(rows[3].speeds[2]);
    expect(m.value(3, 0)).toBe(rows[3].norms[0]);
    expect(rowOfLayer(s, 0)).toBe(-1);
    expect(rowOfLayer(s, 1)).toBe(0);
    expect(rowOfLayer(m, 4)).toBe(4);
  });

  it('lays cells out edge to edge and finds the cell under a pixel', () => {
    const l = heatLayout(rows, 'speed', 'layer', 500);
    expect(l.plotW).toBe(500 - HEAT_MARGIN.left - HEAT_MARGIN.right);
    expect(l.cellW * n).toBeCloseTo(l.plotW, 9);
    expect(l.cellH * l.rows).toBe(l.plotH);
    for (const [t, r] of [
      [0, 0],
      [7, 2],
      [n - 1, 3],
    ]) {
      const c = cellRect(l, t, r);
      expect(cellAt(l, c.x + c.width / 2, c.y + c.height / 2)).toEqual({ token: t, row: r });
      expect(c.x).toBeCloseTo(l.left + t * l.cellW, 9);
    }
    expect(cellAt(l, l.left - 1, l.top + 1)).toBeNull();
    expect(cellAt(l, l.left + 1, l.top + l.plotH + 1)).toBeNull();
  });

  it('paints each row from its own range: the row’s largest value gets the top of viridis', () => {
    const l = heatLayout(rows, 'speed', 'layer', 500);
    const r = 1;
    let argmax = 0;
    let argmin = 0;
    for (let t = 0; t < n; t++) {
      if (l.value(t, r) > l.value(argmax, r)) argmax = t;
      if (l.value(t, r) < l.value(argmin, r)) argmin = t;
    }
    expect(l.image).toHaveLength(n * l.rows * 4);
    expect(pixel(l.image, n, argmax, r)).toEqual(rgba(HEAT(1)));
    expect(pixel(l.image, n, argmin, r)).toEqual(rgba(HEAT(0)));
  });

  it('uses one log range for all rows when asked, and leaves missing values transparent', () => {
    const g = heatLayout(rows, 'speed', 'global', 500);
    expect(new Set(g.ranges.map((x) => x.join()))).toHaveProperty('size', 1);
    expect(g.ranges[0][0]).toBeGreaterThan(0);
    const s = synthRun({ states: false });
    const empty = heatLayout(deriveRun(s.events, s.result, 0.8).rows, 'speed', 'layer', 500);
    expect(empty.rows).toBe(0);
    expect(empty.image).toHaveLength(0);
  });
});
