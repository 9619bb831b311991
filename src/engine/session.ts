import { UnsupportedModelError } from './errors';
import { withRunLogLevel, type OrtModule, type OrtSession, type OrtSessionOptions, type OrtValueMetadata } from './ort';
import { explainOrtError, type OrtErrorContext } from './ortErrors';
import type { ModelFiles, ProgressCallback } from './source/types';
import { checkOnnx } from './source/validate';
import { GBQ_OP, gbqProbeModel, hasQuantizedGather, lowerQuantizedGather } from './tap/quantizedGather';
import { TapError } from './tap/errors';

/**
 * One inference session over a (tapped) decoder graph, plus what the decode loop must know about
 * its inputs and outputs, read from the session itself rather than assumed from the config.
 */
export interface PastSlot {
  readonly key: string;
  readonly value: string;
  readonly presentKey: string;
  readonly presentValue: string;
}

export interface SessionIO {
  readonly inputIds: string;
  readonly idType: 'int64' | 'int32';
  readonly attentionMask: string | null;
  readonly positionIds: string | null;
  readonly past: readonly PastSlot[];
  readonly kvType: 'float32' | 'float16';
  readonly kvHeads: number;
  readonly headDim: number;
  readonly logits: string;
  /** The tap's [L+2, batch, seq, hidden] output, or null for an untapped graph. */
  readonly states: string | null;
}

/** What the tap returns; the engine only needs the output's name and the layer count. */
export interface TapResult {
  readonly model: Uint8Array;
  readonly info: { readonly statesOutput: string; readonly layers: number };
}
export type TapFn = (model: Uint8Array, opts: { expectedLayers?: number }) => TapResult;

export interface SessionOptions {
  readonly executionProviders?: readonly string[];
  /** For messages: which onnxruntime package this is. */
  readonly runtime?: string;
  /** Rewrites the graph to output the hidden states; null runs the graph as is (no states). */
  readonly tap?: TapFn | null;
  /** Keep the KV cache on the device between steps (WebGPU); the logits and states still come back. */
  readonly kvOnDevice?: boolean;
  readonly onProgress?: ProgressCallback;
  /** Passed through to InferenceSession.create (threads, log level, …). */
  readonly sessionOptions?: OrtSessionOptions;
  /**
   * Rewrite com.microsoft GatherBlockQuantized (the 4-bit embedding) into standard ops: 'auto'
   * (default) when the execution provider has no kernel for it (onnxruntime-web/webgpu's WASM EP),
   * 'always' (tests compare it with the kernel), 'never'.
   */
  readonly lowerQuantizedGather?: 'auto' | 'always' | 'never';
}

export interface ModelSession {
  readonly ort: OrtModule;
  readonly session: OrtSession;
  readonly io: SessionIO;
  readonly errorContext: OrtErrorContext;
  readonly providers: readonly string[];
}

const PAST_RE = /^past_key_values\.(\d+)\.(key|value)$|^past\.(\d+)\.(key|value)$/;
const KNOWN_INPUTS = new Set(['input_ids', 'attention_mask', 'position_ids']);

function meta(session: OrtSession, name: string): OrtValueMetadata | undefined {
  return session.inputMetadata?.find((m) => m.name === name);
}

function describeIO(session: OrtSession, files: ModelFiles, statesOutput: string | null, ctx: OrtErrorContext): SessionIO {
  const fail = (detail: string): never => {
    throw new UnsupportedModelError(`${ctx.model}: ${detail}; the engine runs decoder graphs with input_ids, attention_mask and past_key_values.N.key/value inputs.`);
  };
  const slots = new Map<number, { key?: string; value?: string }>();
  for (const name of session.inputNames) {
    const m = PAST_RE.exec(name);
    if (m) {
      const layer = Number(m[1] ?? m[3]);
      const s = slots.get(layer) ?? {};
      s[(m[2] ?? m[4]) as 'key' | 'value'] = name;
      slots.set(layer, s);
    } else if (!KNOWN_INPUTS.has(name)) fail(`the graph has an input "${name}" the engine does not know how to feed`);
  }
  if (!session.inputNames.includes('input_ids')) fail('the graph has no input_ids input');
  const past: PastSlot[] = [];
  for (let l = 0; l < slots.size; l++) {
    const s = slots.get(l);
    if (!s?.key || !s.value) fail(`past key/value inputs are incomplete at layer ${l}`);
    const present = (n: string): string => n.replace(/^past_key_values\./, 'present.').replace(/^past\./, 'present.');
    const slot = { key: s!.key!, value: s!.value!, presentKey: present(s!.key!), presentValue: present(s!.value!) };
    if (!session.outputNames.includes(slot.presentKey) || !session.outputNames.includes(slot.presentValue)) {
      fail(`no ${slot.presentKey}/${slot.presentValue} outputs to carry the KV cache`);
    }
    past.push(slot);
  }
  if (past.length !== files.config.layers) fail(`the graph has past key/values for ${past.length} layers, the config says ${files.config.layers}`);
  const logits = session.outputNames.includes('logits') ? 'logits' : session.outputNames[0];
  const kv = meta(session, past[0].key);
  const shape = kv?.shape ?? [];
  return {
    inputIds: 'input_ids',
    idType: meta(session, 'input_ids')?.type === 'int32' ? 'int32' : 'int64',
    attentionMask: session.inputNames.includes('attention_mask') ? 'attention_mask' : null,
    positionIds: session.inputNames.includes('position_ids') ? 'position_ids' : null,
    past,
    kvType: kv?.type === 'float16' ? 'float16' : 'float32',
    kvHeads: typeof shape[1] === 'number' ? shape[1] : files.config.numKvHeads,
    headDim: typeof shape[3] === 'number' ? shape[3] : files.config.headDim,
    logits,
    states: statesOutput,
  };
}

