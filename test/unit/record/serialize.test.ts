import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeEngine } from '../../../src/engine/fake';
import type { Engine } from '../../../src/engine/index';
import { projectRun } from '../../../src/engine/projection';
import type { RunResult, TokenEvent } from '../../../src/engine/run';
import { float32Text, locateJsonFault, numberText } from '../../../src/record/jsonText';
import { parseRunFile, RunFileError, serializeRun } from '../../../src/record/serialize';
import { snapshotRun } from '../../../src/record/snapshot';
import { RUN_FORMAT, RUN_VERSION, type SavedRun } from '../../../src/record/types';
import { deriveRun } from '../../../src/state/derive';
import { initialModel, initialState, type RunState, type StoreState } from '../../../src/state/slices';
import { openTestEngine } from '../engine/helpers';
import { sameBits, savedRunArb } from './arbitraries';

/** A page state holding `run`, as the store would after it finished (for snapshotRun). */
function pageWith(run: RunState, info: StoreState['model']['info'] = null, question = ''): StoreState {
  return {
    ...initialState(),
    question,
    model: { ...initialModel.model, status: 'ready', info },
    run,
  };
}

function roundTrip(saved: SavedRun): SavedRun {
  return parseRunFile(serializeRun(saved));
}

function expectSame(a: unknown, b: unknown): void {
  expect(sameBits(a, b)).toBeNull();
}

describe('number and float32 text', () => {
  it('writes the numbers JSON cannot hold as strings Python reads', () => {
    expect([NaN, Infinity, -Infinity, -0, 0, 1.5, 1e-300].map(numberText)).toEqual(['"NaN"', '"Infinity"', '"-Infinity"', '"-0"', '0', '1.5', '1e-300']);
  });

  it('writes each float32 as the shortest decimal that reads back as the same float32', () => {
    expect(float32Text(Math.fround(0.1))).toBe('0.1');
    expect(float32Text(Math.fround(1 / 3))).toBe('0.33333334');
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (v) => {
        const s = float32Text(v);
        if (Object.is(v, -0)) return s === '"-0"';
        return Object.is(Math.fround(Number(s)), v) && s.replace(/^-|e.*$|\./g, '').replace(/^0+|0+$/g, '').length <= 9;
      }),
      { numRuns: 2000 },
    );
  });
});

