import fc from 'fast-check';
import { deflateSync } from 'fflate';
import { BatchInputError, readRecords } from '../../src/core/batchInput';
import { parseCsv } from '../../src/core/csv';
import { InputError } from '../../src/core/errors';
import { parseJsonLenient } from '../../src/core/json';
import { readPromptRecords } from '../../src/core/promptSet';
import { parseStatesFile, scoreMetricsInput, scoreStatesCase } from '../../src/core/states';
import { parseRunFile, serializeRun } from '../../src/record/serialize';
import { RunFileError } from '../../src/record/validate';
import { decodeShare, ShareLinkError } from '../../src/share/codec';
import { parseTraceText } from '../../src/state/parseTrace';
import { rawField } from '../../src/cli/rawId';
import { savedRunArb } from '../unit/record/arbitraries';

/**
 * The fuzz targets of issue 14: every parser and validator a user's text reaches (trace text, run
 * file, share link, dataset lines, states JSON). Each must return a value or throw the project's
 * own error with a sentence — never a TypeError, RangeError or a hang. Shared by the fixed-seed
 * test (test/unit/fuzz.test.ts) and the longer run (bench/fuzz/run.ts).
 */
export interface FuzzTarget {
  readonly name: string;
  readonly input: fc.Arbitrary<string>;
  /** Runs the parser; returns nothing. Throws only what `allowed` accepts. */
  readonly run: (s: string) => void;
  /** The error classes that are a clean refusal. */
  readonly allowed: ReadonlyArray<new (...a: never[]) => Error>;
}

/** Text that looks like the format: fragments of it, mixed with noise, unicode and control characters. */
function textish(fragments: readonly string[]): fc.Arbitrary<string> {
  const piece = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...fragments) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
    { weight: 1, arbitrary: fc.constantFrom('\uFEFF', '\u0000', '\r\n', '\n', '"', '\\', '\u2028', '\uD800', 'NaN', '-Infinity', '1e999', '-0', '12345678901234567890') },
  );
  return fc.array(piece, { maxLength: 40 }).map((xs) => xs.join(''));
}

/** A valid document cut, spliced or with characters flipped. */
function mutated(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(valid, fc.nat(), fc.nat(), fc.string({ unit: 'binary', maxLength: 4 }), fc.constantFrom('cut', 'splice', 'delete', 'none')).map(([s, a, b, ins, how]) => {
    const i = s.length ? a % s.length : 0;
    const j = s.length ? b % s.length : 0;
    if (how === 'cut') return s.slice(0, i);
    if (how === 'splice') return s.slice(0, i) + ins + s.slice(i);
    if (how === 'delete') return s.slice(0, Math.min(i, j)) + s.slice(Math.max(i, j));
    return s;
  });
}

const JSON_BITS = ['{', '}', '[', ']', ',', ':', '"id"', '"prompt"', '"output"', '"label"', '"expected"', '1', '0', 'null', 'true', '"x"', ' ', '"name"', '{}', '[]'];
const datasetLine = fc.record({ id: fc.jsonValue({ maxDepth: 1 }), prompt: fc.string(), output: fc.string(), label: fc.constantFrom(0, 1, true, null, 'yes') }).map((o) => JSON.stringify(o));
const dataset = fc.oneof(textish([...JSON_BITS, '\n']), mutated(fc.array(datasetLine, { maxLength: 6 }).map((xs) => xs.join('\n'))));
const csvText = fc.oneof(textish(['id,prompt,output,label\n', 'id,prompt,expected\n', ',', '"', '""', '\r\n', '\n', 'a', '1']), mutated(fc.constant('id,prompt,output,label\n1,"a, b","<think>x</think>y",1\n2,b,c,0\n')));

const statesCase = fc.record({
  layers: fc.integer({ min: 1, max: 2 }),
  tokens: fc.integer({ min: 2, max: 3 }),
  dim: fc.integer({ min: 1, max: 2 }),
}).map(({ layers, tokens, dim }) => {
  const n = (layers + 1) * tokens * dim;
  const vocab = 3;
  const rows = tokens;
  return JSON.stringify({
    cases: [{ name: 'c', layers, tokens, dim, vocab, residual: Array.from({ length: n }, (_, i) => i / 7), hidden: Array.from({ length: n }, (_, i) => i / 5), logits: Array.from({ length: rows * vocab }, (_, i) => (i % 3) - 1), targets: Array.from({ length: rows }, (_, i) => i % vocab), reasoning: [0, tokens - 1], answer: [tokens - 1, tokens] }],
    metrics: [{ scores: [0.1, 0.9], labels: [0, 1], orientation: 'higher-is-correct' }],
  });
});

