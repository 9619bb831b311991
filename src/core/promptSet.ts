import { readDataset, type DatasetSchema, type InputFormat } from './batchInput';
import { parseCsv } from './csv';

/**
 * Prompt sets for generate mode (JSON lines `{"id", "prompt", "expected"}` or CSV
 * `id,prompt,expected`), pure: the model answers each prompt and the answer is graded against
 * `expected` (src/core/grade.ts). Same shape and error style as src/core/batchInput.ts; a file that
 * cannot be a prompt set at all throws {@link BatchInputError}, a bad line becomes its sentence.
 */

export { BatchInputError, type InputFormat } from './batchInput';

/** One prompt to answer. `line` is the 1-based line of the file where it starts. */
export interface PromptItem {
  readonly line: number;
  readonly id: unknown;
  readonly prompt: string;
  /** The expected answer as text (a JSON number becomes its decimal string). */
  readonly expected: string;
}

/** One non-blank record: a prompt, or the sentence saying why it is bad. */
export interface PromptRecord {
  readonly line: number;
  /** 0-based position among the file's non-blank records (what `--shard i/n` counts). */
  readonly index: number;
  readonly item: PromptItem | string;
}

const FIELDS = ['id', 'prompt', 'expected'] as const;

/** `expected` as text: strings as they are, finite JSON numbers as their decimal string. */
function expectedText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/** Parses one JSON line of a prompt set; returns an error sentence instead of throwing. */
export function parsePromptLine(text: string, line: number): PromptItem | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return `not valid JSON (${(e as Error).message})`;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'expected a JSON object {"id", "prompt", "expected"}';
  const o = v as Record<string, unknown>;
  if (!('id' in o)) return 'missing "id"';
  if (typeof o.prompt !== 'string') return `"prompt" must be a string, got ${o.prompt === undefined ? 'nothing' : JSON.stringify(o.prompt)}`;
  // A line that already has an output is a finished trace: answering it again would replace that output.
  if ('output' in o) return 'has an "output": a finished trace, not a prompt to answer';
  if (!('expected' in o)) return 'missing "expected" (the answer to grade the model\'s answer against)';
  const expected = expectedText(o.expected);
  if (expected === null) return `"expected" must be a string or a number, got ${JSON.stringify(o.expected)}`;
  if (expected.trim() === '') return '"expected" is empty';
  return { line, id: o.id, prompt: o.prompt, expected };
}

const PROMPTS: DatasetSchema<PromptItem> = {
  fields: FIELDS,
  what: 'prompts to answer',
  kind: 'a prompt set',
  jsonShape: '{"id", "prompt", "expected"}',
  csvShape: 'id,prompt,expected',
  parseLine: parsePromptLine,
  csvItem: (f, col, line) => (f[col('expected')].trim() === '' ? '"expected" is empty' : { line, id: f[col('id')], prompt: f[col('prompt')], expected: f[col('expected')] }),
  // A finished trace answered again would lose its output.
  foreign: { field: 'output', message: (name, where) => `${name} holds finished traces (${where}), not prompts to answer: score it as traces instead of generating` },
};

/** The prompt set's records in order, or a one-line error for an empty file or one of another schema. */
export function readPromptRecords(text: string, format: InputFormat, name: string): PromptRecord[] {
  return readDataset(text, format, name, PROMPTS);
}

/**
 * What a dataset holds, from its records: `traces` (records with `output`, to score), `prompts`
 * (records with `expected` and no `output`, to answer and grade) or `unknown` (neither, empty, or
 * unreadable). JSON lines: the first JSON object that has `output` or `expected` decides; CSV: the header.
 */
export function detectDatasetKind(text: string, format: InputFormat): 'traces' | 'prompts' | 'unknown' {
  if (format === 'csv') {
    const { records } = parseCsv(text);
    const header = records[0]?.fields.map((h) => h.trim()) ?? [];
    return header.includes('output') ? 'traces' : header.includes('expected') ? 'prompts' : 'unknown';
  }
  for (const l of text.split('\n')) {
    if (l.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(l);
    } catch {
      continue;
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) continue;
    if ('output' in v) return 'traces';
    if ('expected' in v) return 'prompts';
  }
  return 'unknown';
}
