import { describe, expect, it } from 'vitest';
import { SCORERS } from '../../../src/core/scores/index';
import { layerCaption } from '../../../src/views/captions';
import { percent, scoreRows } from '../../../src/views/Confidence/layout';
import { fmt, tokenLabel } from '../../../src/views/shared/format';
import { synthRun } from './fixtures';

describe('confidence rows', () => {
  it('lists every scorer in registry order with its value, arrow and formula', () => {
    const { result } = synthRun();
    const rows = scoreRows(result.scores);
    expect(rows.map((r) => r.id)).toEqual(SCORERS.map((s) => s.id));
    for (const r of rows) {
      const s = SCORERS.find((x) => x.id === r.id);
      expect(r.formula).toBe(s?.formula);
      expect(r.arrow).toBe(s?.orientation === 'higher-is-correct' ? '↑' : '↓');
      expect(r.value).toBe(result.scores[r.id]);
    }
    expect(rows.find((r) => r.id === 'perplexity')?.reads).toBe('lower = more likely correct');
  });

  it('formats numbers and percentages, with a dash for undefined', () => {
    expect(percent(0.5734)).toBe('57.3%');
    expect(percent(0.0042)).toBe('0.42%');
    expect(percent(null)).toBe('—');
    expect(fmt(NaN)).toBe('—');
    expect(fmt(1.23456)).toBe('1.23');
    expect(fmt(123456)).toBe('1.23e+5');
    expect(tokenLabel(' a\n')).toBe('␣a↵');
    expect(tokenLabel('\t-')).toBe('⇥-');
    expect(tokenLabel('  ')).toBe('␣␣');
  });

  it('captions each layer in plain words', () => {
    expect(layerCaption(0, 28)).toMatch(/embedding/);
    expect(layerCaption(28, 28)).toMatch(/last/);
    expect(layerCaption(14, 28)).toMatch(/middle/);
    expect(layerCaption(3, 0)).toBe('');
  });
});
