import { parseCsv } from './csv';

/**
 * Batch input (JSON lines or CSV `id,prompt,output,label`), pure: shared by `cotk batch` (src/cli,
 * which turns {@link BatchInputError} into a CLI error) and the app's batch view.
 */

/** A file that cannot be batch input at all (empty, another schema, a malformed CSV header). */
export class BatchInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BatchInputError';
  }
}

/** One trace to score. `line` is the 1-based line of the file where it starts. */
export interface BatchItem {
  readonly line: number;
  readonly id: unknown;
  readonly prompt: string;
  readonly output: string;
  readonly label?: 0 | 1;
}

/** One non-blank input record: a trace, or the sentence saying why it is bad. */
export interface BatchRecord {
  readonly line: number;
  /** 0-based position among the file's non-blank records (what `--shard i/n` counts). */
  readonly index: number;
  readonly item: BatchItem | string;
}

export type InputFormat = 'jsonl' | 'csv';

const FIELDS = ['id', 'prompt', 'output'] as const;

function label(v: unknown): 0 | 1 | undefined {
  return v === 1 || v === true ? 1 : v === 0 || v === false ? 0 : undefined;
}

/** Parses one input line; returns an error sentence instead of throwing, so the run goes on. */
export function parseBatchLine(text: string, line: number): BatchItem | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return `not valid JSON (${(e as Error).message})`;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'expected a JSON object {"id", "prompt", "output"}';
  const o = v as Record<string, unknown>;
  if (!('id' in o)) return 'missing "id"';
  if (typeof o.prompt !== 'string') return `"prompt" must be a string, got ${o.prompt === undefined ? 'nothing' : JSON.stringify(o.prompt)}`;
  if (typeof o.output !== 'string') return `"output" must be a string, got ${o.output === undefined ? 'nothing' : JSON.stringify(o.output)}`;
  if ('label' in o && o.label !== null && label(o.label) === undefined) return `"label" must be 0 or 1, got ${JSON.stringify(o.label)}`;
  const l = label(o.label);
  return l === undefined ? { line, id: o.id, prompt: o.prompt, output: o.output } : { line, id: o.id, prompt: o.prompt, output: o.output, label: l };
}

/** The format a file name implies: `.csv` is CSV, everything else JSON lines. */
export function formatOfName(name: string): InputFormat {
  return /\.csv$/i.test(name) ? 'csv' : 'jsonl';
}

function quoteList(xs: readonly string[]): string {
  return xs.map((x) => `"${x}"`).join(', ');
}

function jsonlRecords(text: string, name: string): BatchRecord[] {
  const records: BatchRecord[] = [];
  const lines = text.split('\n');
  let firstObject: Record<string, unknown> | null = null;
  let anyJson = false;
  let anyComplete = false;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const item = parseBatchLine(lines[i], i + 1);
    records.push({ line: i + 1, index: records.length, item });
    try {
      const v: unknown = JSON.parse(lines[i]);
      anyJson = true;
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
        firstObject ??= v as Record<string, unknown>;
        if (FIELDS.every((f) => f in v)) anyComplete = true;
      }
    } catch {
      // reported per line
    }
  }
  if (records.length === 0) throw new BatchInputError(`${name} is empty: no traces to score`);
  if (!anyJson) {
    throw new BatchInputError(`${name} is not JSON lines: no line is valid JSON (for CSV input name the file *.csv or pass --format csv)`);
  }
  if (!anyComplete && firstObject !== null) {
    const obj = firstObject;
    const missing = FIELDS.filter((f) => !(f in obj));
    const has = Object.keys(obj).slice(0, 8);
    throw new BatchInputError(
      `${name} is not batch input: no line has the field(s) ${quoteList(missing)} (the first has ${has.length ? quoteList(has) : 'no fields'}; expected {"id", "prompt", "output", "label"?})`,
    );
  }
  return records;
}

function csvRecords(text: string, name: string): BatchRecord[] {
  const { records: rows, errors } = parseCsv(text);
  if (rows.length === 0 && errors.length === 0) throw new BatchInputError(`${name} is empty: no traces to score`);
  const headerRow = rows[0];
  if (!headerRow || (errors.length > 0 && errors[0].line < headerRow.line)) {
    throw new BatchInputError(`${name}: the CSV header (line ${errors[0]?.line ?? 1}) is malformed: ${errors[0]?.message ?? 'missing'}`);
  }
  const header = headerRow.fields.map((h) => h.trim());
  const missing = FIELDS.filter((f) => !header.includes(f));
  if (missing.length > 0) {
    throw new BatchInputError(`${name} is not batch input: the CSV header lacks the column(s) ${quoteList(missing)} (it has ${quoteList(header)}; expected id,prompt,output,label)`);
  }
  const col = (f: string): number => header.indexOf(f);
  const [ci, cp, co, cl] = [col('id'), col('prompt'), col('output'), col('label')];
  const all: { line: number; item: BatchItem | string }[] = errors.map((e) => ({ line: e.line, item: e.message }));
  for (const r of rows.slice(1)) {
    const f = r.fields;
    let item: BatchItem | string;
    if (f.length !== header.length) {
      item = `expected ${header.length} fields as in the header, got ${f.length}`;
    } else {
      const raw = cl >= 0 ? f[cl].trim() : '';
      const l = raw === '' ? undefined : raw === '1' || raw === 'true' ? 1 : raw === '0' || raw === 'false' ? 0 : null;
      if (l === null) item = `"label" must be 0 or 1, got ${JSON.stringify(raw)}`;
      else {
        const base = { line: r.line, id: f[ci], prompt: f[cp], output: f[co] };
        item = l === undefined ? base : { ...base, label: l };
      }
    }
    all.push({ line: r.line, item });
  }
  all.sort((a, b) => a.line - b.line);
  if (all.length === 0) throw new BatchInputError(`${name} has a CSV header but no rows: no traces to score`);
  return all.map((r, index) => ({ ...r, index }));
}

/** The file's records in order, or a one-line error for an empty file or one of another schema. */
export function readRecords(text: string, format: InputFormat, name: string): BatchRecord[] {
  return format === 'csv' ? csvRecords(text, name) : jsonlRecords(text, name);
}
