import { EngineInputError } from './errors';

/**
 * Next-token choice from one logits row: greedy (temperature 0, the testbed's setting) or sampling
 * with temperature and nucleus (top-p), driven by a seeded PRNG so a run can be replayed.
 */
export interface SamplingOptions {
  /** 0 (default) = greedy. */
  readonly temperature?: number;
  /** Nucleus mass in (0, 1]; 1 (default) = the whole distribution. */
  readonly topP?: number;
  /** PRNG seed; the same seed, prompt and model give the same tokens. */
  readonly seed?: number;
}

export function checkSampling(o: SamplingOptions): void {
  const t = o.temperature ?? 0;
  if (!Number.isFinite(t) || t < 0) throw new EngineInputError(`temperature must be a number ≥ 0 (0 = greedy), got ${t}.`);
  const p = o.topP ?? 1;
  if (!(p > 0 && p <= 1)) throw new EngineInputError(`top-p must be in (0, 1], got ${p}.`);
  const s = o.seed ?? 0;
  if (!Number.isInteger(s)) throw new EngineInputError(`seed must be an integer, got ${s}.`);
}

/** mulberry32: tiny, fast and good enough for sampling; the state is one 32-bit integer. */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Index of the largest logit; ties go to the lowest index, as torch.argmax does. */
export function argmax(row: ArrayLike<number>, offset: number, vocab: number): number {
  let best = 0;
  let max = -Infinity;
  for (let j = 0; j < vocab; j++) {
    if (row[offset + j] > max) {
      max = row[offset + j];
      best = j;
    }
  }
  return best;
}

export function sampleToken(row: ArrayLike<number>, offset: number, vocab: number, o: SamplingOptions, rng: () => number): number {
  const t = o.temperature ?? 0;
  if (t === 0) return argmax(row, offset, vocab);
  const max = row[offset + argmax(row, offset, vocab)];
  const p = new Float64Array(vocab);
  let z = 0;
  for (let j = 0; j < vocab; j++) z += p[j] = Math.exp((row[offset + j] - max) / t);
  const topP = o.topP ?? 1;
  let order: number[] | null = null;
  let mass = z;
  if (topP < 1) {
    // Smallest set of most likely tokens whose mass reaches top-p (always at least one).
    order = Array.from({ length: vocab }, (_, j) => j).sort((a, b) => p[b] - p[a] || a - b);
    let acc = 0;
    let k = 0;
    while (k < vocab && (k === 0 || acc < topP * z)) acc += p[order[k++]];
    order = order.slice(0, k);
    mass = acc;
  }
  let u = rng() * mass;
  const pick = order ?? null;
  const n = pick ? pick.length : vocab;
  for (let i = 0; i < n; i++) {
    const j = pick ? pick[i] : i;
    u -= p[j];
    if (u < 0) return j;
  }
  return pick ? pick[n - 1] : vocab - 1;
}
