import { BATCH_USAGE, batchCommand } from './batch';
import { CAPTURE_USAGE, captureCommand } from './capture';
import { GENERATE_USAGE, generateCommand } from './generate';
import { CliError, type CliIo } from './io';
import { MERGE_USAGE, mergeCommand } from './merge';
import { STATES_USAGE, statesCommand } from './states';
import { SYNTH_USAGE, synthCommand } from './synth';

const USAGE = `cotk — CoT-Kinetics Inspector on the command line

commands:
  cotk states FILE     score captured hidden states (golden layout) and print JSON
  cotk generate        generate an answer, streaming it, then print its scores
  cotk capture         write one sequence's states in the golden layout (for cotk states)
  cotk batch           teacher-forced scoring of finished traces, or answering and grading a prompt set (--generate); metrics
  cotk merge           join the outputs of cotk batch --shard back into input order
  cotk synth           write a Qwen3-0.6B- or R1-Distill-1.5B-shaped model folder with seeded weights
  cotk help            this text

${STATES_USAGE}

${GENERATE_USAGE}

${CAPTURE_USAGE}

${BATCH_USAGE}

${MERGE_USAGE}

${SYNTH_USAGE}`;

/** Runs one `cotk` invocation; returns the exit code (0 ok, 2 bad usage or input, 1 internal error). */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'states':
        return await statesCommand(rest, io);
      case 'generate':
        return await generateCommand(rest, io);
      case 'capture':
        return await captureCommand(rest, io);
      case 'batch':
        return await batchCommand(rest, io);
      case 'merge':
        return await mergeCommand(rest, io);
      case 'synth':
        return await synthCommand(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        throw new CliError(`unknown command "${command}" (try: cotk help)`);
    }
  } catch (e) {
    if (e instanceof CliError) {
      io.stderr.write(`cotk ${command ?? ''}: ${e.message}\n`.replace('cotk : ', 'cotk: '));
      return e.exitCode;
    }
    io.stderr.write(`cotk ${command}: internal error: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}