const b64url = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const shareJson = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  textish(['{"mode":"ask"', '"question":', '"paste"', '"model":{"source":"bundled","variant":"../../etc/passwd"}', '"gamma":', '2', '}', ',', '"tint":"nope"']),
);
const shareLink = fc.oneof(
  shareJson.map((j) => `v1.${b64url(deflateSync(new TextEncoder().encode(j)))}`),
  textish(['v1.', 'v2.', 'v0.', 'eJ', 'AAAA', '-', '_', '=', '.']),
);

export const TARGETS: readonly FuzzTarget[] = [
  { name: 'trace text (parseTraceText)', input: fc.oneof(textish(['<think>', '</think>', '<|im_end|>', '{"role":"assistant","content":', '"reasoning_content":', '}', '[', ']', '\n', 'x', '"']), fc.jsonValue().map((v) => JSON.stringify(v))), run: (s) => void parseTraceText(s), allowed: [] },
  { name: 'run file (parseRunFile)', input: fc.oneof(mutated(savedRunArb.map((r) => serializeRun(r))), textish(['{"format":"cotk-run","version":1', '"meta":', '"run":', '{}', '[]', 'null', ',', '}'])), run: (s) => void parseRunFile(s), allowed: [RunFileError] },
  { name: 'share link (decodeShare)', input: shareLink, run: (s) => void decodeShare(s), allowed: [ShareLinkError] },
  { name: 'dataset lines, traces (readRecords jsonl)', input: dataset, run: (s) => void readRecords(s, 'jsonl', 'f.jsonl'), allowed: [BatchInputError] },
  { name: 'dataset lines, prompt sets (readPromptRecords jsonl)', input: dataset, run: (s) => void readPromptRecords(s, 'jsonl', 'f.jsonl'), allowed: [BatchInputError] },
  { name: 'dataset CSV (parseCsv, readRecords csv)', input: csvText, run: (s) => void (parseCsv(s), readRecords(s, 'csv', 'f.csv')), allowed: [BatchInputError] },
  { name: 'states JSON (parseJsonLenient + parseStatesFile)', input: fc.oneof(mutated(statesCase), textish([...JSON_BITS, '"cases"', '"layers"', 'NaN', 'Infinity'])), run: (s) => {
    const f = parseStatesFile(parseJsonLenient(s), { allowEmptyAnswer: s.length % 2 === 0 });
    f.cases.forEach(scoreStatesCase);
    f.metrics.forEach(scoreMetricsInput);
  }, allowed: [InputError, SyntaxError] },
  { name: 'raw id text (rawField)', input: fc.oneof(datasetLine, mutated(datasetLine)), run: (s) => {
    let valid = true;
    try {
      JSON.parse(s);
    } catch {
      valid = false;
    }
    if (valid) void rawField(s, 'id');
  }, allowed: [] },
];

/**
 * Runs one target; a failure is fast-check's report (seed, path, the shrunk input) as an Error.
 * `SyntaxError` counts only for JSON.parse's own sentence (cotk states says "not valid JSON (…)").
 */
export function fuzz(t: FuzzTarget, params: { seed: number; numRuns: number }): void {
  fc.assert(
    fc.property(t.input, (s) => {
      try {
        t.run(s);
      } catch (e) {
        const ok = t.allowed.some((C) => e instanceof C) && e instanceof Error && e.constructor !== TypeError && e.constructor !== RangeError;
        if (!ok) throw new Error(`${t.name} threw ${(e as Error)?.name}: ${(e as Error)?.message} on ${JSON.stringify(s).slice(0, 300)}`);
        if ((e as Error).message.trim().length < 10) throw new Error(`${t.name}: a refusal without a sentence: "${(e as Error).message}"`);
      }
    }),
    { seed: params.seed, numRuns: params.numRuns, interruptAfterTimeLimit: 60_000 },
  );
}
