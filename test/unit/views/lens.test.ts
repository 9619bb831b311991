import { describe, expect, it } from 'vitest';
import { lensInput, lensKey, lensRows, vocabularyOf } from '../../../src/state/lens';
import { lensTable, spell } from '../../../src/views/LogitLens/layout';
import { stateValue, synthRun } from './fixtures';

describe('lens state slicing', () => {
  it('copies token i’s R[0..L] at its own position out of [L+1][T][d], with the next token as target', () => {
    const s = synthRun({ layers: 3, dim: 4, promptLength: 5 });
    const inp = lensInput(s.result, 2);
    if (!inp.ok) throw new Error(inp.reason);
    expect([inp.position, inp.layers, inp.hidden, inp.states.length]).toEqual([7, 3, 4, 16]);
    for (let l = 0; l <= 3; l++) for (let k = 0; k < 4; k++) expect(inp.states[l * 4 + k]).toBeCloseTo(stateValue(7, l, k), 5);
    expect(inp.targetId).toBe(s.result.ids[8]);
    expect(inp.states.buffer).not.toBe(s.result.states!.residual.buffer); // a copy: the client may transfer it
  });

  it('has no target for the last token, and explains missing or capped states', () => {
    const s = synthRun();
    const last = lensInput(s.result, s.result.tokens.length - 1);
    expect(last.ok && last.targetId).toBeNull();
    expect(lensInput(synthRun({ states: false }).result, 1)).toMatchObject({ ok: false, reason: expect.stringMatching(/kept no hidden states/) });
    expect(lensInput(synthRun({ keptPositions: 7 }).result, 2)).toMatchObject({ ok: false, reason: expect.stringMatching(/first 7 positions/) });
    expect(lensInput(synthRun({ keptPositions: 7 }).result, 1).ok).toBe(true);
    expect(lensInput(s.result, 99)).toMatchObject({ ok: false });
    expect(lensKey('run-1', 3)).not.toBe(lensKey('run-1', 4));
  });
});

describe('lens read-out', () => {
  const res = {
    topIds: Int32Array.from([7, 8, 9, 9, 7, 8]),
    topLogProbs: Float32Array.from([Math.log(0.5), Math.log(0.3), Math.log(0.1), Math.log(0.9), Math.log(0.05), Math.log(0.01)]),
    targetLogProb: Float32Array.from([Math.log(0.1), Math.log(0.9)]),
  };

  it('turns flat [n][k] log-probabilities into rows of probabilities', () => {
    const rows = lensRows(res, 2, 3);
    expect(rows[1].topIds).toEqual([9, 7, 8]);
    expect(rows[0].topProbs[0]).toBeCloseTo(0.5, 6);
    expect(rows[1].targetProb).toBeCloseTo(0.9, 6);
    expect(lensRows({ ...res, targetLogProb: null }, 2, 3)[0].targetProb).toBeNull();
  });

  it('spells ids by the output’s own token text, says where the lens settles, and flags unknown ids', () => {
    const vocab = vocabularyOf([{ id: 9, text: '\n' } as never, { id: 7, text: '7' } as never, { id: 7, text: 'x' } as never]);
    expect(spell(9, vocab)).toEqual({ label: '↵', known: true });
    expect(spell(7, vocab).label).toBe('7'); // the first occurrence wins
    const t = lensTable(lensRows(res, 2, 3), 9, vocab);
    expect(t.rows.map((r) => r.top.label)).toEqual(['7', '↵']);
    expect(t.settlesAt).toBe(1);
    expect(t.unknownIds).toBe(true); // id 8 has no text on the page
    expect(t.rows[0].others[0]).toMatchObject({ id: 8, label: '#8', known: false });
    // Where the final prediction settles does not depend on the picked token's target (#13).
    expect(lensTable(lensRows(res, 2, 3), null, vocab).settlesAt).toBe(1);
    // A top-1 that leaves the final prediction and comes back settles at its last return.
    const flip = { topIds: Int32Array.from([9, 7, 9]), topLogProbs: Float32Array.from([-1, -1, -1]), targetLogProb: null };
    expect(lensTable(lensRows(flip, 3, 1), null, vocab).settlesAt).toBe(2);
  });
});
