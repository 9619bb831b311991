import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { AFTER_EOS_NOTE } from '../core/trace/segment';
import type { Engine } from '../engine/index';
import { evaluateRows, FORMULATION_SCORER, metricsJson, metricsTable, parseFormulation, Progress, type BatchRow, type Formulation } from './batchEval';
import { generateRecords, readPromptRecords, detectDatasetKind, type PromptRecord } from './batchGenerate';
import { inputFormat, readRecords, type BatchRecord } from './batchInput';
import { asCliError, flagNumber, flagString, MODEL_FLAGS, MODEL_USAGE, openEngine } from './engineSetup';
import { CliError, parseArgs, readInput, type CliIo } from './io';
import { forEachRecord, noteUnrepresentable, type BatchSummary } from './records';
import { checkWritable, refuseSameFile, writeError, writeFileAtomic } from './files';
import { COTK_VERSION, madeBy, mismatch, SAME_RUN, type MadeBy } from './provenance';
import { rowLine } from './rawId';
import { CALIBRATION_USAGE, profileNote, readNamedProfile, resolveProfile, withVerdict } from './verdict';
import { v2Terms, type CalibrationProfile } from '../core/calibration/index';

export { parseBatchLine, type BatchItem } from './batchInput';

export const BATCH_USAGE = `usage: cotk batch --model DIR --in traces.jsonl|traces.csv --out scores.jsonl [options]
       cotk batch --model DIR --generate --in prompts.jsonl|prompts.csv --out traces.jsonl [options]
  Teacher-forced scoring of finished traces. Each input line (JSON lines):
    {"id": any, "prompt": "<user message>", "output": "<assistant text, <think> … EOS>", "label": 0|1 (optional)}
  or CSV (RFC 4180, header id,prompt,output,label; quoted fields may hold commas, quotes as "", newlines).
  The prompt goes through the model's chat template with the generation prompt. Each output line:
    {"id": …, "line": <input line>, "label": 0|1 (if given), "scores": {"cotk", "cotkV2", "cotkEnergy", "coeR",
     "coeC", "perplexity", "meanEntropy", "selfCertainty", "maxProb", "answerConfidence", "cotkV2Barrier",
     "cotkV2Kappa", "verdict"}}   (null where a segment is empty), in input order. cotk is the chosen
    CoT-Kinetics formulation (--formulation); cotkV2Barrier and cotkV2Kappa are v2's two terms (max U, mean κ);
    verdict is the calibrated P(correct) of the calibration profile (--calibration; absent without one).
  When every scored trace has a label, the last line of standard output is
    {"metrics": {"<score key>": {"auroc", "aupr", "fpr95", "orientation", "n", "undefined", "ece", "brier"}}, "accuracy", "n", "formulation"}
  ("ece" and "brier", with a profile: each scorer's P(correct) through its own map in the profile, and the verdict's)
  (SCORING.md: lower-is-correct scores negated; traces where a scorer is null left out of its metrics and
  counted under "undefined"), with a table on standard error. Without labels a note says metrics are omitted.
  A bad line is reported on stderr with its line number and skipped; the exit code is then 2.
${MODEL_USAGE}
  --in FILE       JSON lines or CSV (- for standard input)
  --out FILE      JSON lines (- for standard output: the scores first, the metrics line last)
  --format F      jsonl or csv (default: csv for *.csv, else jsonl)
  --formulation V which CoT-Kinetics formulation the key cotk is: v2 (default, barrier Lagrangian) or v1
  --shard I/N     score only the records I, I+N, I+2N, … (0-based, blank lines not counted); join with cotk merge
  --resume        continue an interrupted run: keep the lines already in --out (a torn last line is redone)
  --progress      progress line on stderr (traces/s, ETA); on by default when stderr is a terminal
  --prefill-chunk positions per forward pass (default: the whole trace)
${CALIBRATION_USAGE}
  Generate mode (--generate, or by itself when the input is a prompt set): each input line is
    {"id": any, "prompt": "<user message>", "expected": "<answer>" or a number}   (CSV: id,prompt,expected)
  The model answers each prompt (greedy unless --temperature > 0), the answer (the text after the last
  </think>, up to the end-of-turn token) is graded by exact match with "expected" (numbers as numbers:
  57 = 57.0 = +57), and each output line is a labelled trace that cotk batch can score again:
    {"id", "line", "prompt", "expected", "output", "answer", "label", "stop", "scores"}
  The last line of standard output is the metrics line with "accuracy" (when every answer is right or
  every one wrong, "metrics" is {} and a "note" says why). --resume, --shard and cotk merge work alike.
  --generate      the input is a prompt set to answer (a file of traces is then an error)
  --max-tokens N  output tokens per answer at most (default: 1024 or what the context leaves)
  --temperature T 0 = greedy (default); > 0 samples
  --top-p P       nucleus sampling mass in (0, 1] (default 1)
  --seed S        sampling seed (default 0); record i of the file uses S + i, so shards and resumed runs agree`;

