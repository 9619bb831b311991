import type { Engine } from './engine';
import type { ParityReport } from './protocol';

/**
 * The fidelity check run at load: the engine's teacher-forced logits on a reference sequence,
 * compared with a reference, at decreasing prefill chunk sizes; the largest chunk that agrees wins.
 * Some WebGPU kernels are right token by token but wrong on long prefills (docs/webgpu-gqa-repro),
 * so a backend's prefill is never trusted without this.
 */
export interface ParityReference {
  /** Token ids of the whole reference sequence. */
  readonly ids: readonly number[];
  /** Logits row per position (row t predicts position t + 1), [ids.length][vocab], or null for self-consistency. */
  readonly logits: ArrayLike<number> | null;
  readonly vocab: number;
  readonly label: string;
  readonly tolerance: number;
}

export const CHUNK_CANDIDATES = [Infinity, 64, 32, 16, 8, 4, 1];

/** Every output position's logits row from one teacher-forced pass, keyed by the position it predicts. */
async function outputRows(engine: Engine, ref: ParityReference, chunk: number): Promise<Map<number, Float32Array>> {
  const r = await engine.score({ ids: ref.ids.slice(0, 1) }, ref.ids.slice(1), { prefillChunk: chunk, keepLogits: 'all', stateCapBytes: 0 });
  const rows = new Map<number, Float32Array>();
  const logits = r.outputLogits;
  if (!logits) return rows;
  for (let i = 0; i * ref.vocab < logits.length; i++) rows.set(r.promptLength + i, logits.subarray(i * ref.vocab, (i + 1) * ref.vocab));
  return rows;
}

function maxAbsDiff(a: Map<number, Float32Array>, b: (t: number) => ArrayLike<number> | undefined): number {
  let max = 0;
  for (const [t, row] of a) {
    const other = b(t);
    if (!other) return Infinity;
    for (let j = 0; j < row.length; j++) {
      const d = Math.abs(row[j] - other[j]);
      if (!(d <= max)) max = Number.isNaN(d) ? Infinity : d;
    }
  }
  return a.size === 0 ? Infinity : max;
}

/**
 * Tries each candidate chunk, largest first, until one agrees with the reference; reports every
 * trial. `chosenChunk` is 0 when none agreed (the caller falls back to another backend).
 */
export async function checkParity(engine: Engine, ref: ParityReference, candidates = CHUNK_CANDIDATES): Promise<ParityReport> {
  const trials: { chunk: number; maxAbsDiff: number; ok: boolean }[] = [];
  let expected: (t: number) => ArrayLike<number> | undefined;
  if (ref.logits) {
    const L = ref.logits;
    const V = ref.vocab;
    expected = (t) => (t >= 1 && t <= ref.ids.length ? Array.prototype.slice.call(L, (t - 1) * V, t * V) : undefined);
  } else {
    const stepwise = await outputRows(engine, ref, 1);
    expected = (t) => stepwise.get(t);
  }
  const n = ref.ids.length;
  for (const c of candidates) {
    const chunk = Math.min(c, n);
    if (trials.some((t) => t.chunk === chunk)) continue;
    const d = maxAbsDiff(await outputRows(engine, ref, chunk), expected);
    const ok = d <= ref.tolerance;
    trials.push({ chunk, maxAbsDiff: d, ok });
    if (ok) {
      return { reference: ref.label, tokens: n, tolerance: ref.tolerance, trials, chosenChunk: chunk };
    }
  }
  return { reference: ref.label, tokens: n, tolerance: ref.tolerance, trials, chosenChunk: 0 };
}

/**
 * Where parity verdicts are kept between visits (Cache Storage in the browser worker, a map in
 * tests): a verdict is a property of the backend, the model's bytes and the runtime's kernels, so
 * a second visit with the same three need not run the check again.
 */
export interface ParityVerdictStore {
  get(key: string): Promise<Uint8Array | null>;
  put(key: string, data: Uint8Array): Promise<void>;
}

