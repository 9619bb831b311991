import { InputError } from '../core/errors';
import { parseJsonLenient } from '../core/json';
import { parseStatesFile, scoreMetricsInput, scoreStatesCase } from '../core/states';
import type { TraceScores } from '../core/scores/index';
import { CliError, parseArgs, readInput, type CliIo } from './io';

export const STATES_USAGE = `usage: cotk states FILE [--allow-empty-answer]
  Scores captured hidden states in the golden layout (the layout is described in README.md, under "cotk on the command line").
  FILE is a JSON file, or - for standard input. Prints one JSON object to stdout.`;

function caseOutput(name: string | undefined, s: TraceScores): object {
  const { kinetic, curvature, energy, traceEnergy } = s.cotk;
  const { mag, ang, coeR, coeC } = s.coe;
  return {
    ...(name !== undefined ? { name } : {}),
    cotk: { kinetic, curvature, energy, traceEnergy },
    cotkV2: s.cotkV2,
    coe: { mag, ang, coeR, coeC },
    output: s.output,
    answer: s.answer,
  };
}

export async function statesCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, [], ['allow-empty-answer']);
  if (args.positional.length !== 1) throw new CliError(`expected one FILE\n${STATES_USAGE}`);
  const path = args.positional[0];
  const raw0 = await readInput(path, io);
  // A UTF-8 byte order mark (Windows editors write one) is not part of the JSON; the app reads such files too.
  const text = raw0.startsWith('\uFEFF') ? raw0.slice(1) : raw0;
  let raw: unknown;
  try {
    raw = parseJsonLenient(text);
  } catch (e) {
    throw new CliError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  try {
    const file = parseStatesFile(raw, { allowEmptyAnswer: args.flags.has('allow-empty-answer') });
    const result = {
      cases: file.cases.map((c) => caseOutput(c.name, scoreStatesCase(c))),
      metrics: file.metrics.map(scoreMetricsInput),
    };
    io.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof InputError) throw new CliError(`${path}: ${e.message}`);
    throw e;
  }
}
