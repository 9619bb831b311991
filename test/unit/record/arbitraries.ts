import fc from 'fast-check';
import type { ScoreKey } from '../../../src/core/scores/index';
import type { TokenReduction } from '../../../src/engine/reduce';
import type { RunResult, TokenEvent } from '../../../src/engine/run';
import type { SavedRun } from '../../../src/record/types';
import { SCORE_KEYS } from '../../../src/record/validate';
import type { RunState } from '../../../src/state/slices';

/**
 * Generated SavedRuns for property tests: every field of the schema, with the numbers JSON cannot
 * hold (NaN, ±Infinity, −0) and text JSON must escape (quotes, control characters, lone surrogates
 * excluded: a UTF-16 string that is not Unicode cannot travel through a UTF-8 file).
 */
const double = fc.double();
const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const anyText = fc.oneof(text, fc.constantFrom('', '"', '\\', '\n', '</script>', '\u2028', 'a,b', '__proto__', 'NaN'));
const f32 = (n: number) => fc.float32Array({ minLength: n, maxLength: n });
const nat = fc.nat({ max: 1000 });
const span = fc.tuple(fc.nat({ max: 20 }), fc.nat({ max: 20 })).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const);

function token(i: number, layers: number, withText: boolean): fc.Arbitrary<TokenReduction | TokenEvent> {
  const states = fc.boolean();
  return fc
    .record({
      position: nat,
      id: nat,
      segment: fc.constantFrom('pending', 'reasoning', 'answer', 'marker', 'after' as const),
      logProb: double,
      entropy: double,
      selfCertainty: double,
      maxProb: double,
      kinetic: double,
      curvature: double,
      energy: double,
      kappa: double,
      has: states,
      speeds: f32(layers),
      norms: f32(layers + 1),
      text: anyText,
    })
    .map(({ has, text: t, ...r }) => {
      const red = { index: i, ...r, speeds: has ? r.speeds : new Float32Array(0), norms: has ? r.norms : new Float32Array(0) };
      return withText ? { ...red, text: t } : red;
    });
}

const tokens = (n: number, layers: number, withText: boolean) => fc.tuple(...Array.from({ length: n }, (_, i) => token(i, layers, withText)));

const nums = fc.array(double, { maxLength: 5 });
const logitStats = fc.record({
  meanLogProb: double,
  perplexity: double,
  geoMeanProb: double,
  meanEntropy: double,
  selfCertainty: double,
  maxProb: double,
  tokenLogProb: nums,
  tokenEntropy: nums,
});

const scores = fc.tuple(...SCORE_KEYS.map(() => fc.option(double, { nil: null }))).map((v) => Object.fromEntries(SCORE_KEYS.map((k, i) => [k, v[i]])) as Record<ScoreKey, number | null>);

