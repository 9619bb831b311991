import { availableParallelism } from 'node:os';
import { env as hfEnv } from '@huggingface/transformers';
import { createEngine, EngineError, type Engine, type OrtModule } from '../engine/index';
import { CliError, type ParsedArgs } from './io';
import { type PlanBudget, type PlanRequest } from '../core/plan';
import { parseBytes, planLoad, processBudget, refuseIfNeeded, shapeOf, weightsBytes } from './memory';
import { loadModelDir } from './modelDir';
import { cliLogLevel, logSeverity } from '../engine/ortLog';

/**
 * What `generate`, `capture` and `batch` share: the model options, loading the folder, creating
 * the engine on the chosen runtime, and turning engine errors into one-line CLI errors.
 */
export const MODEL_FLAGS = ['model', 'variant', 'runtime', 'threads', 'max-memory'] as const;

export const MODEL_USAGE = `  --model DIR     model folder (genai or onnx-community layout; e.g. public/models/tiny-reasoner)
  --variant V     which graph: a sub-folder (fp32-cpu, int4-cpu) or a dtype (fp32, q4, q4f16)
  --runtime R     node (onnxruntime-node, default: runs int4 graphs) or wasm (onnxruntime-web, as in the browser)
  --threads N     intra-op threads (default 1 for small models, where threads cost more than they give)
  --max-memory S  memory budget for the planner (e.g. 2G, 512M; default: free memory, within a cgroup limit)`;

export function flagString(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function flagNumber(args: ParsedArgs, name: string, check: (x: number) => boolean, want: string): number | undefined {
  const v = flagString(args, name);
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || !check(x)) throw new CliError(`--${name} must be ${want}, got "${v}"`);
  return x;
}

/** Engine errors are the user's to fix (a path, a file, a variant, a too-long prompt): exit 2. */
export function asCliError(e: unknown): unknown {
  return e instanceof EngineError ? new CliError(e.message) : e;
}

async function loadRuntime(name: string, threads: number | undefined): Promise<{ ort: OrtModule; providers: string[]; label: string }> {
  // The runtime's own log lines are ANSI-coloured, written straight to the terminal, and repeat errors
  // cotk explains in one line: it logs nothing below fatal unless COTK_ORT_LOG asks (see ortLog.ts).
  const level = cliLogLevel(process.env.COTK_ORT_LOG);
  if (name === 'node') {
    const ort = await import('onnxruntime-node');
    ort.env.logLevel = level;
    return { ort, providers: ['cpu'], label: 'onnxruntime-node' };
  }
  if (name === 'wasm') {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = threads ?? 1;
    ort.env.logLevel = level;
    return { ort, providers: ['wasm'], label: 'onnxruntime-web' };
  }
  throw new CliError(`--runtime must be node or wasm, got "${name}"`);
}

/** What the memory planner needs about an open engine: its model's sizes and the process's budget. */
export interface EngineMemory {
  readonly request: Pick<PlanRequest, 'shape' | 'weightsBytes' | 'dtype' | 'runtime'>;
  readonly budget: () => PlanBudget;
}
const memory = new WeakMap<Engine, EngineMemory>();
export function engineMemory(engine: Engine): EngineMemory | undefined {
  return memory.get(engine);
}

/** --threads N: a whole number from 1 to the machine's cores (more threads than cores only wait on each other). */
export function parseThreads(args: ParsedArgs, cores = availableParallelism()): number | undefined {
  const threads = flagNumber(args, 'threads', (x) => Number.isInteger(x) && x >= 1, 'a whole number ≥ 1');
  if (threads !== undefined && threads > cores) {
    throw new CliError(`--threads ${threads} is more than the ${cores} core(s) of this machine: threads beyond the cores only wait on each other; pass --threads ${cores} or fewer`);
  }
  return threads;
}

/**
 * Loads the model of --model/--variant on --runtime. `warn` gets the engine's notes about the model
 * (no chat template, no <think> tokens): what a user must know before trusting a score.
 */
export async function openEngine(args: ParsedArgs, warn?: (m: string) => void): Promise<Engine> {
  const dir = flagString(args, 'model');
  if (!dir) throw new CliError('--model DIR is required (e.g. --model public/models/tiny-reasoner)');
  const threads = parseThreads(args);
  // Everything comes from the folder; transformers.js must never try the Hub from the CLI.
  hfEnv.allowRemoteModels = false;
  try {
    const files = await loadModelDir(dir, { variant: flagString(args, 'variant') });
    const runtime = flagString(args, 'runtime') ?? 'node';
    const maxMemoryFlag = flagString(args, 'max-memory');
    const maxMemory = maxMemoryFlag === undefined ? undefined : parseBytes(maxMemoryFlag);
    if (maxMemory === null) throw new CliError(`--max-memory must be a size such as 2G, 512M or 3000000000, got "${maxMemoryFlag}"`);
    const planRuntime = runtime === 'wasm' ? 'wasm' : 'node';
    // Refuse before the runtime is asked for memory it cannot have: a sentence, never a killed process.
    const load = planLoad(files, planRuntime, processBudget(maxMemory, planRuntime));
    refuseIfNeeded(load);
    const rt = await loadRuntime(runtime, threads);
    const small = files.config.hiddenSize <= 512;
    const intraOpNumThreads = threads ?? (small ? 1 : undefined);
    const engine = await createEngine(rt.ort, files, {
      runtime: rt.label,
      executionProviders: rt.providers,
      sessionOptions: { logSeverityLevel: logSeverity(cliLogLevel(process.env.COTK_ORT_LOG)), ...(intraOpNumThreads === undefined ? {} : { intraOpNumThreads }) },
    });
    memory.set(engine, { request: { shape: shapeOf(files), weightsBytes: weightsBytes(files), dtype: files.variant, runtime: planRuntime }, budget: () => processBudget(maxMemory, planRuntime) });
    for (const note of engine.info().notes) warn?.(`warning: ${note}`);
    return engine;
  } catch (e) {
    throw asCliError(e);
  }
}
