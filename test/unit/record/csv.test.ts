import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFakeEngine } from '../../../src/engine/fake';
import type { TokenEvent } from '../../../src/engine/run';
import { CSV_COLUMNS, runToCsv } from '../../../src/record/csv';
import type { SavedRun } from '../../../src/record/types';
import { deriveRun } from '../../../src/state/derive';
import { savedRunArb } from './arbitraries';

/** An RFC 4180 reader (quoted fields, doubled quotes, CRLF), to read back what runToCsv wrote. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else cell += c;
      i++;
      continue;
    }
    if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
    i++;
  }
  expect(cell).toBe('');
  expect(row).toEqual([]);
  return rows;
}

const cellNumber = (s: string) => (s === '' ? NaN : s === 'inf' ? Infinity : s === '-inf' ? -Infinity : Number(s));

async function fakeRun(output = '<think>\n"a, b"\n2+2=4\n</think>\n\n4<|im_end|>'): Promise<SavedRun> {
  const api = createFakeEngine({ delayMs: 0 });
  await api.load({ kind: 'bundled' });
  const events: TokenEvent[] = [];
  const result = await api.score('r', 'say "hi", then 2+2', output, { gamma: 0.8 }, (b) => events.push(...b.tokens));
  return {
    meta: {
      id: 'r',
      name: 'n',
      createdAt: '2025-01-01T00:00:00.000Z',
      model: { name: 'fake', source: 'bundled', variant: 'fake', backend: 'wasm', layers: 4, hidden: 8, vocab: 100 },
      input: { mode: 'paste', question: '', trace: '', pasteFormat: 'text', fieldPrompt: '', fieldReasoning: '', fieldAnswer: '' },
      settings: { gamma: 0.3, formulation: 'cotkV2' },
      keptStates: false,
      appVersion: 'dev',
    },
    run: { id: 'r', kind: 'score', prompt: 'p', status: 'done', events, result: { ...result, states: null }, error: null },
  };
}

describe('per-token CSV', () => {
  it('has the documented header, one row per token, and reads back to the page’s numbers at the run’s γ', async () => {
    const saved = await fakeRun();
    const rows = readCsv(runToCsv(saved));
    const view = deriveRun(saved.run.events, saved.run.result, 0.3);
    expect(rows[0]).toEqual([...CSV_COLUMNS, 'speed_1', 'speed_2', 'speed_3', 'speed_4']);
    expect(rows.length - 1).toBe(view.rows.length);
    const col = (name: string) => rows[0].indexOf(name);
    view.rows.forEach((r, i) => {
      const cells = rows[i + 1];
      expect(cells[col('text')]).toBe(r.text);
      expect(cells[col('segment')]).toBe(r.segment);
      for (const k of ['logProb', 'entropy', 'kinetic', 'curvature', 'energy', 'kappa', 'lagrangian'] as const) {
        expect(Object.is(cellNumber(cells[col(k)]), r[k]), `${k} of token ${i}`).toBe(true);
      }
      // v1 energy at the run's γ = 0.3, not the engine's 0.8
      expect(cellNumber(cells[col('energy')])).toBe(0.3 * r.kinetic + 0.7 * r.curvature);
      for (let l = 0; l < 4; l++) expect(Math.fround(cellNumber(cells[col(`speed_${l + 1}`)]))).toBe(r.speeds[l]);
    });
    // the trace's quotes, commas and line breaks survive quoting
    expect(view.rows.map((r) => r.text).join('')).toContain('"a, b"');
  });

  it('names the run’s answer in words on every row, and leaves it empty when the run has none', async () => {
    const rows = readCsv(runToCsv(await fakeRun()));
    const at = rows[0].indexOf('runAnswer');
    expect(at).toBeGreaterThan(0);
    expect(new Set(rows.slice(1).map((r) => r[at]))).toEqual(new Set(['4']));
    const quoted = readCsv(runToCsv(await fakeRun('<think>\n1\n</think>\n\n4, "four"<|im_end|>')));
    expect(new Set(quoted.slice(1).map((r) => r[at]))).toEqual(new Set(['4, "four"']));
    const open = readCsv(runToCsv(await fakeRun('<think>\n2+2=4\nand then')));
    expect(new Set(open.slice(1).map((r) => r[at]))).toEqual(new Set(['']));
  });

  it('any generated run: the text column reads back exactly, NaN is an empty cell (property)', () => {
    fc.assert(
      fc.property(savedRunArb, (saved) => {
        const rows = readCsv(runToCsv(saved));
        const view = deriveRun(saved.run.events, saved.run.result, saved.meta.settings.gamma);
        expect(rows.length).toBe(view.rows.length + 1);
        view.rows.forEach((r, i) => {
          expect(rows[i + 1][3]).toBe(r.text);
          expect(rows[i + 1].length).toBe(rows[0].length);
          const lp = cellNumber(rows[i + 1][5]);
          expect(Number.isNaN(r.logProb) ? Number.isNaN(lp) : lp === r.logProb).toBe(true);
        });
      }),
      { numRuns: 200 },
    );
  });
});
