import { describe, expect, it } from 'vitest';
import {
  checkProfileKey,
  fitProfile,
  parseProfile,
  ProfileError,
  profileKeyMismatch,
  profileKeyOf,
  serializeProfile,
  V2_BARRIER,
  V2_KAPPA,
  type CalibrationRow,
} from '../../../src/core/calibration/index';

const KEY = { model: 'tiny-reasoner', revision: 'fnv1a:abc:10', dtype: 'fp32-cpu' };

function rows(n: number): CalibrationRow[] {
  return Array.from({ length: n }, (_, i) => {
    const label = (i % 3 === 0 ? 0 : 1) as 0 | 1;
    const w = ((i * 37) % 11) / 11;
    return {
      id: i,
      label,
      scores: { perplexity: 1 + w + (label ? 0 : 0.8), maxProb: 0.9 - w / 2, coeC: 2 + w, [V2_BARRIER]: w * 2 + (label ? 0 : 2), [V2_KAPPA]: 2 - w, cotkEnergy: w },
    };
  });
}

const profile = fitProfile(rows(60), { key: KEY, datasetName: 'synthetic', createdAt: '2026-01-01T00:00:00.000Z' });
const text = serializeProfile(profile);

/** The profile's JSON changed by `edit`, as text. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test edits the JSON at any depth
type Json = any;
function edited(edit: (o: Json) => void): string {
  const o = JSON.parse(text) as Json;
  edit(o);
  return JSON.stringify(o);
}

function refusal(t: string): string {
  try {
    parseProfile(t);
  } catch (e) {
    expect(e).toBeInstanceOf(ProfileError);
    return (e as Error).message;
  }
  throw new Error('accepted');
}

describe('parseProfile', () => {
  it('reads back what fitProfile wrote, number for number', () => {
    expect(parseProfile(text)).toEqual(profile);
    expect(parseProfile(`\ufeff${text}`)).toEqual(profile);
  });

  it('refuses text that is not JSON, truncated or empty, saying where', () => {
    expect(refusal('')).toMatch(/^The file is empty: a calibration profile is JSON/);
    expect(refusal(text.slice(0, 200))).toBe(`The file is not complete JSON: it is truncated at byte 200 (it ends in the middle of the data; was the download or copy cut short?).`);
    expect(refusal('{"format": cotk}')).toMatch(/^The file is not valid JSON: the text breaks at byte 11 \(line 1, column 12\), so it is not a calibration profile\.$/);
  });

  it('refuses another kind of file, naming what it looks like', () => {
    expect(refusal('[1, 2]')).toMatch(/not a calibration profile: a profile is a JSON object .* this file holds an array/);
    expect(refusal('{"format": "cotk-run", "version": 1}')).toMatch(/it is a run file exported from the app/);
    expect(refusal('{"metrics": {}, "n": 3}')).toMatch(/looks like the metrics line of cotk batch/);
  });

  it('refuses a newer version and a missing one', () => {
    expect(refusal(edited((o) => (o.version = 2)))).toBe('This calibration profile was made by a newer version of the app (v2); this app reads v1 — update the app to use it.');
    expect(refusal(edited((o) => delete o.version))).toMatch(/no usable version \(expected "version": 1, got nothing/);
  });

  it('names schema problems by their path', () => {
    expect(refusal(edited((o) => (o.key.model = 3)))).toBe('key.model: expected a string, got number 3.');
    expect(refusal(edited((o) => (o.scorers.perplexity.map.p[0] = 1.5)))).toBe('scorers.perplexity.map.p[0]: expected a number between 0 and 1, got 1.5.');
    expect(refusal(edited((o) => o.verdict.model.weights.pop()))).toMatch(/^verdict\.model\.weights: expected \d+ weights/);
    expect(refusal(edited((o) => (o.scorers.maxProb.orientation = 'lower-is-correct')))).toBe('scorers.maxProb.orientation: "maxProb" is higher-is-correct, not lower-is-correct.');
    expect(refusal(edited((o) => (o.verdict.model.features[0].key = 'nope')))).toMatch(/^verdict\.model\.features\[0\]\.key: "nope" is not a verdict feature/);
    expect(refusal(edited((o) => (o.verdict.heldOut.ece = 'NaN')))).toBe('verdict.heldOut.ece: expected a finite number, got string "NaN".');
    const x = profile.scorers.perplexity.map.x;
    if (x.length > 1) expect(refusal(edited((o) => (o.scorers.perplexity.map.x[1] = o.scorers.perplexity.map.x[0])))).toMatch(/^scorers\.perplexity\.map\.x\[1\]: the knots must increase/);
  });

  it('refuses a profile fitted on fewer than 30 traces or one label', () => {
    expect(refusal(edited((o) => (o.dataset.n = 12)))).toBe('dataset.n: the profile was fitted on 12 traces; a profile needs at least 30, so it is refused.');
    expect(refusal(edited((o) => (o.dataset.accuracy = 1)))).toMatch(/^dataset\.accuracy: is 1: the profile was fitted on correct traces only/);
  });

  it('refuses a __proto__ key anywhere', () => {
    const t = text.replace('"scorers": {', '"scorers": {"__proto__": {"polluted": true}, ');
    expect(t).not.toBe(text);
    expect(refusal(t)).toMatch(/^scorers\.__proto__: the key "__proto__" is not allowed in a calibration profile/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('profile keys', () => {
  it('matches the same model and refuses another, naming both', () => {
    expect(profileKeyMismatch(profile, KEY)).toBeNull();
    expect(() => checkProfileKey(profile, KEY)).not.toThrow();
    const other = { model: 'onnx-community/Qwen3-0.6B-ONNX', revision: 'main', dtype: 'q4f16' };
    expect(() => checkProfileKey(profile, other)).toThrow(ProfileError);
    expect(profileKeyMismatch(profile, other)).toBe(
      'This calibration profile is for tiny-reasoner (fp32-cpu, revision fnv1a:abc:10), another model, and the loaded model is onnx-community/Qwen3-0.6B-ONNX (q4f16, revision main): its verdicts would not mean what they say, so it is refused (fit one for this model with cotk calibrate).',
    );
    expect(profileKeyMismatch(profile, { ...KEY, dtype: 'int4-cpu' })).toMatch(/another variant of this model/);
    expect(profileKeyMismatch(profile, { ...KEY, revision: 'fnv1a:def:10' })).toMatch(/another revision of this model/);
  });

  it('reads the bundled model as the same model as its folder', () => {
    expect(profileKeyOf({ name: 'tiny-reasoner (bundled)', variant: 'fp32-cpu', graphHash: 'h' })).toEqual({ model: 'tiny-reasoner', revision: 'h', dtype: 'fp32-cpu' });
  });
});
