import { createWriteStream } from 'node:fs';
import { EngineError, type Engine } from '../engine/index';
import { asCliError, flagNumber, flagString, MODEL_FLAGS, MODEL_USAGE, openEngine } from './engineSetup';
import { CliError, parseArgs, readInput, type CliIo } from './io';

export const BATCH_USAGE = `usage: cotk batch --model DIR --in traces.jsonl --out scores.jsonl [--prefill-chunk N]
  Teacher-forced scoring of finished traces. Each input line:
    {"id": any, "prompt": "<user message>", "output": "<assistant text, <think> … EOS>", "label": 0|1 (optional)}
  The prompt goes through the model's chat template with the generation prompt. Each output line:
    {"id": …, "scores": {"cotk", "cotkV2", "cotkEnergy", "coeR", "coeC", "perplexity", "meanEntropy",
     "selfCertainty", "maxProb", "answerConfidence"}}   (null where a segment is empty), in input order.
    cotk is the default CoT-Kinetics energy (v2); cotkEnergy is v1, cotkV2 is v2.
  A bad line is reported on stderr with its line number and skipped; the exit code is then 2.
${MODEL_USAGE}
  --in FILE       JSON lines (- for standard input)
  --out FILE      JSON lines (- for standard output)
  --prefill-chunk positions per forward pass (default: the whole trace)`;

export interface BatchItem {
  readonly line: number;
  readonly id: unknown;
  readonly prompt: string;
  readonly output: string;
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
  if ('label' in o && ![0, 1, true, false].includes(o.label as number | boolean)) return `"label" must be 0 or 1, got ${JSON.stringify(o.label)}`;
  return { line, id: o.id, prompt: o.prompt, output: o.output };
}

export interface BatchSummary {
  readonly scored: number;
  readonly skipped: number;
}

/** Scores each line in order; `write` gets each output line, `report` each skipped line's message. */
export async function scoreLines(
  engine: Engine,
  text: string,
  write: (line: string) => void,
  report: (msg: string) => void,
  prefillChunk?: number,
): Promise<BatchSummary> {
  let scored = 0;
  let skipped = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const item = parseBatchLine(lines[i], i + 1);
    if (typeof item === 'string') {
      report(`line ${i + 1}: ${item} (skipped)`);
      skipped++;
      continue;
    }
    try {
      const run = await engine.score(item.prompt, item.output, { stateCapBytes: 0, prefillChunk });
      write(`${JSON.stringify({ id: item.id, scores: run.scores })}\n`);
      scored++;
    } catch (e) {
      if (!(e instanceof EngineError) || e.code === 'engine-closed') throw e;
      report(`line ${i + 1}: ${e.message} (skipped)`);
      skipped++;
    }
  }
  return { scored, skipped };
}

export async function batchCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, [...MODEL_FLAGS, 'in', 'out', 'prefill-chunk'], []);
  if (args.positional.length > 0) throw new CliError(`unexpected argument "${args.positional[0]}"\n${BATCH_USAGE}`);
  const inPath = flagString(args, 'in');
  const outPath = flagString(args, 'out');
  if (!inPath || !outPath) throw new CliError(`--in FILE and --out FILE are required\n${BATCH_USAGE}`);
  const prefillChunk = flagNumber(args, 'prefill-chunk', (x) => Number.isInteger(x) && x >= 1, 'a whole number ≥ 1');
  const text = await readInput(inPath, io);
  const engine = await openEngine(args);
  const file = outPath === '-' ? null : createWriteStream(outPath);
  const opened = file
    ? new Promise<void>((resolve, reject) => {
        file.once('error', (e) => reject(new CliError(`cannot write ${outPath}: ${e.message}`)));
        file.once('open', () => resolve());
      })
    : Promise.resolve();
  const out: NodeJS.WritableStream = file ?? io.stdout;
  const t0 = performance.now();
  try {
    await opened;
    const s = await scoreLines(engine, text, (l) => out.write(l), (m) => io.stderr.write(`cotk batch: ${m}\n`), prefillChunk);
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    io.stderr.write(`cotk batch: scored ${s.scored} trace(s) in ${secs} s${s.skipped ? `, skipped ${s.skipped} bad line(s)` : ''}\n`);
    return s.skipped > 0 ? 2 : 0;
  } catch (e) {
    throw asCliError(e);
  } finally {
    if (file) await new Promise<void>((resolve) => file.end(resolve));
    await engine.release();
  }
}
