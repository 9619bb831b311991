import { writeFileSync } from 'node:fs';
import { allGenerated, parseRow, reportMetrics } from './batch';
import { inferFormulation, type BatchRow } from './batchEval';
import { CliError, parseArgs, readInput, type CliIo } from './io';
import { readNamedProfile } from './verdict';

export const MERGE_USAGE = `usage: cotk merge OUT SHARD... [--calibration FILE]
  Joins the outputs of cotk batch --shard I/N back into input order (by each line's "line" field) and
  writes them to OUT (- for standard output). When every trace has a label, prints the metrics line
  (as cotk batch does) last on standard output and the table on standard error. Shards scored with a
  calibration profile carry "verdict"; pass the same profile with --calibration for every scorer's ece and brier.`;

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
  const merged = entries.map((e) => e.text).join('');
  if (out === '-') io.stdout.write(merged);
  else {
    try {
      writeFileSync(out, merged);
    } catch (e) {
      throw new CliError(`cannot write ${out}: ${(e as Error).message}`);
    }
  }
  io.stderr.write(`cotk merge: ${entries.length} trace(s) from ${shards.length} shard(s)\n`);
  const rows = entries.map((e) => e.row);
  if (!profile && rows.some((r) => typeof r.scores.verdict === 'number')) {
    io.stderr.write('cotk merge: the traces carry a verdict: pass --calibration FILE (the profile they were scored with) for every scorer\'s ece and brier\n');
  }
  reportMetrics(rows, inferFormulation(rows), allGenerated(rows), (m) => io.stderr.write(`cotk merge: ${m}\n`), (line) => io.stdout.write(line), profile);
  return 0;
}
