import { CorruptModelError, UnsupportedModelError } from './errors';
import { explainOrtError } from './ortErrors';
import { floatData, type OrtTensor } from './ort';
import type { ModelSession } from './session';

/**
 * One forward pass over new tokens with the KV cache: the building block of prefill, decoding and
 * teacher forcing. The cache tensors go straight from one run's `present.*` outputs into the next
 * run's `past_key_values.*` inputs, so on WebGPU (kvOnDevice) they never leave the GPU.
 */
export interface StepOutput {
  /** Number of new positions this step ran. */
  readonly n: number;
  /** Position of the first of them. */
  readonly start: number;
  /** Row-major [n][vocab]: row j is the distribution after position start + j. */
  readonly logits: Float32Array;
  /** Row-major [L+2][n][hidden] (R[0..L], then H[L]), or null for an untapped graph. */
  readonly states: Float32Array | null;
}

export class KvCache {
  private past: Record<string, OrtTensor> = {};
  /** Positions already in the cache. */
  length = 0;

  constructor(private readonly ms: ModelSession) {
    this.reset();
  }

  /** Empty cache: [batch 1, kv heads, 0, head dim] tensors. */
  reset(): void {
    this.dispose();
    const { ort, io } = this.ms;
    const dims = [1, io.kvHeads, 0, io.headDim];
    for (const p of io.past) {
      for (const name of [p.key, p.value]) {
        this.past[name] = io.kvType === 'float16' ? new ort.Tensor('float16', new Uint16Array(0), dims) : new ort.Tensor('float32', new Float32Array(0), dims);
      }
    }
    this.length = 0;
  }

  feeds(): Record<string, OrtTensor> {
    return { ...this.past };
  }

  /** Takes the run's present tensors as the new past and frees the old ones (device memory on WebGPU). */
  advance(out: Readonly<Record<string, OrtTensor>>, n: number): void {
    const old = this.past;
    this.past = {};
    for (const p of this.ms.io.past) {
      this.past[p.key] = out[p.presentKey];
      this.past[p.value] = out[p.presentValue];
    }
    for (const t of Object.values(old)) t.dispose();
    this.length += n;
  }

  dispose(): void {
    for (const t of Object.values(this.past)) t.dispose();
    this.past = {};
  }
}

function idTensor(ms: ModelSession, values: ArrayLike<number>, dims: number[]): OrtTensor {
  const { ort, io } = ms;
  if (io.idType === 'int32') return new ort.Tensor('int32', Int32Array.from(values), dims);
  const big = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) big[i] = BigInt(values[i]);
  return new ort.Tensor('int64', big, dims);
}

/** Runs `ids` at positions cache.length … cache.length + n − 1 and advances the cache. */
export async function runStep(ms: ModelSession, cache: KvCache, ids: ArrayLike<number>): Promise<StepOutput> {
  const { io } = ms;
  const n = ids.length;
  const start = cache.length;
  const feeds = cache.feeds();
  feeds[io.inputIds] = idTensor(ms, ids, [1, n]);
  if (io.attentionMask) feeds[io.attentionMask] = idTensor(ms, new Array<number>(start + n).fill(1), [1, start + n]);
  if (io.positionIds) feeds[io.positionIds] = idTensor(ms, Array.from({ length: n }, (_, j) => start + j), [1, n]);
  let out: Readonly<Record<string, OrtTensor>>;
  try {
    out = await ms.session.run(feeds);
  } catch (e) {
    throw explainOrtError(e, ms.errorContext);
  }
  cache.advance(out, n);
  const logitsT = out[io.logits];
  const vocab = logitsT.dims[logitsT.dims.length - 1];
  const logits = floatData(logitsT, io.logits);
  // Some exports return only the last position's logits; the engine needs one row per position.
  if (logits.length !== n * vocab) {
    throw new UnsupportedModelError(
      `${ms.errorContext.model}: ${io.logits} has ${logits.length / vocab} rows for ${n} positions; the engine needs logits for every position, so export the graph without last-token-only logits.`,
    );
  }
  const states = io.states ? floatData(out[io.states], io.states) : null;
  checkFinite(ms, start, n, logits, states);
  return { n, start, logits, states };
}

function firstNonFinite(xs: Float32Array): number {
  for (let i = 0; i < xs.length; i++) if (!Number.isFinite(xs[i])) return i;
  return -1;
}

/**
 * NaN or ±Infinity in the logits or the states is never a score: it comes from corrupted weights
 * (a damaged .onnx.data) or an overflow, and would otherwise surface as null scores or empty
 * segments. Refused here, for every runtime, naming what went non-finite and where.
 */
function checkFinite(ms: ModelSession, start: number, n: number, logits: Float32Array, states: Float32Array | null): void {
  const fail = (what: string, x: number, pos: number): never => {
    throw new CorruptModelError(
      `${ms.errorContext.graphFile} (with its weights)`,
      `the model computed ${Number.isNaN(x) ? 'NaN' : String(x)} in ${what} at position ${pos}; finite inputs give finite outputs, so its weights are damaged or overflow`,
    );
  };
  const li = firstNonFinite(logits);
  if (li >= 0) fail('its logits', logits[li], start + Math.floor(li / (logits.length / n)));
  if (states) {
    const si = firstNonFinite(states);
    if (si >= 0) {
      const perLayer = states.length / (ms.io.past.length + 2);
      const layer = Math.floor(si / perLayer);
      const what = layer === ms.io.past.length + 1 ? 'the final-normed hidden state' : layer === 0 ? 'the embedding (hidden state 0)' : `the hidden state after layer ${layer}`;
      fail(what, states[si], start + Math.floor((si % perLayer) / (perLayer / n)));
    }
  }
}
