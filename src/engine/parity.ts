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