function result(n: number, layers: number, keptStates: boolean): fc.Arbitrary<RunResult> {
  const dims = fc.record({ T: fc.integer({ min: 1, max: 4 }), d: fc.integer({ min: 1, max: 3 }) });
  const states = dims.chain(({ T, d }) =>
    fc.record({ layers: fc.constant(layers), tokens: fc.constant(T), dim: fc.constant(d), residual: f32((layers + 1) * T * d), finalNorm: f32(T * d), truncated: fc.boolean() }),
  );
  const projection = fc.oneof(
    fc.record({ ok: fc.constant(false as const), reason: text }),
    fc.integer({ min: 0, max: 3 }).chain((k) =>
      fc.record({
        ok: fc.constant(true as const),
        data: fc.record({
          tokens: fc.constant(Array.from({ length: k }, (_, i) => i)),
          layers: fc.constant(layers),
          xy: f32(k * (layers + 1) * 2),
          explained: fc.tuple(double, double),
          dropped: fc.nat({ max: 5 }),
        }),
      }),
    ),
  );
  return fc
    .record(
      {
        ids: fc.array(fc.nat({ max: 500 }), { minLength: 20, maxLength: 24 }),
        promptLength: fc.nat({ max: 20 }),
        text: anyText,
        stop: fc.constantFrom('eos', 'max-tokens', 'cancelled', 'complete' as const),
        segments: fc.record({
          prompt: span,
          reasoning: span,
          answer: span,
          thinkAt: fc.integer({ min: -1, max: 20 }),
          endThinkAt: fc.integer({ min: -1, max: 20 }),
          eosAt: fc.integer({ min: -1, max: 20 }),
          notes: fc.array(text, { maxLength: 2 }),
        }),
        tokens: tokens(n, layers, false),
        scores,
        detail: fc.record({
          cotk: fc.option(fc.record({ kinetic: nums, curvature: nums, energy: nums, traceEnergy: double }), { nil: null }),
          cotkV2: fc.option(fc.record({ kappa: nums, surprisal: nums, lagrangian: nums, kappaMean: double, barrier: double, energy: double }), { nil: null }),
          coe: fc.option(fc.record({ mag: double, ang: double, coeR: double, coeC: double, stepMag: nums, stepAng: nums }), { nil: null }),
          output: fc.option(logitStats, { nil: null }),
          answer: fc.option(logitStats, { nil: null }),
        }),
        states: keptStates ? states : fc.constant(null),
        logits: fc.option(f32(3), { nil: null }),
        outputLogits: fc.option(f32(2), { nil: null }),
        timing: fc.record({ prefillMs: double, decodeMs: double, steps: fc.nat({ max: 100 }) }),
        projection,
      },
      { requiredKeys: ['ids', 'promptLength', 'text', 'stop', 'segments', 'tokens', 'scores', 'detail', 'states', 'logits', 'timing'] },
    )
    .map((r) => r as RunResult);
}

export const savedRunArb: fc.Arbitrary<SavedRun> = fc
  .record({ n: fc.integer({ min: 0, max: 5 }), layers: fc.integer({ min: 1, max: 4 }), kept: fc.boolean(), hasResult: fc.boolean() })
  .chain(({ n, layers, kept, hasResult }) =>
    fc.record({
      meta: fc.record({
        id: text,
        name: anyText,
        createdAt: fc.constant('2025-01-02T03:04:05.678Z'),
        model: fc.record({ name: text, source: text, variant: text, backend: text, layers: fc.constant(layers), hidden: nat, vocab: nat }),
        input: fc.record({
          mode: fc.constantFrom('ask', 'paste' as const),
          question: anyText,
          trace: anyText,
          pasteFormat: fc.constantFrom('text', 'fields' as const),
          fieldPrompt: anyText,
          fieldReasoning: anyText,
          fieldAnswer: anyText,
        }),
        settings: fc.record({ gamma: fc.double({ min: 0, max: 1, noNaN: true }), formulation: text }),
        keptStates: fc.constant(kept && hasResult),
        appVersion: text,
      }),
      run: fc.record({
        id: text,
        kind: fc.constantFrom('generate', 'score' as const),
        prompt: anyText,
        status: fc.constantFrom('done', 'cancelled', 'error' as const),
        events: tokens(n, layers, true),
        result: hasResult ? result(n, layers, kept) : fc.constant(null),
        error: fc.option(anyText, { nil: null }),
      }) as fc.Arbitrary<RunState>,
    }),
  );

/**
 * Deep equality where numbers compare with Object.is (NaN equals NaN, −0 differs from 0), typed
 * arrays by type and element, and objects by their own keys: what "bit-identical" means here.
 */
export function sameBits(a: unknown, b: unknown, path = ''): string | null {
  if (typeof a === 'number' || typeof b === 'number') return Object.is(a, b) ? null : `${path}: ${String(a)} ≠ ${String(b)}`;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b ? null : `${path}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`;
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!(a instanceof Float32Array) || !(b instanceof Float32Array)) return `${path}: not both Float32Arrays`;
    if (a.length !== b.length) return `${path}: length ${a.length} ≠ ${b.length}`;
    for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return `${path}[${i}]: ${a[i]} ≠ ${b[i]}`;
    return null;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: array vs object`;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined).sort();
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined).sort();
  if (ka.join() !== kb.join()) return `${path}: keys ${ka.join()} ≠ ${kb.join()}`;
  for (const k of ka) {
    const d = sameBits((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d) return d;
  }
  return null;
}
