import { describe, expect, it } from 'vitest';
import { BatchInputError, formatOfName, readRecords } from '../../../src/core/batchInput';
import { evaluateRows, METRIC_KEYS, type BatchRow } from '../../../src/core/batchEval';
import { formatScore, toCsv, toJsonl, visibleRows } from '../../../src/views/Batch/batchData';
import type { ScoredTrace } from '../../../src/state/batchStore';
import { parseCsv } from '../../../src/core/csv';

function trace(line: number, label: 0 | 1 | undefined, v: number | null, id: unknown = `t${line}`): ScoredTrace {
  const scores: Record<string, number | null> = {};
  for (const k of METRIC_KEYS) scores[k] = v === null ? null : v + METRIC_KEYS.indexOf(k);
  const row: BatchRow = label === undefined ? { id, line, scores } : { id, line, label, scores };
  return { row, prompt: `p${line}`, output: `o${line}` };
}

describe('batch input in src/core (shared with cotk batch)', () => {
  it('reads JSON lines and CSV, listing bad lines with their numbers', () => {
    const jl = readRecords('{"id":1,"prompt":"a","output":"b","label":1}\nnot json\n\n{"id":2,"prompt":"c","output":"d","label":7}\n', 'jsonl', 'f');
    expect(jl.map((r) => [r.line, typeof r.item])).toEqual([
      [1, 'object'],
      [2, 'string'],
      [4, 'string'],
    ]);
    expect(jl[2].item).toMatch(/"label" must be 0 or 1/);
    const csv = readRecords('id,prompt,output,label\nx,"1+1=?","<think>\n2\n</think>\n\n2",1\ny,a\n', 'csv', 'f.csv');
    expect(csv[0].item).toMatchObject({ line: 2, id: 'x', prompt: '1+1=?', label: 1 });
    expect(csv[1]).toMatchObject({ line: 7, item: 'expected 4 fields as in the header, got 2' });
    expect(parseCsv('a,"b""c"\n').records[0].fields).toEqual(['a', 'b"c']);
  });

  it('rejects an empty file and one of another schema with a BatchInputError', () => {
    expect(() => readRecords('\n\n', 'jsonl', 'e.jsonl')).toThrow(BatchInputError);
    expect(() => readRecords('{"q":1}\n', 'jsonl', 'o.jsonl')).toThrow(/not batch input/);
    expect(() => readRecords('a,b\n1,2\n', 'csv', 'o.csv')).toThrow(/lacks the column/);
    expect(formatOfName('x.CSV')).toBe('csv');
    expect(formatOfName('x.jsonl')).toBe('jsonl');
  });
});

describe('batch table and export', () => {
  const rows = [trace(3, 1, 0.5), trace(1, 0, 2), trace(2, 1, null), trace(5, 0, -1)];

  it('sorts by a score either way, nulls last, and filters by label', () => {
    expect(visibleRows(rows, 'line', false, 'all').map((r) => r.row.line)).toEqual([1, 2, 3, 5]);
    expect(visibleRows(rows, 'perplexity', false, 'all').map((r) => r.row.line)).toEqual([5, 3, 1, 2]);
    expect(visibleRows(rows, 'perplexity', true, 'all').map((r) => r.row.line)).toEqual([1, 3, 5, 2]);
    expect(visibleRows(rows, 'line', false, '1').map((r) => r.row.line)).toEqual([2, 3]);
    expect(visibleRows(rows, 'line', false, '0').map((r) => r.row.line)).toEqual([1, 5]);
  });

  it('exports the rows as cotk batch writes them (JSON lines, input order) and as CSV', () => {
    const jl = toJsonl(rows).split('\n');
    expect(jl).toHaveLength(5);
    expect(jl[4]).toBe('');
    expect(JSON.parse(jl[0])).toEqual(rows[1].row);
    expect(jl[0]).toBe(JSON.stringify(rows[1].row));
    expect(Object.keys(JSON.parse(jl[0]))).toEqual(['id', 'line', 'label', 'scores']);
    const csv = parseCsv(toCsv([trace(1, 1, 0.25, 'a,"b"'), trace(2, undefined, null, 7)]));
    expect(csv.errors).toEqual([]);
    expect(csv.records[0].fields).toEqual(['id', 'prompt', 'output', 'label', 'line', ...METRIC_KEYS]);
    expect(csv.records[1].fields.slice(3, 6)).toEqual(['1', '1', '0.25']);
    expect(csv.records[1].fields[0]).toBe('a,"b"');
    expect(csv.records[2].fields.slice(3, 6)).toEqual(['', '2', '']);
    // and it reads back as traces
    const back = readRecords(toCsv([trace(1, 1, 0.25, 'a,"b"'), trace(2, undefined, null, 7)]), 'csv', 'scores.csv').map((r) => r.item);
    expect(back).toEqual([
      { line: 2, id: 'a,"b"', prompt: 'p1', output: 'o1', label: 1 },
      { line: 3, id: '7', prompt: 'p2', output: 'o2' },
    ]);
  });

  it('leaves null scores out of the metrics and counts them, as the CLI does', () => {
    const m = evaluateRows(rows.map((r) => r.row), 'v2');
    if (typeof m === 'string') throw new Error(m);
    expect(m.metrics.perplexity).toMatchObject({ n: 3, undefined: 1, orientation: 'lower-is-correct' });
    expect(m.n).toBe(4);
    expect(formatScore(null)).toBe('—');
    expect(formatScore(1.5)).toBe('1.5000');
    expect(formatScore(1e-6)).toBe('1.000e-6');
  });
});
