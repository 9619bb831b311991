import { allGenerated, parseRow, reportMetrics } from './batch';
import { inferFormulation, type BatchRow } from './batchEval';
import { writeFileAtomic } from './files';
import { CliError, parseArgs, readInput, type CliIo } from './io';
import { difference, madeBy, mismatch, type MadeBy } from './provenance';
import { readNamedProfile } from './verdict';

export const MERGE_USAGE = `usage: cotk merge OUT SHARD... [--calibration FILE]
  Joins the outputs of cotk batch --shard I/N back into input order (by each line's "line" field) and
  writes them to OUT (- for standard output). When every trace has a label, prints the metrics line
  (as cotk batch does) last on standard output and the table on standard error.
  Shards of another model, variant, formulation, cotk version or generation settings are refused
  (each line's "by" says what made it). A shard that is missing (e.g. 1/3 of 0/3, 1/3, 2/3) is
  refused; one that holds fewer lines than its records (interrupted, or lines skipped) is merged,
  but without metrics and with exit code 2.
  Shards scored with a calibration profile carry "verdict"; pass the same profile with --calibration for
  every scorer's ece and brier.`;

export async function mergeCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, ['calibration'], []);
  const profile = readNamedProfile(args)?.profile ?? null;
  const [out, ...shards] = args.positional;
  if (out === undefined || shards.length === 0) throw new CliError(`an output and at least one shard file are required\n${MERGE_USAGE}`);
  const entries: { row: BatchRow; text: string; from: string }[] = [];
  for (const path of shards) {
    const text = await readInput(path, io);
    const lines = text.split('\n');
    lines.forEach((l, i) => {
      if (l.trim() === '') return;
      const row = parseRow(l);
      if (typeof row === 'string') {
        if (row === 'a metrics line, not a trace') return; // a shard written with --out - keeps its metrics line last
        const torn = i === lines.length - 1 ? ' (a torn last line: finish that shard with cotk batch --resume first)' : '';
        throw new CliError(`${path} line ${i + 1}: ${row}${torn}`);
      }
      entries.push({ row, text: `${l}\n`, from: path });
    });
  }
  entries.sort((a, b) => a.row.line - b.row.line);
  for (let i = 1; i < entries.length; i++) {
    if (entries[i].row.line === entries[i - 1].row.line) {
      throw new CliError(`input line ${entries[i].row.line} is in both ${entries[i - 1].from} and ${entries[i].from}: shards overlap`);
    }
  }
  const incomplete = checkShards(entries);
  // Each line says which shard made it; the merged file says what one unsharded run would, so it equals that run's file.
  const whole = wholeRun(entries);
  const merged = entries.map((e) => (whole ? withBy(e.text, whole) : e.text)).join('');
  if (out === '-') io.stdout.write(merged);
  else writeFileAtomic(out, merged);
  io.stderr.write(`cotk merge: ${entries.length} trace(s) from ${shards.length} shard(s)\n`);
  if (incomplete) {
    io.stderr.write(`cotk merge: ${incomplete}; metrics omitted (finish a shard with cotk batch --resume and the same --shard)\n`);
    return 2;
  }
  const rows = entries.map((e) => e.row);
  if (!profile && rows.some((r) => typeof r.scores.verdict === 'number')) {
    io.stderr.write('cotk merge: the traces carry a verdict: pass --calibration FILE (the profile they were scored with) for every scorer\'s ece and brier\n');
  }
  const by = rows.map(madeBy).find((x) => x !== null);
  reportMetrics(rows, by?.formulation ?? inferFormulation(rows), allGenerated(rows), (m) => io.stderr.write(`cotk merge: ${m}\n`), (line) => io.stdout.write(line), profile);
  return 0;
}

/** What one unsharded run of these shards would have written as "by" (null for lines of an older cotk). */
function wholeRun(entries: readonly Entry[]): MadeBy | null {
  const shards = new Map<string, number>();
  let first: MadeBy | null = null;
  for (const e of entries) {
    const by = madeBy(e.row);
    if (!by) return null;
    first ??= by;
    shards.set(by.shard, by.records);
  }
  if (!first) return null;
  return { ...first, shard: '0/1', records: [...shards.values()].reduce((a, b) => a + b, 0) };
}

/** The line with its "by" (always its last field, as cotk batch writes it) replaced. */
function withBy(text: string, by: MadeBy): string {
  const at = text.lastIndexOf(',"by":');
  return at < 0 ? text : `${text.slice(0, at)},"by":${JSON.stringify(by)}}\n`;
}

interface Entry {
  readonly row: BatchRow;
  readonly from: string;
}

/**
 * Refuses shards made differently (model, variant, formulation, version, generation settings) or a
 * missing shard; returns a sentence when a shard holds fewer lines than its records, else null.
 */
function checkShards(entries: readonly Entry[]): string | null {
  let first: { by: MadeBy; from: string } | null = null;
  for (const e of entries) {
    const by = madeBy(e.row);
    if (!by) continue;
    if (!first) first = { by, from: e.from };
    const d = difference(first.by, by);
    if (d) throw new CliError(`${first.from} and ${e.from} were made differently (${d}): merge only shards of one run`);
  }
  if (!first) {
    // Lines of an older cotk batch: at least their formulations, read off the scores, must agree.
    const byFile = new Map<string, BatchRow[]>();
    for (const e of entries) byFile.set(e.from, [...(byFile.get(e.from) ?? []), e.row]);
    const forms = [...byFile].map(([from, rows]) => ({ from, f: inferFormulation(rows) }));
    const other = forms.find((x) => x.f !== forms[0].f);
    if (other) throw new CliError(`${forms[0].from} and ${other.from} were made differently (formulation ${forms[0].f} against ${other.f}, read off their scores): merge only shards of one run`);
    return null;
  }
  const old = entries.find((e) => madeBy(e.row) === null);
  if (old) {
    const bad = mismatch([old.row], first.by, []);
    throw new CliError(`${old.from} was written by an older cotk batch (its lines do not say what made them) and ${first.from} by this one${bad ? ` (${bad.why})` : ''}: merge only shards of one run`);
  }
  const n = Number(first.by.shard.split('/')[1]);
  const seen = new Map<string, { from: string; rows: number; records: number }>();
  for (const e of entries) {
    const by = madeBy(e.row) as MadeBy;
    if (Number(by.shard.split('/')[1]) !== n) throw new CliError(`${first.from} is shard ${first.by.shard} and ${e.from} shard ${by.shard}: merge only shards of one split`);
    const s = seen.get(by.shard) ?? { from: e.from, rows: 0, records: by.records };
    s.rows++;
    seen.set(by.shard, s);
  }
  const missing = Array.from({ length: n }, (_, i) => `${i}/${n}`).filter((k) => !seen.has(k));
  if (missing.length > 0) {
    throw new CliError(`shard(s) ${missing.join(', ')} missing: the input was split in ${n}, and only ${[...seen.keys()].sort().join(', ')} were given; pass every shard's file`);
  }
  const short = [...seen].filter(([, s]) => s.rows < s.records);
  if (short.length === 0) return null;
  const rows = [...seen.values()].reduce((a, s) => a + s.rows, 0);
  const records = [...seen.values()].reduce((a, s) => a + s.records, 0);
  return `${rows} of ${records} record(s) have a line: ${short.map(([k, s]) => `${s.from} (shard ${k}) holds ${s.rows} of its ${s.records}`).join(', ')}`;
}
