/**
 * The slice of the onnxruntime JavaScript API the engine uses, as structural types. The engine is
 * handed a module (`onnxruntime-node`, or `onnxruntime-web` in Node or in the browser worker) and
 * never imports one, so both packages — which pin different onnxruntime-common versions — satisfy
 * these types without a cast.
 */
export interface OrtTensor {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: unknown;
  /** 'cpu' or a device location ('gpu-buffer' on WebGPU); absent on old builds. */
  readonly location?: string;
  dispose(): void;
}

export interface OrtValueMetadata {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
  readonly shape?: readonly (number | string)[];
}

export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata?: readonly OrtValueMetadata[];
  run(feeds: Readonly<Record<string, OrtTensor>>, options?: OrtRunOptions): Promise<Readonly<Record<string, OrtTensor>>>;
  release(): Promise<void>;
}

export interface OrtRunOptions {
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
}

/**
 * The session with the log level of its create options applied to every run as well: onnxruntime-web
 * logs a run at warning level unless told otherwise, whatever the session was created with.
 */
export function withRunLogLevel(session: OrtSession, level: OrtRunOptions['logSeverityLevel']): OrtSession {
  if (level === undefined) return session;
  return {
    get inputNames() {
      return session.inputNames;
    },
    get outputNames() {
      return session.outputNames;
    },
    get inputMetadata() {
      return session.inputMetadata;
    },
    run: (feeds, options) => session.run(feeds, { logSeverityLevel: level, ...options }),
    release: () => session.release(),
  };
}

export interface OrtExternalData {
  readonly path: string;
  readonly data: Uint8Array;
}

/** Session options the engine sets; anything else the caller passes goes through unchanged. */
export interface OrtSessionOptions {
  executionProviders?: readonly string[];
  externalData?: readonly OrtExternalData[];
  preferredOutputLocation?: Record<string, 'cpu' | 'gpu-buffer'>;
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  intraOpNumThreads?: number;
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
}

export interface OrtModule {
  readonly InferenceSession: {
    create(buffer: Uint8Array, options?: OrtSessionOptions): Promise<OrtSession>;
  };
  readonly Tensor: {
    new (type: 'int64', data: BigInt64Array, dims: readonly number[]): OrtTensor;
    new (type: 'int32', data: Int32Array, dims: readonly number[]): OrtTensor;
    new (type: 'float32', data: Float32Array, dims: readonly number[]): OrtTensor;
    new (type: 'float16', data: Uint16Array, dims: readonly number[]): OrtTensor;
  };
}

/** IEEE half → float, for fp16 graphs' logits (the tap's states output is always float32). */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** A CPU tensor's values as Float32Array (no copy when it already is one). */
export function floatData(t: OrtTensor, what: string): Float32Array {
  const d = t.data;
  if (d instanceof Float32Array) return d;
  if (t.type === 'float16' && (d instanceof Uint16Array || ArrayBuffer.isView(d))) {
    const src = d as unknown as ArrayLike<number>;
    const out = new Float32Array(src.length);
    // A Float16Array (newer runtimes) already holds numbers; a Uint16Array holds raw bits.
    const raw = d instanceof Uint16Array;
    for (let i = 0; i < src.length; i++) out[i] = raw ? halfToFloat(src[i]) : src[i];
    return out;
  }
  throw new TypeError(`${what}: expected float32 or float16 data on the CPU, got ${t.type} at ${t.location ?? 'cpu'}`);
}