export type { BatchSummary };

export interface ScoreOptions {
  readonly prefillChunk?: number;
  readonly formulation?: Formulation;
  /** Adds "verdict" to each row's scores. */
  readonly profile?: CalibrationProfile | null;
  /** Called after each record, scored or skipped. */
  readonly onRecord?: () => void;
  /** What made the rows, written as each row's last field ("by"). */
  readonly by?: MadeBy;
  /** The input's text of a line (JSON lines), so a number id is written as it was (rawId.ts). */
  readonly sourceLine?: (line: number) => string | undefined;
  /** A note on a scored record (characters its tokenizer cannot represent), for stderr. */
  readonly onNote?: (msg: string) => void;
}

/** Scores records in order; `write` gets each output row and its line, `report` each skipped record's message. */
export async function scoreRecords(
  engine: Engine,
  records: readonly BatchRecord[],
  write: (row: BatchRow, text: string) => void,
  report: (msg: string) => void,
  opts: ScoreOptions = {},
): Promise<BatchSummary> {
  const cotkFrom = FORMULATION_SCORER[opts.formulation ?? 'v2'];
  return forEachRecord(records, report, opts.onRecord, async (item, line) => {
    const run = await engine.score(item.prompt, item.output, { stateCapBytes: 0, prefillChunk: opts.prefillChunk });
    for (const note of run.segments.notes) if (note.includes(AFTER_EOS_NOTE)) report(`line ${line}: note: ${note}`);
    noteUnrepresentable(engine, run, line, opts.onNote);
    const scores = withVerdict({ ...run.scores, cotk: run.scores[cotkFrom], ...v2Terms(run.detail.cotkV2) }, opts.profile ?? null);
    const base: BatchRow = item.label === undefined ? { id: item.id, line, scores } : { id: item.id, line, label: item.label, scores };
    const row = opts.by ? { ...base, by: opts.by } : base;
    write(row, rowLine(row, opts.sourceLine?.(line)));
  });
}

/** JSON-lines text in, one output line per good line (kept for bench/formulation). */
export async function scoreLines(
  engine: Engine,
  text: string,
  write: (line: string) => void,
  report: (msg: string) => void,
  prefillChunk?: number,
): Promise<BatchSummary> {
  const records = text.trim() === '' ? [] : readRecords(text, 'jsonl', 'input');
  return scoreRecords(engine, records, (_row, line) => write(line), report, { prefillChunk });
}

/** `--shard i/n` → [i, n]. */
export function parseShard(v: string | undefined): [number, number] | null {
  if (v === undefined) return null;
  const m = /^(\d+)\/(\d+)$/.exec(v.trim());
  const i = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || n < 1 || i >= n) throw new CliError(`--shard must be I/N with 0 ≤ I < N (e.g. 0/4), got "${v}"`);
  return [i, n];
}

/** Parses an output line written by `cotk batch`; an error sentence if it is not one. */
export function parseRow(text: string): BatchRow | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return `not valid JSON (${(e as Error).message})`;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const o = v as Record<string, unknown>;
  // first, so that a shard written with --out - (its metrics line last) merges
  if ('metrics' in o && !('line' in o)) return 'a metrics line, not a trace';
  if (typeof o.line !== 'number' || !Number.isInteger(o.line)) return 'no "line" field (written by an older cotk batch?)';
  if (typeof o.scores !== 'object' || o.scores === null) return 'no "scores" object';
  return o as unknown as BatchRow;
}

/**
 * For --resume: the rows already in `path` (complete lines only) and the byte length of those lines;
 * a torn last line (no newline) is left for the caller to cut once every check has passed, so a
 * refused resume changes nothing. Throws for a line that is not batch output.
 */
export function resumeRows(path: string): { rows: BatchRow[]; keep: number; torn: boolean } {
  if (!existsSync(path)) return { rows: [], keep: 0, torn: false };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliError(`cannot resume from ${path}: ${(e as NodeJS.ErrnoException).code === 'EISDIR' ? 'it is a directory' : (e as Error).message}`);
  }
  const end = text.lastIndexOf('\n') + 1;
  const rows: BatchRow[] = [];
  text
    .slice(0, end)
    .split('\n')
    .forEach((l, i) => {
      if (l.trim() === '') return;
      const row = parseRow(l);
      if (typeof row === 'string') throw new CliError(`cannot resume from ${path}: line ${i + 1} is ${row}`);
      rows.push(row);
    });
  return { rows, keep: Buffer.byteLength(text.slice(0, end)), torn: end < text.length };
}

