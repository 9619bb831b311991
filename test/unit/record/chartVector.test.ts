import { describe, expect, it } from 'vitest';
import { projectRun } from '../../../src/engine/projection';
import { deriveRun } from '../../../src/state/derive';
import { heatmapVector, trajectoryVector } from '../../../src/views/shared/chartExport';
import { heatLayout } from '../../../src/views/LayerHeatmap/layout';
import { SEGMENT_COLORS } from '../../../src/views/shared/palette';
import { stepAlpha, trajectoryLayout } from '../../../src/views/Trajectories/layout';
import { synthRun } from '../views/fixtures';

/**
 * The SVG downloads of the canvas views are drawn from the same layouts the canvases paint: every
 * painted heatmap cell is covered by a rect of its colour, and every trajectory step is a line.
 */
const attrs = (tag: string, svg: string) =>
  [...svg.matchAll(new RegExp(`<${tag} ([^>]*)/>`, 'g'))].map((m) => Object.fromEntries([...m[1].matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]])));

describe('vector drawings of the canvas layers', () => {
  const { events, result } = synthRun({ layers: 4, states: true });
  const rows = deriveRun(events, result, 0.8).rows;

  it('heatmap: rects in the cells’ own colours cover exactly the painted cells', () => {
    const l = heatLayout(rows, 'speed', 'layer', 500);
    const rects = attrs('rect', heatmapVector(l));
    expect(rects.length).toBeGreaterThan(0);
    const covered = new Set<string>();
    for (const r of rects) {
      const row = Math.round((Number(r.y) - l.top) / l.cellH);
      const t0 = Math.round((Number(r.x) - l.left) / l.cellW);
      const n = Math.round(Number(r.width) / l.cellW);
      for (let t = t0; t < t0 + n; t++) {
        const o = (row * l.tokens + t) * 4;
        const hex = `#${[l.image[o], l.image[o + 1], l.image[o + 2]].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
        expect(r.fill).toBe(hex);
        expect(l.image[o + 3]).toBe(255);
        covered.add(`${row},${t}`);
      }
    }
    let painted = 0;
    for (let i = 3; i < l.image.length; i += 4) if (l.image[i] === 255) painted++;
    expect(covered.size).toBe(painted);
  });

  it('trajectories: one line per step with the canvas’s alpha, one mark per token', () => {
    const p = projectRun(result.states, result.promptLength, result.tokens.length);
    if (!p.ok) throw new Error(p.reason);
    const layout = trajectoryLayout({ data: p.data, segments: rows.map((r) => r.segment), width: 400, height: 300, layer: 4 });
    const svg = trajectoryVector(layout, false);
    const lines = attrs('line', svg);
    expect(lines).toHaveLength(layout.marks.length * 4);
    expect(lines[0]['stroke-opacity']).toBe(String(Math.round(stepAlpha(1, 4) * 0.8 * 100) / 100));
    expect(lines[0].stroke).toBe(SEGMENT_COLORS[layout.marks[0].segment]);
    expect(attrs('circle', svg).length + attrs('rect', svg).length).toBe(layout.marks.length);
  });
});
