import { describe, expect, it } from 'vitest';
import { deriveRun } from '../../../src/state/derive';
import { indexAt, pixelsOfSpan, spanFromPixels, stepArea, stepLine, stripLayout, STRIP_MARGIN } from '../../../src/views/EnergyStrip/layout';
import { synthRun } from './fixtures';

describe('stripLayout', () => {
  const { events, result } = synthRun();
  const rows = deriveRun(events, result, 0.8).rows;
  const n = rows.length;
  const l = stripLayout(rows, 0.8, 600);

  it('gives each token one column between the margins', () => {
    expect(l.n).toBe(n);
    expect(l.x(0)).toBe(STRIP_MARGIN.left);
    expect(l.x(n)).toBe(600 - STRIP_MARGIN.right);
    expect(l.bands.map((b) => b.key)).toEqual(['energy', 'kappa', 'logProb', 'entropy']);
    // bands stack without overlap
    for (let i = 1; i < l.bands.length; i++) expect(l.bands[i].top).toBeGreaterThan(l.bands[i - 1].top + l.bands[i - 1].height);
    expect(l.height).toBeGreaterThan(l.bands[3].top + l.bands[3].height);
  });

  it('stacks the curvature part on the kinetic part up to the energy', () => {
    const e = l.bands[0];
    expect(e.paths.map((p) => p.key)).toEqual(['kinetic', 'curvature', 'energy']);
    const maxE = Math.max(...rows.map((r) => r.energy));
    expect(e.y.domain()[1]).toBeGreaterThanOrEqual(maxE);
    expect(e.y(0)).toBe(e.top + e.height);
    for (const p of e.paths) expect(p.d.length).toBeGreaterThan(0);
  });

  it('puts log-probabilities below zero and entropy above it', () => {
    const [lpLo, lpHi] = l.bands[2].y.domain();
    expect(lpHi).toBe(0);
    expect(lpLo).toBeLessThanOrEqual(Math.min(...rows.map((r) => r.logProb)));
    const [e0, e1] = l.bands[3].y.domain();
    expect(e0).toBe(0);
    expect(e1).toBeGreaterThanOrEqual(Math.max(...rows.map((r) => r.entropy)));
  });

  it('breaks the energy areas where a token has no value', () => {
    const noStates = synthRun({ states: false });
    const s = stripLayout(deriveRun(noStates.events, noStates.result, 0.8).rows, 0.8, 600);
    expect(s.bands[0].paths.every((p) => p.d === '')).toBe(true);
    expect(s.bands[1].paths[0].d).toBe('');
    expect(s.bands[2].paths[0].d).not.toBe('');
  });

  it('marks v2’s barrier: the reasoning token with the highest surprisal', () => {
    const reasoning = rows.filter((r) => r.segment === 'reasoning');
    const worst = reasoning.reduce((a, r) => (r.logProb < a.logProb ? r : a));
    expect(l.barrier).toBe(worst.index);
    expect(stripLayout(rows.filter((r) => r.segment !== 'reasoning'), 0.8, 600).barrier).toBeNull();
  });

  it('shades the segments as contiguous runs', () => {
    expect(l.segments.map((s) => s.segment)).toEqual(['other', 'reasoning', 'other', 'answer', 'other']);
    expect(l.segments[0].x0).toBe(l.x(0));
    expect(l.segments.at(-1)?.x1).toBe(l.x(n));
  });
});

describe('brushing math', () => {
  const { events, result } = synthRun();
  const rows = deriveRun(events, result, 0.8).rows;
  const l = stripLayout(rows, 0.8, 600);

  it('maps pixels to token indices, clamped to the strip', () => {
    expect(indexAt(l, l.x(3) + 0.01)).toBe(3);
    expect(indexAt(l, l.x(4) - 0.01)).toBe(3);
    expect(indexAt(l, -100)).toBe(0);
    expect(indexAt(l, 10_000)).toBe(rows.length - 1);
  });

  it('turns a brushed range into the inclusive span it touches, and back', () => {
    expect(spanFromPixels(l, l.x(2) + 1, l.x(5) + 1)).toEqual([2, 5]);
    expect(spanFromPixels(l, l.x(5) + 1, l.x(2) + 1)).toEqual([2, 5]);
    // a range that ends exactly on a column edge does not take the next column
    expect(spanFromPixels(l, l.x(2), l.x(5))).toEqual([2, 4]);
    const px = pixelsOfSpan(l, [2, 4]);
    expect(px).toEqual([l.x(2), l.x(5)]);
    expect(spanFromPixels(l, px[0], px[1])).toEqual([2, 4]);
  });

  it('has no span on an empty strip', () => {
    const e = stripLayout([], 0.8, 600);
    expect(indexAt(e, 100)).toBeNull();
    expect(spanFromPixels(e, 0, 100)).toBeNull();
  });
});

describe('step paths', () => {
  const x = (i: number) => 10 * i;
  it('draws a stepped area along the top and back along the bottom', () => {
    const hi = [5, 3];
    expect(stepArea(2, x, () => 10, (i) => hi[i], () => true)).toBe('M0,5H10V3H20V10H10V10H0Z');
  });

  it('breaks areas and lines where values are missing', () => {
    const v = [1, NaN, 2];
    const ok = (i: number) => Number.isFinite(v[i]);
    expect(stepArea(3, x, () => 0, (i) => v[i], ok)).toBe('M0,1H10V0H0ZM20,2H30V0H20Z');
    expect(stepLine(3, x, (i) => v[i], ok)).toBe('M0,1H10M20,2H30');
    expect(stepLine(3, x, (i) => [1, 2, 3][i], () => true)).toBe('M0,1H10V2H20V3H30');
    expect(stepArea(0, x, () => 0, () => 0, () => true)).toBe('');
  });
});
