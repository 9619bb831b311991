import { SCORERS } from '../core/scores/index';
import { unrepresentableNote } from '../core/trace/representable';
import type { RunResult } from '../engine/index';
import { resolveMaxTokens } from '../engine/generate';
import { DEFAULT_STATE_CAP_BYTES } from '../engine/keep';
import { asCliError, engineMemory, flagNumber, flagString, MODEL_FLAGS, MODEL_USAGE, openEngine } from './engineSetup';
import { planRun } from './memory';
import { CliError, parseArgs, type CliIo } from './io';
import { CALIBRATION_USAGE, readNamedProfile, resolveProfile, withVerdict } from './verdict';
import { v2Terms, type CalibrationProfile } from '../core/calibration/index';

export const GENERATE_USAGE = `usage: cotk generate --model DIR --prompt TEXT [--max-tokens N] [--temperature T] [--top-p P] [--seed S] [--json]
  Generates an answer with the model's chat template, streaming the reasoning and the answer to
  stdout as they come, then prints the scores (or, with --json, one JSON object at the end).
${MODEL_USAGE}
  --max-tokens N  output tokens at most (default: 1024 or what the context leaves)
  --temperature T 0 = greedy (default); > 0 samples
  --top-p P       nucleus sampling mass in (0, 1] (default 1)
  --seed S        sampling seed (default 0)
${CALIBRATION_USAGE}`;

function fmt(x: number | null): string {
  return x === null ? 'n/a (empty segment)' : Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(4) : x.toFixed(4);
}

/** A plain summary a person reads; the orientation says which way each score points. */
export function scoreTable(run: RunResult, verdict: number | null = null): string {
  const lines = SCORERS.map((s) => `  ${s.id.padEnd(17)} ${fmt(run.scores[s.id]).padStart(12)}   ${s.label} (${s.orientation})`);
  if (verdict !== null) lines.push(`  ${'verdict'.padEnd(17)} ${fmt(verdict).padStart(12)}   calibrated P(correct) from the calibration profile (higher-is-correct)`);
  const n = run.tokens.length;
  const secs = run.timing.decodeMs / 1000;
  const rate = secs > 0 ? `, ${(n / secs).toFixed(1)} tokens/s` : '';
  const seg = run.segments;
  return [
    `stop: ${run.stop} after ${n} tokens${rate}; reasoning ${seg.reasoning[1] - seg.reasoning[0]} tokens, answer ${seg.answer[1] - seg.answer[0]} tokens`,
    ...seg.notes.map((m) => `note: ${m}`),
    'scores:',
    ...lines,
  ].join('\n');
}

export function runJson(run: RunResult, profile: CalibrationProfile | null = null): object {
  return {
    text: run.text,
    stop: run.stop,
    promptTokens: run.promptLength,
    outputTokens: run.tokens.length,
    reasoning: run.segments.reasoning,
    answer: run.segments.answer,
    notes: run.segments.notes,
    scores: withVerdict({ ...run.scores, ...v2Terms(run.detail.cotkV2) }, profile),
    timing: run.timing,
  };
}

export async function generateCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, [...MODEL_FLAGS, 'prompt', 'max-tokens', 'temperature', 'top-p', 'seed', 'calibration'], ['json']);
  if (args.positional.length > 0) throw new CliError(`unexpected argument "${args.positional[0]}"\n${GENERATE_USAGE}`);
  const prompt = flagString(args, 'prompt');
  if (prompt === undefined) throw new CliError(`--prompt TEXT is required\n${GENERATE_USAGE}`);
  const opts = {
    maxTokens: flagNumber(args, 'max-tokens', (x) => Number.isInteger(x) && x >= 1, 'a whole number ≥ 1'),
    temperature: flagNumber(args, 'temperature', (x) => x >= 0, 'a number ≥ 0'),
    topP: flagNumber(args, 'top-p', (x) => x > 0 && x <= 1, 'a number in (0, 1]'),
    seed: flagNumber(args, 'seed', Number.isInteger, 'an integer'),
  };
  const json = args.flags.has('json');
  const named = readNamedProfile(args);
  const engine = await openEngine(args, (m) => void io.stderr.write(`cotk generate: ${m}\n`));
  let profile: CalibrationProfile | null;
  try {
    profile = resolveProfile(args, named, engine, (m) => void io.stderr.write(`cotk generate: ${m}\n`))?.profile ?? null;
  } catch (e) {
    await engine.release();
    throw e;
  }
  const eos = new Set(engine.info().special.eos);
  // Ctrl-C stops the run at the next step and still prints what there is.
  const abort = new AbortController();
  const onSigint = (): void => abort.abort();
  process.once('SIGINT', onSigint);
  try {
    // The memory planner: a stderr line, a shorter run or fewer kept states when the budget asks, exit 2 when nothing fits.
    const promptTokens = engine.promptIds(prompt).length;
    const maxTokens = resolveMaxTokens(opts, promptTokens, engine.info().config.contextLength); // a too-long request is told first
    const planned = planRun(
      engineMemory(engine),
      { promptTokens, maxTokens, stateCapBytes: DEFAULT_STATE_CAP_BYTES },
      io.stderr,
      'cotk generate',
    );
    const run = await engine.generate(
      prompt,
      { ...opts, ...planned },
      (t) => {
        if (!json && !eos.has(t.id)) io.stdout.write(t.text);
      },
      abort.signal,
    );
    const note = unrepresentableNote(run.unrepresentable ?? [], engine.info().name);
    if (note) io.stderr.write(`cotk generate: note: ${note}\n`);
    const verdict = profile ? (withVerdict({ ...run.scores, ...v2Terms(run.detail.cotkV2) }, profile).verdict ?? null) : null;
    io.stdout.write(json ? `${JSON.stringify(runJson(run, profile))}\n` : `\n\n${scoreTable(run, verdict)}\n`);
    return 0;
  } catch (e) {
    throw asCliError(e);
  } finally {
    process.off('SIGINT', onSigint);
    await engine.release();
  }
}