describe('serializeRun / parseRunFile round trip', () => {
  it('parse(serialize(x)) is x, typed arrays, NaN, ±Infinity and −0 included (property)', () => {
    fc.assert(
      fc.property(savedRunArb, (saved) => {
        const back = roundTrip(saved);
        const d = sameBits(back, saved);
        if (d) throw new Error(d);
        // Deterministic: writing the read-back run gives the same bytes.
        expect(serializeRun(back)).toBe(serializeRun(saved));
      }),
      { numRuns: 300 },
    );
  });

  it('writes format and version first, keys sorted, and base64 only for the state blocks', () => {
    const [saved] = fc.sample(
      savedRunArb.filter((s) => s.meta.keptStates),
      { numRuns: 1, seed: 7 },
    );
    const text = serializeRun(saved);
    expect(text.startsWith(`{\n  "format": "${RUN_FORMAT}",\n  "version": ${RUN_VERSION},\n  "meta": `)).toBe(true);
    const parsed = JSON.parse(text) as { run: { result: { states: { residual: object }; tokens: { speeds: object }[] } } };
    expect(Object.keys(parsed.run.result.states.residual)).toEqual(['$f32b64']);
    for (const t of parsed.run.result.tokens) expect(Object.keys(t.speeds)).toEqual(['$f32']);
    expect(Object.keys(JSON.parse(text).meta)).toEqual([...Object.keys(JSON.parse(text).meta)].sort());
  });

  it('round-trips a run of the fake engine bit for bit, and its scores on the page too', async () => {
    const api = createFakeEngine({ delayMs: 0 });
    const info = await api.load({ kind: 'bundled' });
    const events: TokenEvent[] = [];
    const result = await api.generate('r1', '(12+7)*3=?', { gamma: 0.8 }, (b) => events.push(...b.tokens));
    const run: RunState = { id: 'r1', kind: 'generate', prompt: '(12+7)*3=?', status: 'done', events, result, error: null };
    for (const keepStates of [false, true]) {
      const saved = snapshotRun(pageWith(run, info, '(12+7)*3=?'), { keepStates, now: new Date(0) })!;
      expect(saved.meta.keptStates).toBe(keepStates);
      const back = roundTrip(saved);
      expectSame(back, saved);
      expectSame(deriveRun(back.run.events, back.run.result, 0.8).scores, deriveRun(events, result, 0.8).scores);
    }
  });

  describe('a run of the real engine (bundled tiny-reasoner, onnxruntime-node)', () => {
    let engine: Engine;
    beforeAll(async () => {
      engine = await openTestEngine();
    }, 120_000);
    afterAll(async () => {
      await engine?.release();
    });

    it('keeps every score, token number and kept state bit-identical', async () => {
      const events: TokenEvent[] = [];
      const r = await engine.generate('(12+7)*3=?', {}, (t) => events.push(t));
      const result: RunResult = { ...r, projection: projectRun(r.states, r.promptLength, r.tokens.length) };
      expect(result.tokens.length).toBeGreaterThan(10);
      expect(Number.isFinite(result.scores.cotkV2 ?? NaN)).toBe(true);
      const run: RunState = { id: 'real', kind: 'generate', prompt: '(12+7)*3=?', status: 'done', events, result, error: null };
      const saved = snapshotRun(pageWith(run, null, '(12+7)*3=?'), { keepStates: true })!;
      const back = roundTrip(saved);
      expectSame(back, saved);
      for (const [k, v] of Object.entries(result.scores)) expect(Object.is(back.run.result!.scores[k as keyof typeof result.scores], v), k).toBe(true);
      expectSame(deriveRun(back.run.events, back.run.result, 0.8), deriveRun(events, result, 0.8));
      expect(back.run.result!.states!.residual.length).toBe(result.states!.residual.length);
    });
  });
});

