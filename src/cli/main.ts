import { BATCH_USAGE, batchCommand } from './batch';
import { CALIBRATE_USAGE, calibrateCommand } from './calibrate';
import { CAPTURE_USAGE, captureCommand } from './capture';
import { GENERATE_USAGE, generateCommand } from './generate';
import { fsSentence, WRITE_FAILED } from './files';
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
  cotk calibrate       fit a calibration profile (verdict = P(correct)) on labelled cotk batch output
  cotk synth           write a Qwen3-0.6B- or R1-Distill-1.5B-shaped model folder with seeded weights
  cotk help            this text

${STATES_USAGE}

${GENERATE_USAGE}

${CAPTURE_USAGE}

${BATCH_USAGE}

${MERGE_USAGE}

${SYNTH_USAGE}

${CALIBRATE_USAGE}`;

/** ANSI escape sequences (colours, cursor moves) that a runtime's message may carry; never shown raw. */
// eslint-disable-next-line no-control-regex -- the escape character is what is matched
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/**
 * Standard output closed early (`cotk states FILE | head -c 10`) ends the command quietly, as Unix
 * tools do; a full disk or another write failure (`> /dev/full`) is one sentence on stderr and exit 1.
 * Without this, Node prints the EPIPE/ENOSPC error with a stack trace.
 */
function guardStdout(io: CliIo, command: string | undefined): void {
  io.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    io.stderr.write(`cotk ${command ?? ''}: ${fsSentence(e, 'standard output')}\n`.replace('cotk : ', 'cotk: '));
    process.exit(WRITE_FAILED);
  });
}

/** Runs one `cotk` invocation; returns the exit code (0 ok, 2 bad usage or input, 1 internal error or a failed write). */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (io.stdout === process.stdout) guardStdout(io, command);
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
      case 'calibrate':
        return await calibrateCommand(rest, io);
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
      io.stderr.write(`cotk ${command ?? ''}: ${e.message.replace(ANSI, '')}\n`.replace('cotk : ', 'cotk: '));
      return e.exitCode;
    }
    const code = (e as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EIO' || code === 'EROFS') {
      io.stderr.write(`cotk ${command}: ${fsSentence(e, 'the output')}\n`);
      return WRITE_FAILED;
    }
    io.stderr.write(`cotk ${command}: internal error: ${((e as Error).stack ?? String(e)).replace(ANSI, '')}\n`);
    return 1;
  }
}
