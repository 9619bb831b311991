import { describe, expect, it } from 'vitest';
import { trajectoryLayout } from '../../../src/views/Trajectories/layout';
import { recordProbe } from '../../reliability';

/** A projection holding NaN or ±Infinity (a crafted or damaged run file) lays out with no invalid SVG path. */
describe('trajectory layout of a non-finite projection', () => {
  const layers = 2;
  const per = layers + 1;
  const xy = (f: (t: number, l: number, c: number) => number, tokens: number) => {
    const a = new Float32Array(tokens * per * 2);
    for (let t = 0; t < tokens; t++) for (let l = 0; l < per; l++) for (let c = 0; c < 2; c++) a[(t * per + l) * 2 + c] = f(t, l, c);
    return a;
  };
  const input = (a: Float32Array, tokens: number) => ({
    data: { tokens: Array.from({ length: tokens }, (_, i) => i), layers, xy: a, explained: [0.5, 0.2] as [number, number], dropped: 0 },
    segments: Array.from({ length: tokens }, () => 'reasoning' as const),
    width: 300,
    height: 200,
    layer: layers,
  });

  it('draws the finite tokens, counts the others, and no path holds NaN', () => {
    const a = xy((t, l, c) => (t === 1 ? NaN : t === 2 && l === 1 ? Infinity : t + l + c), 4);
    const l = trajectoryLayout(input(a, 4));
    expect(l.marks.map((m) => m.index)).toEqual([0, 3]);
    expect(l.unplotted).toBe(2);
    for (const m of l.marks) {
      expect(m.d).not.toMatch(/NaN|Infinity/);
      expect(Number.isFinite(m.x) && Number.isFinite(m.y)).toBe(true);
    }
    recordProbe({ area: 'run-file import', input: 'projection with NaN and Infinity positions', outcome: 'handled', said: '2 token(s) are not drawn: their projected position is not a number (NaN or infinite in the run).', kept: 'the run; finite token paths drawn, the others counted in the summary' });
  });

  it('an all-NaN projection draws nothing and says so', () => {
    const l = trajectoryLayout(input(xy(() => NaN, 3), 3));
    expect(l.marks).toEqual([]);
    expect(l.unplotted).toBe(3);
    expect(Number.isFinite(l.x(0)) && Number.isFinite(l.y(0))).toBe(true);
  });
});
