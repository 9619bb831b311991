import { statesCaseJson, toStatesCase, type Engine } from '../engine/index';
import { asCliError, engineMemory, flagNumber, flagString, MODEL_FLAGS, MODEL_USAGE, openEngine } from './engineSetup';
import { writeFileAtomic } from './files';
import { planRun } from './memory';
import { CliError, parseArgs, type CliIo } from './io';

export const CAPTURE_USAGE = `usage: cotk capture --model DIR (--ids 1,2,3 [--prompt-length N] | --prompt TEXT --output TEXT) [--out FILE]
  Runs one sequence through the tapped model (teacher forcing) and writes its states, logits and
  segments in the golden layout, so that \`cotk states FILE\` scores them.
${MODEL_USAGE}
  --ids           the whole sequence as token ids (chat-templated prompt, then the output)
  --prompt-length where the output starts in --ids (default: at the first <think>)
  --prompt        a user message (goes through the chat template with the generation prompt)
  --output        the assistant's output as text, from <think> to the end
  --out FILE      where to write the JSON (default: standard output)`;

function parseIds(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const ids = parts.map(Number);
  const bad = parts.findIndex((s, i) => s === '' || !Number.isInteger(ids[i]) || ids[i] < 0);
  if (bad >= 0) throw new CliError(`--ids must be comma-separated token ids; item ${bad + 1} is "${parts[bad]}"`);
  return ids;
}

function splitIds(engine: Engine, ids: number[], promptLength: number | undefined): { prompt: number[]; output: number[] } {
  let p = promptLength;
  if (p === undefined) {
    const think = engine.info().special.think;
    p = ids.indexOf(think);
    if (think < 0 || p < 0) throw new CliError('--ids holds no <think> token to find where the output starts; pass --prompt-length N');
  }
  if (p < 1 || p > ids.length) throw new CliError(`--prompt-length ${p} must be between 1 and the ${ids.length} ids`);
  return { prompt: ids.slice(0, p), output: ids.slice(p) };
}

export async function captureCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, [...MODEL_FLAGS, 'ids', 'prompt-length', 'prompt', 'output', 'out'], []);
  if (args.positional.length > 0) throw new CliError(`unexpected argument "${args.positional[0]}"\n${CAPTURE_USAGE}`);
  const idsText = flagString(args, 'ids');
  const prompt = flagString(args, 'prompt');
  const output = flagString(args, 'output');
  if ((idsText === undefined) === (prompt === undefined) || (prompt === undefined) !== (output === undefined)) {
    throw new CliError(`give either --ids, or --prompt with --output\n${CAPTURE_USAGE}`);
  }
  const promptLength = flagNumber(args, 'prompt-length', Number.isInteger, 'a whole number');
  const out = flagString(args, 'out');
  if (out !== undefined && out.trim() === '') throw new CliError('--out needs a file name (or - for standard output), got an empty one');
  if (output !== undefined && output.trim() === '') throw new CliError('--output is empty: give the assistant\'s output text (from <think> to the end), so there is something to capture and score');
  const ids = idsText === undefined ? null : parseIds(idsText);
  const engine = await openEngine(args, (m) => void io.stderr.write(`cotk capture: ${m}\n`));
  try {
    const opts = { stateCapBytes: Infinity, keepLogits: true };
    let run;
    const plan = (p: number, o: number) => planRun(engineMemory(engine), { promptTokens: p, maxTokens: o, stateCapBytes: Infinity, requireStates: true }, io.stderr, 'cotk capture');
    if (ids) {
      const { prompt: p, output: o } = splitIds(engine, ids, promptLength);
      plan(p.length, o.length);
      run = await engine.score({ ids: p }, o, opts);
    } else {
      plan(engine.promptIds(prompt as string).length, engine.tokenizer.encode(output as string).length);
      run = await engine.score(prompt as string, output as string, opts);
    }
    const c = toStatesCase(run, engine.info().config.vocabSize, undefined, 'capture');
    for (const note of run.segments.notes) io.stderr.write(`cotk capture: note: ${note}\n`);
    const json = `${JSON.stringify({ cases: [statesCaseJson(c)] })}\n`;
    if (out === undefined || out === '-') io.stdout.write(json);
    else writeFileAtomic(out, json);
    return 0;
  } catch (e) {
    throw asCliError(e);
  } finally {
    await engine.release();
  }
}