/**
 * The end of a run (and of cotk merge): the metrics table on stderr and the metrics line last on
 * stdout. Rows of generate mode always end with their accuracy, even when the scorers cannot be
 * measured (every answer right, or every one wrong): then "metrics" is {} and a "note" says why.
 */
export function reportMetrics(rows: readonly BatchRow[], formulation: Formulation, generated: boolean, err: (m: string) => void, out: (line: string) => void, profile: CalibrationProfile | null = null): void {
  const sorted = [...rows].sort((a, b) => a.line - b.line);
  const m = evaluateRows(sorted, formulation, profile);
  const right = rows.filter((r) => r.label === 1).length;
  if (generated && rows.length > 0) {
    err(`accuracy ${(right / rows.length).toFixed(4)}: ${right} of ${rows.length} answer(s) equal the expected one (exact match; numbers compared as numbers)`);
  }
  if (typeof m !== 'string') {
    err(metricsTable(m));
    out(`${metricsJson(m)}\n`);
    return;
  }
  err(m);
  if (generated && rows.length > 0) out(`${JSON.stringify({ metrics: {}, accuracy: right / rows.length, n: rows.length, formulation, note: m })}\n`);
}

/** Whether every row was written by generate mode (it carries the generated output and the expected answer). */
export function allGenerated(rows: readonly BatchRow[]): boolean {
  return rows.length > 0 && rows.every(isGenerated);
}

/** The generation flags; given without generate mode they are a mistake worth saying. */
const GENERATE_FLAGS = ['max-tokens', 'temperature', 'top-p', 'seed'] as const;

/** A row written by generate mode (it carries the generated output and the expected answer). */
function isGenerated(row: BatchRow): boolean {
  const o = row as unknown as Record<string, unknown>;
  return typeof o.output === 'string' && 'expected' in o;
}