const gbqKernel = new WeakMap<OrtModule, Map<string, Promise<boolean>>>();

/** Whether these providers lack a GatherBlockQuantized kernel: a one-node session, once per runtime and provider list. */
export function lacksGbqKernel(ort: OrtModule, providers: readonly string[]): Promise<boolean> {
  let byProviders = gbqKernel.get(ort);
  if (!byProviders) gbqKernel.set(ort, (byProviders = new Map()));
  const key = providers.join(',');
  let p = byProviders.get(key);
  if (!p) {
    p = ort.InferenceSession.create(gbqProbeModel(), { executionProviders: providers }).then(
      async (s) => {
        await s.release();
        return false;
      },
      (e: unknown) => new RegExp(`Could not find an implementation for ${GBQ_OP}`).test(e instanceof Error ? e.message : String(e)),
    );
    byProviders.set(key, p);
  }
  return p;
}

/** Validates, taps and loads the graph; every failure becomes an EngineError naming file and cause. */
export async function openSession(ort: OrtModule, files: ModelFiles, opts: SessionOptions = {}): Promise<ModelSession> {
  const providers = opts.executionProviders ?? ['cpu'];
  const graphFile = files.graphPath ?? (files.layout === 'genai' ? 'model.onnx' : files.variant);
  const ctx: OrtErrorContext = {
    runtime: `${opts.runtime ?? 'onnxruntime'} (${providers.join(', ')})`,
    model: `${files.name}, ${files.variant}`,
    graphFile: `${files.name}: ${graphFile}`,
    stage: 'load',
  };
  checkOnnx(ctx.graphFile, files.graph);
  let graph = files.graph;
  let statesOutput: string | null = null;
  if (opts.tap) {
    opts.onProgress?.({ phase: 'tap', message: 'adding hidden-state outputs to the graph' });
    let tapped: TapResult;
    try {
      tapped = opts.tap(files.graph, { expectedLayers: files.config.layers });
    } catch (e) {
      // The walk's sentence says what it found against what the config says; never an internal error.
      if (e instanceof TapError) throw new UnsupportedModelError(`${ctx.graphFile}: cannot add the hidden-state outputs: ${e.message}`, null, { cause: e });
      throw e;
    }
    graph = tapped.model;
    statesOutput = tapped.info.statesOutput;
  }
  if ((opts.lowerQuantizedGather ?? 'auto') !== 'never' && hasQuantizedGather(graph)) {
    if (opts.lowerQuantizedGather === 'always' || (await lacksGbqKernel(ort, providers))) {
      opts.onProgress?.({ phase: 'tap', message: `rewriting the 4-bit embedding (${GBQ_OP}) into standard ops for ${ctx.runtime}` });
      try {
        graph = lowerQuantizedGather(graph).model;
      } catch (e) {
        throw new UnsupportedModelError(`${ctx.runtime} has no ${GBQ_OP} kernel and ${ctx.model} cannot be rewritten without it: ${e instanceof Error ? e.message : String(e)}`, GBQ_OP, { cause: e });
      }
    }
  }
  opts.onProgress?.({ phase: 'session', message: `creating the ${ctx.runtime} session` });
  const options: OrtSessionOptions = {
    ...opts.sessionOptions,
    executionProviders: providers,
    externalData: files.externalData.map((f) => ({ path: f.path, data: f.data })),
  };
  if (opts.kvOnDevice) {
    // Only the cache stays on the device: logits and states are read back every step anyway.
    const loc: Record<string, 'gpu-buffer'> = {};
    for (let l = 0; l < files.config.layers; l++) loc[`present.${l}.key`] = loc[`present.${l}.value`] = 'gpu-buffer';
    options.preferredOutputLocation = loc;
  }
  let session: OrtSession;
  try {
    session = withRunLogLevel(await ort.InferenceSession.create(graph, options), options.logSeverityLevel);
  } catch (e) {
    throw explainOrtError(e, ctx);
  }
  const io = describeIO(session, files, statesOutput, ctx);
  return { ort, session, io, errorContext: { ...ctx, stage: 'run' }, providers };
}
