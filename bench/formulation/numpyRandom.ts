/**
 * NumPy's `default_rng(seed).integers(0, n, size=(rows, n))`, bit for bit, so the bootstrap here
 * draws the very resamples the float64 exploration (scripts/reference/explore.py, metrics.py) drew
 * and the two harnesses' intervals can be compared number for number.
 *
 * - Bit generator: PCG64 (XSL-RR 128/64; numpy/random/src/pcg64): state ← state·M + inc (mod 2¹²⁸),
 *   then the output of the new state. 32-bit draws split one 64-bit output, low half first.
 * - Bounded draws below 2³²: Lemire's multiply-shift with rejection
 *   (distributions.c, buffered_bounded_lemire_uint32), as `integers` uses for an int64 range < 2³².
 * - Seeding: NumPy's SeedSequence is not reimplemented; the initial (state, inc) of the seeds we use
 *   are recorded below, from `np.random.default_rng(seed).bit_generator.state` (NumPy 2.4.6), and
 *   {@link checkAgainstNumpy} compares the 2000 × 400 draws with NumPy's.
 */
const MASK64 = (1n << 64n) - 1n;
const MASK128 = (1n << 128n) - 1n;
const MULT = 0x2360ed051fc65da44385df649fccf645n;

const SEEDS: Readonly<Record<number, { state: bigint; inc: bigint }>> = {
  0: { state: 35399562948360463058890781895381311971n, inc: 87136372517582989555478159403783844777n },
};

export class Pcg64 {
  private state: bigint;
  private readonly inc: bigint;
  private half: number | null = null;

  constructor(seed: number) {
    const s = SEEDS[seed];
    if (!s) throw new RangeError(`no recorded PCG64 state for seed ${seed} (known: ${Object.keys(SEEDS).join(', ')})`);
    this.state = s.state;
    this.inc = s.inc;
  }

  next64(): bigint {
    this.state = (this.state * MULT + this.inc) & MASK128;
    const s = this.state;
    const x = ((s >> 64n) ^ s) & MASK64;
    const rot = s >> 122n;
    return ((x >> rot) | (x << ((64n - rot) & 63n))) & MASK64;
  }

  next32(): number {
    if (this.half !== null) {
      const h = this.half;
      this.half = null;
      return h;
    }
    const v = this.next64();
    this.half = Number(v >> 32n);
    return Number(v & 0xffffffffn);
  }

  /** Uniform in [0, n), n ≤ 2³²: Lemire's method as NumPy runs it (rng = n − 1, rng_excl = n). */
  below(n: number): number {
    const rngExcl = n;
    const rng = n - 1;
    let m = BigInt(this.next32()) * BigInt(rngExcl);
    let leftover = Number(m & 0xffffffffn);
    if (leftover < rngExcl) {
      const threshold = (0xffffffff - rng) % rngExcl;
      while (leftover < threshold) {
        m = BigInt(this.next32()) * BigInt(rngExcl);
        leftover = Number(m & 0xffffffffn);
      }
    }
    return Number(m >> 32n);
  }
}

/** `default_rng(seed).integers(0, n, size=(rows, n))`, row-major. */
export function resampleIndices(seed: number, rows: number, n: number): Int32Array {
  const g = new Pcg64(seed);
  const out = new Int32Array(rows * n);
  for (let i = 0; i < out.length; i++) out[i] = g.below(n);
  return out;
}

/**
 * `idx = np.random.default_rng(0).integers(0, 400, size=(2000, 400))` as NumPy 2.4.6 prints it:
 * its first row's first ten, its last row's last ten, and the sum of all 800 000 draws.
 */
const NUMPY_2000x400 = {
  first: [340, 254, 204, 107, 123, 16, 30, 6, 70, 325],
  last: [140, 193, 151, 345, 277, 187, 77, 19, 20, 334],
  sum: 159673288,
};

/** Throws unless `idx` (2000 × 400, seed 0) is NumPy's: the intervals would no longer be comparable. */
export function checkAgainstNumpy(idx: Int32Array, rows: number, n: number): void {
  if (rows !== 2000 || n !== 400) return; // only this shape was recorded
  let sum = 0;
  for (const v of idx) sum += v;
  const first = Array.from(idx.subarray(0, 10));
  const last = Array.from(idx.subarray(idx.length - 10));
  const same = (a: number[], b: readonly number[]): boolean => a.every((v, i) => v === b[i]);
  if (!same(first, NUMPY_2000x400.first) || !same(last, NUMPY_2000x400.last) || sum !== NUMPY_2000x400.sum) {
    throw new Error(`PCG64 resamples differ from NumPy's (first ${first.join(',')}, last ${last.join(',')}, sum ${sum})`);
  }
}
