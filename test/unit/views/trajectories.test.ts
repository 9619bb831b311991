import { describe, expect, it } from 'vitest';
import { fitProjection, projectStates } from '../../../src/core/project';
import { deriveRun } from '../../../src/state/derive';
import { trajectoryLayout, CANVAS_THRESHOLD, stepAlpha, markPath } from '../../../src/views/Trajectories/layout';
import { projectRun } from '../../../src/views/Trajectories/project';
import { synthRun } from './fixtures';

describe('projectRun (per-run PCA of the kept states)', () => {
  it('projects every output token at every layer with one fit over all of them', () => {
    const { result, residual } = synthRun({ layers: 3, dim: 6 });
    const r = projectRun(result.states, result.promptLength, result.tokens.length);
    if (!r.ok) throw new Error(r.reason);
    const L = 3;
    const k = result.tokens.length;
    const T = result.promptLength + k;
    expect(r.data.tokens).toHaveLength(k);
    expect(r.data.xy).toHaveLength(k * (L + 1) * 2);
    expect(r.data.dropped).toBe(0);
    // The same fit done by hand: rows token-major within each layer, layer after layer.
    const rows = new Float32Array(k * (L + 1) * 6);
    for (let l = 0; l <= L; l++) rows.set(residual.subarray((l * T + result.promptLength) * 6, (l * T + T) * 6), l * k * 6);
    const p = fitProjection(rows, k * (L + 1), 6, { unit: true, maxSamples: k * (L + 1) });
    const ref = projectStates(p, rows, k * (L + 1));
    for (let l = 0; l <= L; l++) {
      for (let t = 0; t < k; t++) {
        expect(r.data.xy[(t * (L + 1) + l) * 2]).toBeCloseTo(ref[2 * (l * k + t)], 5);
        expect(r.data.xy[(t * (L + 1) + l) * 2 + 1]).toBeCloseTo(ref[2 * (l * k + t) + 1], 5);
      }
    }
    expect(r.data.explained[0]).toBeGreaterThanOrEqual(r.data.explained[1]);
  });

  it('draws only the kept tokens when the cap was reached, and says why when none are kept', () => {
    const { result } = synthRun();
    const capped = projectRun(result.states, result.promptLength, result.tokens.length);
    expect(capped.ok).toBe(true);
    const s = synthRun({ keptPositions: 5 + 4 });
    const r = projectRun(s.result.states, s.result.promptLength, s.result.tokens.length);
    expect(r.ok && r.data.tokens.length).toBe(4);
    expect(r.ok && r.data.dropped).toBe(s.result.tokens.length - 4);
    const none = synthRun({ keptPositions: 3 });
    const n = projectRun(none.result.states, none.result.promptLength, none.result.tokens.length);
    expect(n.ok).toBe(false);
    const no = projectRun(null, 5, 10);
    expect(!no.ok && no.reason).toMatch(/kept no hidden states/);
  });
});

describe('trajectoryLayout', () => {
  const { events, result } = synthRun();
  const view = deriveRun(events, result, 0.8);
  const r = projectRun(result.states, result.promptLength, result.tokens.length);
  if (!r.ok) throw new Error(r.reason);
  const segments = view.rows.map((x) => x.segment);

  it('draws each path from layer 0 to the layer shown and puts the mark at its end', () => {
    const l = trajectoryLayout({ data: r.data, segments, width: 400, height: 300, layer: 2 });
    expect(l.marks).toHaveLength(result.tokens.length);
    for (const m of l.marks) {
      expect(m.points).toHaveLength(3);
      expect([m.x, m.y]).toEqual(m.points[2]);
      expect(m.d.startsWith('M')).toBe(true);
      expect(m.d.split('L')).toHaveLength(3);
    }
    expect(l.marks[1].segment).toBe('reasoning');
    expect(l.canvas).toBe(false);
    const full = trajectoryLayout({ data: r.data, segments, width: 400, height: 300, layer: 99 });
    expect(full.layer).toBe(3);
  });

  it('uses one scale for both axes, inside the box, y upward', () => {
    const l = trajectoryLayout({ data: r.data, segments, width: 400, height: 300, layer: 3, margin: 10 });
    const [x0, x1] = l.x.domain();
    const [y0, y1] = l.y.domain();
    const kx = (l.x(x1) - l.x(x0)) / (x1 - x0);
    const ky = (l.y(y0) - l.y(y1)) / (y1 - y0);
    expect(kx).toBeCloseTo(ky, 9);
    for (const m of l.marks) {
      expect(m.x).toBeGreaterThanOrEqual(10 - 1e-9);
      expect(m.x).toBeLessThanOrEqual(390 + 1e-9);
      expect(m.y).toBeGreaterThanOrEqual(10 - 1e-9);
      expect(m.y).toBeLessThanOrEqual(290 + 1e-9);
    }
    expect(l.y(y1)).toBeLessThan(l.y(y0));
  });

  it('finds the nearest mark within the radius', () => {
    const l = trajectoryLayout({ data: r.data, segments, width: 400, height: 300, layer: 3 });
    for (const m of l.marks) {
      const hit = l.marks.find((q) => q.index === l.find(m.x + 0.5, m.y - 0.5));
      expect(hit).toBeDefined();
      expect(Math.hypot((hit?.x ?? 0) - m.x - 0.5, (hit?.y ?? 0) - m.y + 0.5)).toBeLessThanOrEqual(Math.hypot(0.5, 0.5) + 1e-9);
    }
    expect(l.find(-500, -500)).toBeNull();
  });

  it('switches to canvas past the threshold; step alpha rises with the layer; shapes differ', () => {
    const big = { ...r.data, tokens: Array.from({ length: Math.ceil(CANVAS_THRESHOLD / 4) + 1 }, (_, i) => i % r.data.tokens.length) };
    expect(trajectoryLayout({ data: big, segments, width: 400, height: 300, layer: 3 }).canvas).toBe(true);
    expect(stepAlpha(1, 4)).toBeLessThan(stepAlpha(4, 4));
    expect(stepAlpha(4, 4)).toBe(1);
    expect(markPath('reasoning')).not.toBe(markPath('answer'));
  });
});
