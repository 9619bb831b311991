import { BatchInputError, type InputFormat } from './batchInput';
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

function quoteList(xs: readonly string[]): string {
  return xs.map((x) => `"${x}"`).join(', ');
}

function jsonlRecords(text: string, name: string): PromptRecord[] {
  const records: PromptRecord[] = [];
  const lines = text.split('\n');
  let firstObject: Record<string, unknown> | null = null;
  let anyJson = false;
  let anyComplete = false;
  let traceLines = 0;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    records.push({ line: i + 1, index: records.length, item: parsePromptLine(lines[i], i + 1) });
    try {
      const v: unknown = JSON.parse(lines[i]);
      anyJson = true;
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
        firstObject ??= v as Record<string, unknown>;
        if ('output' in v) traceLines++;
        else if (FIELDS.every((f) => f in v)) anyComplete = true;
      }
    } catch {
      // reported per line
    }
  }
  if (records.length === 0) throw new BatchInputError(`${name} is empty: no prompts to answer`);
  if (!anyJson) {
    throw new BatchInputError(`${name} is not JSON lines: no line is valid JSON (for CSV input name the file *.csv or pass --format csv)`);
  }
  if (!anyComplete && traceLines > 0) {
    throw new BatchInputError(`${name} holds finished traces (its lines have "output"), not prompts to answer: score it as traces instead of generating`);
  }
  if (!anyComplete && firstObject !== null) {
    const obj = firstObject;
    const missing = FIELDS.filter((f) => !(f in obj));
    const has = Object.keys(obj).slice(0, 8);
    throw new BatchInputError(
      `${name} is not a prompt set: no line has the field(s) ${quoteList(missing)} (the first has ${has.length ? quoteList(has) : 'no fields'}; expected {"id", "prompt", "expected"})`,
    );
  }
  return records;
}

function csvRecords(text: string, name: string): PromptRecord[] {
  const { records: rows, errors } = parseCsv(text);
  if (rows.length === 0 && errors.length === 0) throw new BatchInputError(`${name} is empty: no prompts to answer`);
  const headerRow = rows[0];
  if (!headerRow || (errors.length > 0 && errors[0].line < headerRow.line)) {
    throw new BatchInputError(`${name}: the CSV header (line ${errors[0]?.line ?? 1}) is malformed: ${errors[0]?.message ?? 'missing'}`);
  }
  const header = headerRow.fields.map((h) => h.trim());
  if (header.includes('output')) {
    throw new BatchInputError(`${name} holds finished traces (its CSV header has "output"), not prompts to answer: score it as traces instead of generating`);
  }
  const missing = FIELDS.filter((f) => !header.includes(f));
  if (missing.length > 0) {
    throw new BatchInputError(`${name} is not a prompt set: the CSV header lacks the column(s) ${quoteList(missing)} (it has ${quoteList(header)}; expected id,prompt,expected)`);
  }
  const [ci, cp, ce] = FIELDS.map((f) => header.indexOf(f));
  const all: { line: number; item: PromptItem | string }[] = errors.map((e) => ({ line: e.line, item: e.message }));
  for (const r of rows.slice(1)) {
    const f = r.fields;
    let item: PromptItem | string;
    if (f.length !== header.length) item = `expected ${header.length} fields as in the header, got ${f.length}`;
    else if (f[ce].trim() === '') item = '"expected" is empty';
    else item = { line: r.line, id: f[ci], prompt: f[cp], expected: f[ce] };
    all.push({ line: r.line, item });
  }
  all.sort((a, b) => a.line - b.line);
  if (all.length === 0) throw new BatchInputError(`${name} has a CSV header but no rows: no prompts to answer`);
  return all.map((r, index) => ({ ...r, index }));
}

/** The prompt set's records in order, or a one-line error for an empty file or one of another schema. */
export function readPromptRecords(text: string, format: InputFormat, name: string): PromptRecord[] {
  return format === 'csv' ? csvRecords(text, name) : jsonlRecords(text, name);
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