describe('parseRunFile refuses what is not a run, with one sentence', () => {
  const good = () => {
    const [saved] = fc.sample(
      savedRunArb.filter((s) => s.run.result !== null && s.run.result.tokens.length >= 4 && s.meta.model.layers > 0),
      { numRuns: 1, seed: 3 },
    );
    return saved;
  };
  const errorOf = (text: string): string => {
    try {
      parseRunFile(text);
    } catch (e) {
      expect(e).toBeInstanceOf(RunFileError);
      return (e as Error).message;
    }
    throw new Error('parsed');
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the test edits parsed JSON freely
  const mutate = (f: (o: Record<string, any>) => void): string => {
    const o = JSON.parse(serializeRun(good()));
    f(o);
    return errorOf(JSON.stringify(o));
  };

  it('an empty file, or text that is not JSON', () => {
    expect(errorOf('')).toMatch(/empty/);
    expect(errorOf('id,prompt,output\n1,2,3')).toMatch(/not valid JSON: the text breaks at byte 0 \(line 1, column 1\)/);
    expect(errorOf('{"format": "cotk-run",\n "version": 1 x}')).toMatch(/breaks at byte 37 \(line 2, column 15\)/);
  });

  it('a truncated file: where it ends', () => {
    const text = serializeRun(good());
    for (const cut of [1, 10, Math.floor(text.length / 2), text.length - 3]) {
      const part = text.slice(0, cut);
      expect(errorOf(part)).toBe(
        `The file is not complete JSON: it is truncated at byte ${new TextEncoder().encode(part).length} (it ends in the middle of the data; was the download or copy cut short?).`,
      );
    }
  });

  it('calls every cut-short prefix of valid JSON truncated, and points at the bad character otherwise', () => {
    fc.assert(
      fc.property(fc.json(), fc.nat(), (json, k) => {
        const cut = json.slice(0, k % (json.length + 1));
        let ok = true;
        try {
          JSON.parse(cut);
        } catch {
          ok = false;
        }
        const fault = locateJsonFault(cut);
        if (ok) return fault === null;
        // A prefix of valid JSON can only fail by ending early.
        return fault?.kind === 'truncated';
      }),
      { numRuns: 2000 },
    );
    expect(locateJsonFault('[1, 2')).toEqual({ kind: 'truncated' });
    expect(locateJsonFault('[1, 2]]')).toEqual({ kind: 'invalid', index: 6 });
    expect(locateJsonFault('{"a": tru')).toEqual({ kind: 'truncated' });
    expect(locateJsonFault('{"a": trx}')).toEqual({ kind: 'invalid', index: 6 });
    expect(locateJsonFault('"\\u12')).toEqual({ kind: 'truncated' });
  });

  it('JSON that is not ours', () => {
    expect(errorOf('[1, 2]')).toBe('This is not a CoT-Kinetics run file: a run file is a JSON object with "format": "cotk-run", and this file holds an array.');
    expect(errorOf('{"cases": []}')).toMatch(/captured states for `cotk states`/);
    expect(errorOf('{"format": "other", "version": 1}')).toBe('This is not a CoT-Kinetics run file: its "format" is "other", not "cotk-run".');
    expect(errorOf('{"hello": 1}')).toBe('This is not a CoT-Kinetics run file: it has no "format": "cotk-run" field.');
  });

  it('a newer or missing version', () => {
    expect(mutate((o) => (o.version = 2))).toBe('This run file was made by a newer version of the app (v2); this app reads v1 — update the app to open it.');
    expect(mutate((o) => delete o.version)).toMatch(/no usable version/);
    expect(mutate((o) => (o.version = '1'))).toMatch(/no usable version \(expected "version": 1, got string "1"\)/);
  });

  it('names each schema violation by its path', () => {
    expect(mutate((o) => (o.run.result.tokens[3].speeds = 'fast'))).toBe(
      'run.result.tokens[3].speeds: expected Float32Array data ({"$f32": [...]} or {"$f32b64": "..."}), got string "fast".',
    );
    expect(mutate((o) => delete o.meta.model)).toBe('meta.model: expected an object, got nothing (the field is missing).');
    expect(mutate((o) => (o.run.events[1].logProb = null))).toMatch(/^run\.events\[1\]\.logProb: expected a number/);
    expect(mutate((o) => (o.run.result.tokens[2].index = 7))).toBe('run.result.tokens[2].index: expected 2 (tokens are listed in order), got 7.');
    expect(mutate((o) => (o.run.status = 'running'))).toBe('run.status: expected one of "done", "cancelled", "error", got string "running".');
    expect(mutate((o) => (o.meta.settings.gamma = 3))).toBe('meta.settings.gamma: expected γ between 0 and 1, got 3.');
    expect(mutate((o) => (o.run.result.ids[0] = 1.5))).toBe('run.result.ids[0]: expected a whole number, got number 1.5.');
    expect(mutate((o) => (o.run.result.tokens[0].speeds = { $f32b64: 'AAAA' }))).toBe('run.result.tokens[0].speeds.$f32b64: base64 data of 3 bytes is not a whole number of float32 values (4 bytes each).');
    expect(mutate((o) => (o.run.result.tokens[0].speeds = { $f32: [1, 'x'] }))).toMatch(/^run\.result\.tokens\[0\]\.speeds\.\$f32\[1\]: expected a number/);
    expect(mutate((o) => (o.meta.keptStates = !o.meta.keptStates))).toMatch(/^meta\.keptStates: says/);
  });

  it('refuses a __proto__ key anywhere and never changes a prototype', () => {
    const text = serializeRun(good()).replace('"appVersion"', '"__proto__": {"polluted": true}, "appVersion"');
    expect(errorOf(text)).toMatch(/^meta\.__proto__: the key "__proto__" is not allowed/);
    const deep = serializeRun(good()).replace('"logProb"', '"__proto__": {"polluted": true}, "logProb"');
    expect(errorOf(deep)).toMatch(/__proto__: the key "__proto__" is not allowed/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('ignores unknown keys (a later v1 may add optional fields) and keeps none of them', () => {
    const o = JSON.parse(serializeRun(good()));
    o.run.extra = { constructor: 'x' };
    o.meta.model.future = 1;
    const back = parseRunFile(JSON.stringify(o));
    expect('extra' in back.run).toBe(false);
    expect('future' in back.meta.model).toBe(false);
  });
});
