import { gradeOutput } from '../core/grade';
import { v2Terms, type CalibrationProfile } from '../core/calibration/index';
import { withVerdict } from './verdict';
import { BatchInputError, readPromptRecords as readCore, type InputFormat, type PromptRecord } from '../core/promptSet';
import type { Engine, GenerateOptions } from '../engine/index';
import { FORMULATION_SCORER, type BatchRow, type Formulation } from './batchEval';
import { CliError } from './io';
import type { MadeBy } from './provenance';
import { rowLine } from './rawId';
import { forEachRecord, noteUnrepresentable, type BatchSummary } from './records';

export { detectDatasetKind, type PromptItem, type PromptRecord } from '../core/promptSet';

/**
 * Generate mode of `cotk batch`: the model answers each prompt of a prompt set, the answer is graded
 * against `expected` (src/core/grade.ts), and each line written is a labelled trace — `cotk batch`
 * reads the file back as traces (`id`, `prompt`, `output`, `label`) and scores them again.
 */

/** One output line of generate mode: a batch row plus what was generated and how it was graded. */
export interface GeneratedRow extends BatchRow {
  readonly prompt: string;
  readonly expected: string;
  readonly output: string;
  readonly answer: string | null;
  readonly label: 0 | 1;
  /** Why generation stopped: `eos`, or `max-tokens` when the output was cut off. */
  readonly stop: string;
}

/** The prompt set's records, or a one-line CLI error for an empty file or one of another schema. */
export function readPromptRecords(text: string, format: InputFormat, name: string): PromptRecord[] {
  try {
    return readCore(text, format, name);
  } catch (e) {
    if (e instanceof BatchInputError) throw new CliError(e.message.replace('score it as traces instead of generating', 'drop --generate to score them'));
    throw e;
  }
}

export interface GenerateRecordsOptions {
  /** Decoding options; `seed` is the base seed: record i is sampled with seed + i (its index in the file). */
  readonly generate: GenerateOptions;
  readonly formulation?: Formulation;
  readonly onRecord?: () => void;
  /** What made the rows, written as each row's last field ("by"). */
  readonly by?: MadeBy;
  /** The input's text of a line (JSON lines), so a number id is written as it was (rawId.ts). */
  readonly sourceLine?: (line: number) => string | undefined;
  /** A note on an answered record (characters its tokenizer cannot represent), for stderr. */
  readonly onNote?: (msg: string) => void;
  /** Adds "verdict" to each row's scores. */
  readonly profile?: CalibrationProfile | null;
}

/**
 * Answers and grades records in order; `write` gets each row and its line, `report` each skipped
 * record's message. Each record's sampling seed depends only on its place in the file, so a shard
 * or a resumed run writes the same text as one run (greedy decoding, the default, needs no seed).
 */
export async function generateRecords(
  engine: Engine,
  records: readonly PromptRecord[],
  write: (row: GeneratedRow, text: string) => void,
  report: (msg: string) => void,
  opts: GenerateRecordsOptions,
): Promise<BatchSummary> {
  const cotkFrom = FORMULATION_SCORER[opts.formulation ?? 'v2'];
  const baseSeed = opts.generate.seed ?? 0;
  return forEachRecord(records, report, opts.onRecord, async (item, line, index) => {
    const run = await engine.generate(item.prompt, { ...opts.generate, seed: baseSeed + index, stateCapBytes: 0 });
    noteUnrepresentable(engine, run, line, opts.onNote);
    const { answer, label } = gradeOutput(run.text, item.expected);
    const scores = withVerdict({ ...run.scores, cotk: run.scores[cotkFrom], ...v2Terms(run.detail.cotkV2) }, opts.profile ?? null);
    const base: GeneratedRow = { id: item.id, line, prompt: item.prompt, expected: item.expected, output: run.text, answer, label, stop: run.stop, scores };
    const row = opts.by ? { ...base, by: opts.by } : base;
    write(row, rowLine(row, opts.sourceLine?.(line)));
  });
}
