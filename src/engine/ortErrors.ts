import { CorruptModelError, EngineError, UnsupportedModelError } from './errors';

/**
 * Rewrites onnxruntime's messages (a C++ status string, sometimes wrapped by the WASM glue) into
 * an {@link EngineError} that names the operator and says what to do. Kept separate from the
 * session code so the page can explain an error that crossed the worker boundary as plain text.
 */
export interface OrtErrorContext {
  /** "onnxruntime-node", "onnxruntime-web (wasm)", … */
  readonly runtime: string;
  /** The model and variant, e.g. "tiny-reasoner, int4-cpu". */
  readonly model: string;
  readonly graphFile: string;
  readonly stage: 'load' | 'run';
}

const QUANT_OPS = new Set(['GatherBlockQuantized', 'MatMulNBits', 'QMoE', 'DequantizeLinear']);

function advice(op: string, ctx: OrtErrorContext): string {
  if (QUANT_OPS.has(op)) {
    // GatherBlockQuantized is rewritten into standard ops where the EP lacks it (src/engine/tap/quantizedGather.ts),
    // so reaching here means another quantized op, or a table layout the rewrite does not cover.
    return 'this runtime has no kernel for that quantized operator; pick the fp32 variant (fp32-cpu or fp32), or run this graph in onnxruntime-node (the cotk CLI).';
  }
  if (/webgpu/i.test(ctx.runtime)) return 'pick the fp32 variant, or switch to the WASM backend.';
  // Already a CPU graph on a CPU runtime: another variant would not help; the graph and its inputs or config disagree.
  if (!/gpu|f16|cuda|dml/i.test(ctx.model)) return 'the graph and what it was fed disagree (a config value or a token id the graph does not allow); check the model folder against the graph, or copy it again.';
  return 'this variant was made for a GPU: pick a variant made for the CPU (fp32-cpu, int4-cpu, fp32, q4), or run this one on WebGPU.';
}

export function explainOrtError(e: unknown, ctx: OrtErrorContext): EngineError {
  if (e instanceof EngineError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  const where = `${ctx.runtime} cannot ${ctx.stage === 'load' ? 'load' : 'run'} ${ctx.model}`;
  const noKernel = /Could not find an implementation for (\w+)\(\d+\)/.exec(msg);
  if (noKernel) {
    const op = noKernel[1];
    return new UnsupportedModelError(`${where}: it has no kernel for the ${op} operator; ${advice(op, ctx)}`, op, { cause: e });
  }
  const unknownOp = /(?:([\w.]+):)?(\w+)\(-?\d+\) is not a registered function\/op/.exec(msg);
  if (unknownOp) {
    const op = unknownOp[2];
    return new UnsupportedModelError(
      `${where}: it uses an operator this runtime does not know (${unknownOp[1] ? `${unknownOp[1]}:` : ''}${op}); the graph needs a newer onnxruntime, or the file is damaged (copy it again).`,
      op,
      { cause: e },
    );
  }
  if (/q_norm_weight|k_norm_weight/.test(msg)) {
    return new UnsupportedModelError(
      `${where}: this graph fuses the Q/K norm into GroupQueryAttention, which only the WebGPU and CUDA kernels implement; ${advice('GroupQueryAttention', ctx)}`,
      'GroupQueryAttention',
      { cause: e },
    );
  }
  if (/shader-f16|float16.*not supported|f16 .*not supported/i.test(msg)) {
    return new UnsupportedModelError(`${where}: the GPU lacks shader-f16, which fp16 and int4 graphs need; pick the fp32 variant or switch to the WASM backend.`, null, { cause: e });
  }
  if (/protobuf parsing failed|Failed to load model|invalid model|ModelProto/i.test(msg) && ctx.stage === 'load') {
    return new CorruptModelError(ctx.graphFile, `the runtime could not parse it: ${msg.split('\n')[0]}`, { cause: e });
  }
  const node = /running (\w+) node/.exec(msg);
  const op = node ? node[1] : null;
  const status = /Status Message: (.*)/.exec(msg)?.[1] ?? msg.split('\n')[0];
  return new UnsupportedModelError(`${where}${op ? ` (operator ${op})` : ''}: ${status}; ${op ? advice(op, ctx) : 'try another variant or backend.'}`, op, { cause: e });
}
