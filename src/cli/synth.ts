import { SHAPE_NAMES, SHAPES, SYNTH_DTYPES, type ShapeName, type SynthDtype } from '../synth/shapes';
import { SynthError, writeSynth } from '../synth/node';
import { flagNumber, flagString } from './engineSetup';
import { CliError, parseArgs, type CliIo } from './io';

export const SYNTH_USAGE = `usage: cotk synth --shape ${SHAPE_NAMES.join('|')} --dtype ${SYNTH_DTYPES.join('|')} --out DIR [--layers N] [--seed S]
  Writes a model folder (onnx-community layout) with a real model's config, graph style and Qwen3's
  tokenizer, and seeded weights: a rehearsal of a model's size and speed before downloading it.
  Run again with another --dtype (same --shape, --layers, --seed) to add that graph to the folder.
  --shape S       qwen3-0.6b (28 × 1024, tied embeddings) or r1-distill-1.5b (28 × 1536, Qwen2 biases)
  --dtype D       fp32, fp16, q4 (MatMulNBits + GatherBlockQuantized) or q4f16
  --out DIR       the folder to write (created; must be empty or an earlier synth of the same model)
  --layers N      decoder layers, 1 to 28 (default: the real model's 28); width and vocabulary stay
  --seed S        weight seed, a whole number ≥ 0 (default 0); the same seed gives the same bytes`;

function mb(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : `${(n / 1e6).toFixed(1)} MB`;
}

export async function synthCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, ['shape', 'dtype', 'out', 'layers', 'seed'], []);
  if (args.positional.length > 0) throw new CliError(`unexpected argument "${args.positional[0]}"\n${SYNTH_USAGE}`);
  const shapeName = flagString(args, 'shape');
  if (shapeName === undefined) throw new CliError(`--shape is required (${SHAPE_NAMES.join(' or ')})\n${SYNTH_USAGE}`);
  if (!(SHAPE_NAMES as readonly string[]).includes(shapeName)) throw new CliError(`--shape must be ${SHAPE_NAMES.join(' or ')}, got "${shapeName}"`);
  const dtype = flagString(args, 'dtype');
  if (dtype === undefined) throw new CliError(`--dtype is required (${SYNTH_DTYPES.join(', ')})\n${SYNTH_USAGE}`);
  if (!(SYNTH_DTYPES as readonly string[]).includes(dtype)) throw new CliError(`--dtype must be one of ${SYNTH_DTYPES.join(', ')}, got "${dtype}"`);
  const out = flagString(args, 'out');
  if (!out) throw new CliError(`--out DIR is required\n${SYNTH_USAGE}`);
  const shape = SHAPES[shapeName as ShapeName];
  const layers = flagNumber(args, 'layers', (x) => Number.isInteger(x) && x >= 1 && x <= shape.layers, `a whole number from 1 to ${shape.layers}`) ?? shape.layers;
  const seed = flagNumber(args, 'seed', (x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff, 'a whole number from 0 to 4294967295') ?? 0;
  let result;
  try {
    result = writeSynth({ shape, dtype: dtype as SynthDtype, layers, seed, out });
  } catch (e) {
    if (e instanceof SynthError) throw new CliError(e.message);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC') throw new CliError(`no space left on the device while writing ${out}; free some space or pick another folder.`);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw new CliError(`cannot write into ${out}: permission denied.`);
    throw e;
  }
  const total = result.files.reduce((a, f) => a + f.bytes, 0);
  io.stdout.write(
    `${shape.name} (${layers} layers, seed ${seed}) ${dtype}: ${result.parameters.toLocaleString('en-US')} parameters, ${mb(total)} in ${(result.ms / 1000).toFixed(1)} s\n` +
      result.files.map((f) => `  ${f.path}  ${mb(f.bytes)}\n`).join('') +
      `run it: cotk generate --model ${out} --variant ${dtype} --prompt "What is 12+7?"\n`,
  );
  return 0;
}