export async function batchCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, [...MODEL_FLAGS, 'in', 'out', 'prefill-chunk', 'format', 'formulation', 'shard', 'calibration', ...GENERATE_FLAGS], ['resume', 'progress', 'generate']);
  if (args.positional.length > 0) throw new CliError(`unexpected argument "${args.positional[0]}"\n${BATCH_USAGE}`);
  const inPath = flagString(args, 'in');
  const outPath = flagString(args, 'out');
  if (!inPath || !outPath) throw new CliError(`--in FILE and --out FILE are required\n${BATCH_USAGE}`);
  const prefillChunk = flagNumber(args, 'prefill-chunk', (x) => Number.isInteger(x) && x >= 1, 'a whole number ≥ 1');
  const formulation = parseFormulation(flagString(args, 'formulation'));
  const shard = parseShard(flagString(args, 'shard'));
  const resume = args.flags.get('resume') === true;
  if (resume && outPath === '-') throw new CliError('--resume needs --out FILE (it reads the lines already written there)');
  const genOpts = {
    maxTokens: flagNumber(args, 'max-tokens', (x) => Number.isInteger(x) && x >= 1, 'a whole number ≥ 1'),
    temperature: flagNumber(args, 'temperature', (x) => x >= 0, 'a number ≥ 0'),
    topP: flagNumber(args, 'top-p', (x) => x > 0 && x <= 1, 'a number in (0, 1]'),
    seed: flagNumber(args, 'seed', Number.isInteger, 'an integer'),
    prefillChunk,
  };
  const format = inputFormat(inPath, flagString(args, 'format'));
  // Before anything is read or opened: an output that is the input would destroy it.
  refuseSameFile(inPath, outPath, io.stdin === process.stdin);
  const text = await readInput(inPath, io);
  const name = inPath === '-' ? 'standard input' : inPath;
  const err = (m: string): void => void io.stderr.write(`cotk batch: ${m}\n`);

  // A prompt set is answered even without --generate (said on stderr): there is nothing else to do with it.
  const kind = detectDatasetKind(text, format);
  const generating = args.flags.get('generate') === true || kind === 'prompts';
  const genFlag = GENERATE_FLAGS.find((f) => args.flags.has(f));
  if (!generating && genFlag) throw new CliError(`--${genFlag} is for generate mode (--generate, with a prompt set {"id", "prompt", "expected"}); ${name} is scored as finished traces`);
  const all: readonly (BatchRecord | PromptRecord)[] = generating ? readPromptRecords(text, format, name) : readRecords(text, format, name);
  if (generating && args.flags.get('generate') !== true) err(`${name} is a prompt set ({"id", "prompt", "expected"}): generating an answer to each prompt and grading it (generate mode)`);
  const mine = shard ? all.filter((r) => r.index % shard[1] === shard[0]) : all;

  const resumed = resume ? resumeRows(outPath) : { rows: [], keep: 0, torn: false };
  const done = resumed.rows;
  const doneLines = new Set(done.map((r) => r.line));
  const known = new Set(mine.map((r) => r.line));
  const stray = done.find((r) => !known.has(r.line));
  if (stray) throw new CliError(`cannot resume from ${outPath}: it holds input line ${stray.line}, which is not a trace of this input${shard ? ` and shard ${shard[0]}/${shard[1]}` : ''}`);
  const otherMode = done.find((r) => isGenerated(r) !== generating);
  if (otherMode) {
    throw new CliError(
      `cannot resume from ${outPath}: its line for input line ${otherMode.line} was written by ${generating ? 'scoring finished traces' : 'generate mode'}, and this run ${generating ? 'generates answers to prompts' : 'scores finished traces'}`,
    );
  }
  const todo = mine.filter((r) => !doneLines.has(r.line));
  if (outPath !== '-') checkWritable(outPath);
  const named = readNamedProfile(args);

  const engine = await openEngine(args, err);
  const info = engine.info();
  const by: MadeBy = {
    model: info.name,
    variant: info.variant,
    formulation,
    cotk: COTK_VERSION,
    shard: shard ? `${shard[0]}/${shard[1]}` : '0/1',
    records: mine.filter((r) => typeof r.item !== 'string').length,
    ...(generating
      ? { generate: { maxTokens: genOpts.maxTokens ?? null, temperature: genOpts.temperature ?? 0, topP: genOpts.topP ?? 1, seed: genOpts.seed ?? 0 } }
      : {}),
  };
  let fd: number | null = null;
  let profile: CalibrationProfile | null;
  let resolved: ReturnType<typeof resolveProfile> = null;
  try {
    resolved = resolveProfile(args, named, engine, err);
    profile = resolved?.profile ?? null;
    const bad = mismatch(done, by, SAME_RUN);
    if (bad) {
      throw new CliError(
        `cannot resume from ${outPath}: its line for input line ${bad.line} was made with ${bad.why.replace(' against ', ', this run with ')}; resume with the same options, or write to a new --out`,
      );
    }
    if (done.length > 0 && done.every((r) => madeBy(r) === null)) err(`${outPath} was written by an older cotk batch: its model and variant cannot be checked against this run's (${by.model}, ${by.variant})`);
    // The torn last line is cut by rewriting the file whole (temporary file + rename), only now that every check passed.
    if (resumed.torn) writeFileAtomic(outPath, readFileSync(outPath).subarray(0, resumed.keep));
    fd = outPath === '-' ? null : openSync(outPath, resume ? 'a' : 'w');
  } catch (e) {
    await engine.release();
    throw writeError(e, outPath);
  }
  const rows: BatchRow[] = [...done];
  const showProgress = args.flags.get('progress') === true || (io.stderr as { isTTY?: boolean }).isTTY === true;
  const progress = showProgress ? new Progress(todo.length, (s) => io.stderr.write(s)) : null;
  let handled = 0;
  const t0 = performance.now();
  let written = resume ? resumed.keep : 0;
  const onRow = (row: BatchRow, line: string): void => {
    if (fd === null) {
      io.stdout.write(line);
    } else {
      try {
        const buf = Buffer.from(line);
        for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
      } catch (e) {
        // Never leave a half-written line that reads as complete: cut back to the last whole line.
        try {
          ftruncateSync(fd, written);
        } catch {
          // the sentence below is what matters
        }
        throw writeError(e, outPath);
      }
      written += Buffer.byteLength(line);
    }
    rows.push(row);
  };
  const onReport = (m: string): void => {
    progress?.finish();
    err(m);
  };
  const onRecord = (): void => progress?.tick(++handled);
  const inputLines = format === 'jsonl' ? text.split('\n') : null;
  const sourceLine = (line: number): string | undefined => inputLines?.[line - 1];
  try {
    if (done.length > 0) err(`resuming: ${done.length} trace(s) already in ${outPath}, ${todo.length} record(s) to go`);
    const s = generating
      ? await generateRecords(engine, todo as PromptRecord[], onRow, onReport, { generate: genOpts, formulation, onRecord, onNote: onReport, by, sourceLine, profile })
      : await scoreRecords(engine, todo as BatchRecord[], onRow, onReport, { prefillChunk, formulation, onRecord, onNote: onReport, by, sourceLine, profile });
    progress?.finish();
    const secs = ((performance.now() - t0) / 1000).toFixed(2);
    err(`${generating ? 'generated, graded and scored' : 'scored'} ${s.scored} trace(s) in ${secs} s${s.skipped ? `, skipped ${s.skipped} bad line(s)` : ''}`);
    reportMetrics(rows, formulation, generating, err, (line) => io.stdout.write(line), profile);
    if (resolved) err(profileNote(resolved)); // last, so the lines before keep their places
    return s.skipped > 0 ? 2 : 0;
  } catch (e) {
    throw asCliError(e);
  } finally {
    if (fd !== null) closeSync(fd);
    await engine.release();
  }
}
