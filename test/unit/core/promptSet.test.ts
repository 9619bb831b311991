import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sameAnswer } from '../../../src/core/grade';
import { BatchInputError, detectDatasetKind, parsePromptLine, readPromptRecords, type PromptItem } from '../../../src/core/promptSet';

const csvField = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

describe('prompt sets', () => {
  it('reads JSON lines with line numbers, blank lines skipped, bad lines as sentences', () => {
    const text = [
      '{"id": 1, "prompt": "53*2=?", "expected": "106"}',
      '',
      '{"id": "b", "prompt": "1+1=?", "expected": 2}',
      '{"id": 3, "prompt": "1+1=?"}',
      '{"id": 4, "prompt": ',
      '{"id": 5, "prompt": "x", "expected": "7", "output": "<think></think>7"}',
      '{"id": 6, "prompt": "x", "expected": [7]}',
      '{"id": 7, "prompt": "x", "expected": "  "}',
      '{"prompt": "x", "expected": "1"}',
      '{"id": 9, "prompt": 9, "expected": "1"}',
      '{"id": 10, "prompt": "2.5*2=?", "expected": 5.0, "extra": true}',
    ].join('\n');
    const r = readPromptRecords(text, 'jsonl', 'p.jsonl');
    expect(r.map((x) => x.line)).toEqual([1, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(r.map((x) => x.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(r[0].item).toEqual({ line: 1, id: 1, prompt: '53*2=?', expected: '106' });
    expect(r[1].item).toEqual({ line: 3, id: 'b', prompt: '1+1=?', expected: '2' });
    expect(r[2].item).toBe('missing "expected" (the answer to grade the model\'s answer against)');
    expect(r[3].item).toMatch(/^not valid JSON \(/);
    expect(r[4].item).toBe('has an "output": a finished trace, not a prompt to answer');
    expect(r[5].item).toBe('"expected" must be a string or a number, got [7]');
    expect(r[6].item).toBe('"expected" is empty');
    expect(r[7].item).toBe('missing "id"');
    expect(r[8].item).toBe('"prompt" must be a string, got 9');
    expect(r[9].item).toEqual({ line: 11, id: 10, prompt: '2.5*2=?', expected: '5' });
  });

  it('reads CSV id,prompt,expected with quoted fields, in any column order', () => {
    const text = 'expected,id,prompt\r\n106,1,53*2=?\r\n"-58",2,"(38-24)-72=?"\r\n,3,x\r\n4,4\r\n"a"b,5,x\r\n"1,000",6,"say ""hi"",\nthen stop"\r\n';
    const r = readPromptRecords(text, 'csv', 'p.csv');
    expect(r.map((x) => [x.line, x.index])).toEqual([[2, 0], [3, 1], [4, 2], [5, 3], [6, 4], [7, 5]]);
    expect(r[0].item).toEqual({ line: 2, id: '1', prompt: '53*2=?', expected: '106' });
    expect(r[1].item).toEqual({ line: 3, id: '2', prompt: '(38-24)-72=?', expected: '-58' });
    expect(r[2].item).toBe('"expected" is empty');
    expect(r[3].item).toBe('expected 3 fields as in the header, got 2');
    expect(r[4].item).toMatch(/^text after a closing quote/);
    expect(r[5].item).toEqual({ line: 7, id: '6', prompt: 'say "hi",\nthen stop', expected: '1,000' });
  });

  it('one-line errors for an empty file, another schema, a trace file and a bad CSV header', () => {
    const err = (text: string, format: 'jsonl' | 'csv' = 'jsonl'): string => {
      try {
        readPromptRecords(text, format, 'in');
      } catch (e) {
        expect(e).toBeInstanceOf(BatchInputError);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(err('')).toBe('in is empty: no prompts to answer');
    expect(err('\n  \n')).toBe('in is empty: no prompts to answer');
    expect(err('', 'csv')).toBe('in is empty: no prompts to answer');
    expect(err('id,prompt,expected\n', 'csv')).toBe('in has a CSV header but no rows: no prompts to answer');
    expect(err('id,prompt,expected\n1,2,3', 'jsonl')).toBe('in is not JSON lines: no line is valid JSON (for CSV input name the file *.csv or pass --format csv)');
    expect(err('{"name": "x", "value": 3}')).toBe('in is not a prompt set: no line has the field(s) "id", "prompt", "expected" (the first has "name", "value"; expected {"id", "prompt", "expected"})');
    expect(err('{"id": 1, "prompt": "1+1=?", "output": "<think>1+1=2</think>2", "label": 1}')).toBe(
      'in holds finished traces (its lines have "output"), not prompts to answer: score it as traces instead of generating',
    );
    expect(err('id,prompt,output,label\n1,x,y,1\n', 'csv')).toBe('in holds finished traces (its CSV header has "output"), not prompts to answer: score it as traces instead of generating');
    expect(err('id,question,answer\n1,x,y\n', 'csv')).toBe('in is not a prompt set: the CSV header lacks the column(s) "prompt", "expected" (it has "id", "question", "answer"; expected id,prompt,expected)');
    expect(err('"id,prompt,expected\n1,x,y\n', 'csv')).toBe('in: the CSV header (line 1) is malformed: unterminated quoted field');
  });

  it('tells traces from prompt sets', () => {
    expect(detectDatasetKind('{"id":1,"prompt":"x","output":"y","label":1}\n', 'jsonl')).toBe('traces');
    expect(detectDatasetKind('{"id":1,"prompt":"x","expected":"3"}\n', 'jsonl')).toBe('prompts');
    // a generated file (expected, answer and output) is a trace file: it can be scored again
    expect(detectDatasetKind('{"id":1,"prompt":"x","expected":"3","answer":"3","output":"y","label":1}\n', 'jsonl')).toBe('traces');
    expect(detectDatasetKind('not json\n[1]\n{"id":1,"prompt":"x","expected":3}\n', 'jsonl')).toBe('prompts');
    expect(detectDatasetKind('{"a":1}\n', 'jsonl')).toBe('unknown');
    expect(detectDatasetKind('', 'jsonl')).toBe('unknown');
    expect(detectDatasetKind('id,prompt,output,label\n', 'csv')).toBe('traces');
    expect(detectDatasetKind('id,prompt,expected\n', 'csv')).toBe('prompts');
    expect(detectDatasetKind('a,b\n', 'csv')).toBe('unknown');
    expect(detectDatasetKind('', 'csv')).toBe('unknown');
  });

  it('property: any number written as a JSON number reads back as a decimal string that grades as that number', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string(), (x, id) => {
        const item = parsePromptLine(JSON.stringify({ id, prompt: 'p', expected: x }), 1) as PromptItem;
        return Number(item.expected) === x && sameAnswer(JSON.stringify(x), item.expected) && sameAnswer(x.toExponential(), item.expected);
      }),
    );
  });

  it('property: JSON lines and CSV of the same prompts read the same', () => {
    const item = fc.record({ id: fc.integer(), prompt: fc.string(), expected: fc.string({ minLength: 1 }).filter((s) => s.trim() !== '') });
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 8 }), (items) => {
        const jsonl = items.map((x) => JSON.stringify(x)).join('\n');
        const csv = `id,prompt,expected\n${items.map((x) => [String(x.id), x.prompt, x.expected].map(csvField).join(',')).join('\n')}\n`;
        const a = readPromptRecords(jsonl, 'jsonl', 'a').map((r) => r.item as PromptItem);
        const b = readPromptRecords(csv, 'csv', 'b').map((r) => r.item as PromptItem);
        const strip = (x: PromptItem): unknown => ({ id: String(x.id), prompt: x.prompt, expected: x.expected });
        return JSON.stringify(a.map(strip)) === JSON.stringify(b.map(strip)) && a.length === items.length;
      }),
    );
  });
});
