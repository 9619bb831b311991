import { describe, expect, it } from 'vitest';
import { deriveRun } from '../../../src/state/derive';
import { textOn, robustDomain } from '../../../src/views/shared/palette';
import { textLayout } from '../../../src/views/TextView/layout';
import { synthRun } from './fixtures';

describe('textLayout', () => {
  const { events, result } = synthRun();
  const rows = deriveRun(events, result, 0.8).rows;

  it('groups tokens into segment blocks and numbered reasoning steps at newlines', () => {
    const l = textLayout(rows, 'energy');
    expect(l.blocks.map((b) => b.segment)).toEqual(['other', 'reasoning', 'other', 'answer', 'other']);
    const reasoning = l.blocks[1];
    expect(reasoning.lines.map((x) => x.step)).toEqual([1, 2]);
    expect(reasoning.lines[0].tokens.map((t) => t.shown).join('')).toBe('12+7=19');
    expect(reasoning.lines[0].tokens.at(-1)?.breaks).toBe(1);
    expect(l.steps).toBe(2);
    expect(l.blocks[3].lines[0].step).toBe(0);
  });

  it('tints by the metric over a robust domain, with a readable text colour', () => {
    const l = textLayout(rows, 'surprise');
    const values = rows.map((r) => -r.logProb);
    expect(l.domain).toEqual(robustDomain(values));
    const all = l.blocks.flatMap((b) => b.lines.flatMap((x) => x.tokens));
    expect(all).toHaveLength(rows.length);
    for (const t of all) {
      expect(t.bg).toBe(l.scale(t.value));
      expect(t.fg).toBe(textOn(t.bg as string));
    }
    expect(l.missing).toBe(0);
  });

  it('leaves tokens without a value untinted and counts them', () => {
    const s = synthRun({ states: false });
    const l = textLayout(deriveRun(s.events, s.result, 0.8).rows, 'energy');
    expect(l.missing).toBe(s.events.length);
    expect(l.blocks.flatMap((b) => b.lines.flatMap((x) => x.tokens)).every((t) => t.bg === null)).toBe(true);
  });

  it('robustDomain ignores NaN and one outlier; textOn picks contrast', () => {
    const v = [...Array.from({ length: 100 }, (_, i) => i / 100), 1000, NaN];
    const [a, b] = robustDomain(v);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(b).toBeLessThan(2);
    expect(robustDomain([NaN])).toEqual([0, 1]);
    expect(robustDomain([3, 3])).toEqual([2.5, 3.5]);
    expect(textOn('#ffffff')).toBe('#000000');
    expect(textOn('#00204d')).toBe('#ffffff');
  });
});