/** Bumped when the check itself changes (reference, trials, what is compared): old verdicts are then ignored. */
export const PARITY_CHECK_VERSION = 1;

export interface ParityKeyParts {
  /** 'webgpu' or 'wasm'. */
  readonly backend: string;
  /** The WebGPU adapter as the browser names it (null on WASM). */
  readonly adapter: string | null;
  /** The runtime and its version, e.g. onnxruntime-web 1.31.0-dev…: new kernels may disagree where old ones agreed. */
  readonly runtime: string;
  /** The model's graph and external data, hashed (any changed byte is a new model). */
  readonly files: { readonly graph: Uint8Array; readonly externalData: readonly { readonly path: string; readonly data: Uint8Array }[] };
  readonly reference: ParityReference;
  readonly candidates: readonly number[];
}

async function sha256Hex(parts: readonly Uint8Array[]): Promise<string> {
  // One digest per part, then a digest of the digests: no concatenated copy of a large model.
  const digests = await Promise.all(parts.map((p) => crypto.subtle.digest('SHA-256', p as Uint8Array<ArrayBuffer>)));
  const joined = new Uint8Array(digests.length * 32);
  digests.forEach((d, i) => joined.set(new Uint8Array(d), i * 32));
  const all = new Uint8Array(await crypto.subtle.digest('SHA-256', joined));
  return Array.from(all, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The verdict's key: a SHA-256 over everything that decides it (adapter, model bytes, runtime version, the check itself). */
export async function parityKey(p: ParityKeyParts): Promise<string> {
  const enc = new TextEncoder();
  const ref = p.reference;
  const head = JSON.stringify({
    v: PARITY_CHECK_VERSION,
    backend: p.backend,
    adapter: p.adapter,
    runtime: p.runtime,
    reference: { label: ref.label, tolerance: ref.tolerance, vocab: ref.vocab, ids: ref.ids, hasLogits: ref.logits !== null },
    candidates: p.candidates.map(String),
    external: p.files.externalData.map((f) => f.path),
  });
  const refLogits = ref.logits ? new Uint8Array(Float32Array.from(ref.logits).buffer) : new Uint8Array(0);
  return sha256Hex([enc.encode(head), p.files.graph, ...p.files.externalData.map((f) => f.data), refLogits]);
}

/** JSON has no Infinity: chunk sizes are written as strings and read back as numbers. */
function encodeReport(r: ParityReport): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(r, (k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
}

function decodeReport(bytes: Uint8Array): ParityReport | null {
  try {
    const r = JSON.parse(new TextDecoder().decode(bytes), (k, v: unknown) =>
      (k === 'chunk' || k === 'chosenChunk' || k === 'maxAbsDiff') && typeof v === 'string' ? Number(v) : v,
    ) as ParityReport;
    const ok = typeof r.chosenChunk === 'number' && Array.isArray(r.trials) && typeof r.reference === 'string';
    return ok ? r : null;
  } catch {
    return null; // an unreadable entry is the same as none: the check runs again
  }
}

/**
 * {@link checkParity}, or the verdict a previous visit reached for the same key. A store that fails
 * (storage refused, quota) never fails the load: the check then runs as if nothing were kept.
 */
export async function checkParityCached(
  engine: Engine,
  ref: ParityReference,
  candidates: readonly number[],
  store: ParityVerdictStore | null | undefined,
  key: () => Promise<string>,
): Promise<ParityReport> {
  let k: string | null = null;
  if (store) {
    try {
      k = await key();
      const hit = await store.get(k);
      const report = hit ? decodeReport(hit) : null;
      if (report) return { ...report, cached: true };
    } catch {
      k = null;
    }
  }
  const report = await checkParity(engine, ref, [...candidates]);
  if (store && k) await store.put(k, encodeReport(report)).catch(() => undefined);
  return report;
}
