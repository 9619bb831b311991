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

/** What one kind of dataset file holds (traces here, prompt sets in promptSet.ts), for {@link readDataset}. */
export interface DatasetSchema<T> {
  /** Fields (JSON keys, CSV columns) every record needs. */
  readonly fields: readonly string[];
  /** What the records are for, e.g. "traces to score". */
  readonly what: string;
  /** The file kind in "X is not …", e.g. "batch input". */
  readonly kind: string;
  /** The expected shape, as the errors show it: JSON lines and CSV. */
  readonly jsonShape: string;
  readonly csvShape: string;
  /** One JSON line as an item, or the sentence saying why it is bad. */
  readonly parseLine: (text: string, line: number) => T | string;
  /** One CSV row (as many fields as the header) as an item, or its sentence; `col` finds a column (-1 when absent). */
  readonly csvItem: (fields: readonly string[], col: (name: string) => number, line: number) => T | string;
  /** A field that marks a file of another kind, and the sentence for it (`where`: "its lines have …" or "its CSV header has …"). */
  readonly foreign?: { readonly field: string; readonly message: (name: string, where: string) => string };
}

function jsonlDataset<T>(text: string, name: string, schema: DatasetSchema<T>): Array<{ line: number; index: number; item: T | string }> {
  const records: Array<{ line: number; index: number; item: T | string }> = [];
  const lines = text.split('\n');
  let firstObject: Record<string, unknown> | null = null;
  let anyJson = false;
  let anyComplete = false;
  let foreignLines = 0;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    records.push({ line: i + 1, index: records.length, item: schema.parseLine(lines[i], i + 1) });
    try {
      const v: unknown = JSON.parse(lines[i]);
      anyJson = true;
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
        firstObject ??= v as Record<string, unknown>;
        if (schema.foreign && schema.foreign.field in v) foreignLines++;
        else if (schema.fields.every((f) => f in v)) anyComplete = true;
      }
    } catch {
      // reported per line
    }
  }
  if (records.length === 0) throw new BatchInputError(`${name} is empty: no ${schema.what}`);
  if (!anyJson) {
    throw new BatchInputError(`${name} is not JSON lines: no line is valid JSON (for CSV input name the file *.csv or pass --format csv)`);
  }
  if (!anyComplete && foreignLines > 0 && schema.foreign) {
    throw new BatchInputError(schema.foreign.message(name, `its lines have "${schema.foreign.field}"`));
  }
  if (!anyComplete && firstObject !== null) {
    const obj = firstObject;
    const missing = schema.fields.filter((f) => !(f in obj));
    const has = Object.keys(obj).slice(0, 8);
    throw new BatchInputError(
      `${name} is not ${schema.kind}: no line has the field(s) ${quoteList(missing)} (the first has ${has.length ? quoteList(has) : 'no fields'}; expected ${schema.jsonShape})`,
    );
  }
  return records;
}

function csvDataset<T>(text: string, name: string, schema: DatasetSchema<T>): Array<{ line: number; index: number; item: T | string }> {
  const { records: rows, errors } = parseCsv(text);
  if (rows.length === 0 && errors.length === 0) throw new BatchInputError(`${name} is empty: no ${schema.what}`);
  const headerRow = rows[0];
  if (!headerRow || (errors.length > 0 && errors[0].line < headerRow.line)) {
    throw new BatchInputError(`${name}: the CSV header (line ${errors[0]?.line ?? 1}) is malformed: ${errors[0]?.message ?? 'missing'}`);
  }
  const header = headerRow.fields.map((h) => h.trim());
  if (schema.foreign && header.includes(schema.foreign.field)) {
    throw new BatchInputError(schema.foreign.message(name, `its CSV header has "${schema.foreign.field}"`));
  }
  const missing = schema.fields.filter((f) => !header.includes(f));
  if (missing.length > 0) {
    throw new BatchInputError(`${name} is not ${schema.kind}: the CSV header lacks the column(s) ${quoteList(missing)} (it has ${quoteList(header)}; expected ${schema.csvShape})`);
  }
  const col = (f: string): number => header.indexOf(f);
  const all: { line: number; item: T | string }[] = errors.map((e) => ({ line: e.line, item: e.message }));
  for (const r of rows.slice(1)) {
    const f = r.fields;
    const item = f.length !== header.length ? `expected ${header.length} fields as in the header, got ${f.length}` : schema.csvItem(f, col, r.line);
    all.push({ line: r.line, item });
  }
  all.sort((a, b) => a.line - b.line);
  if (all.length === 0) throw new BatchInputError(`${name} has a CSV header but no rows: no ${schema.what}`);
  return all.map((r, index) => ({ ...r, index }));
}

/**
 * A dataset file's records in order (JSON lines, or CSV with a header): each an item or the sentence
 * saying why its line is bad; a file that cannot be this kind at all (empty, another schema, a
 * malformed CSV header) throws {@link BatchInputError} with a one-line reason.
 */
export function readDataset<T>(text: string, format: InputFormat, name: string, schema: DatasetSchema<T>): Array<{ line: number; index: number; item: T | string }> {
  return format === 'csv' ? csvDataset(text, name, schema) : jsonlDataset(text, name, schema);
}

const TRACES: DatasetSchema<BatchItem> = {
  fields: FIELDS,
  what: 'traces to score',
  kind: 'batch input',
  jsonShape: '{"id", "prompt", "output", "label"?}',
  csvShape: 'id,prompt,output,label',
  parseLine: parseBatchLine,
  csvItem: (f, col, line) => {
    const cl = col('label');
    const raw = cl >= 0 ? f[cl].trim() : '';
    const l = raw === '' ? undefined : raw === '1' || raw === 'true' ? 1 : raw === '0' || raw === 'false' ? 0 : null;
    if (l === null) return `"label" must be 0 or 1, got ${JSON.stringify(raw)}`;
    const base = { line, id: f[col('id')], prompt: f[col('prompt')], output: f[col('output')] };
    return l === undefined ? base : { ...base, label: l };
  },
};

/** The file's records in order, or a one-line error for an empty file or one of another schema. */
export function readRecords(text: string, format: InputFormat, name: string): BatchRecord[] {
  return readDataset(text, format, name, TRACES);
}
