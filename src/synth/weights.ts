/**
 * Seeded weights, generated element by element from a counter-based hash so any element can be
 * computed on its own (the fp32 graph stores [K, N], the int4 graphs pack [N, K]: both read the same
 * values without holding either whole) and the same seed gives the same bytes.
 *
 * Every weight matrix is defined in its 4-bit form first, as MatMulNBits stores it: a 4-bit code q
 * in 1..15 (zero point 8, so q - 8 is symmetric in -7..7) times a per-block scale (block 32 along K)
 * that keeps 8 significant bits. Then (q - 8)·scale is exact in float16 and float32, so the fp32,
 * fp16, q4 and q4f16 folders of one seed hold the same model, and the fp32 graph is exactly the
 * dequantised q4 graph.
 */
export const BLOCK = 32;
const CODE_STD = Math.sqrt(56 / 3); // std of q - 8 for q uniform in 1..15

/** lowbias32 (Chris Wellons): a fast 32-bit integer hash with good avalanche. */
export function hash32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** A per-tensor key from the seed and the tensor's name, so tensors are independent streams. */
export function tensorKey(seed: number, name: string): number {
  let h = hash32(seed >>> 0 ^ 0x9e3779b9);
  for (let i = 0; i < name.length; i++) h = hash32(h ^ name.charCodeAt(i) ^ (i << 8));
  return h;
}

/** The hash of pair j of a tensor's codes (see {@link QuantMatrix.code}). */
export function pairHash(key: number, j: number): number {
  return hash32((key ^ Math.imul(j, 0x9e3779b1)) >>> 0 ^ (j >>> 16));
}

/** Uniform in [0, 1) from the key and an index. */
export function uniform(key: number, i: number): number {
  return hash32((key ^ Math.imul(i, 0x9e3779b1)) >>> 0 ^ (i >>> 16)) / 4294967296;
}

/** Rounds to 8 significant bits (exact in float16's 11 and float32's 24, even times a 3-bit code). */
export function round8(x: number): number {
  round8F[0] = x;
  // float32's 23 stored mantissa bits → 7 (round half up on the 16 dropped bits; a carry bumps the exponent).
  round8U[0] = (round8U[0] + 0x8000) & 0xffff0000;
  return round8F[0];
}
const round8F = new Float32Array(1);
const round8U = new Uint32Array(round8F.buffer);

/** A weight matrix W[K, N] (x @ W), with `std` the element standard deviation it aims for. */
export class QuantMatrix {
  readonly blocks: number;
  private readonly key: number;
  private readonly scaleKey: number;
  private scaleCache: Float64Array | null = null;
  constructor(readonly name: string, seed: number, readonly K: number, readonly N: number, readonly std: number) {
    if (K % BLOCK !== 0) throw new Error(`${name}: K = ${K} is not a multiple of ${BLOCK}`);
    this.blocks = K / BLOCK;
    this.key = tensorKey(seed, name);
    this.scaleKey = tensorKey(seed, `${name}#scales`);
  }

  /**
   * The 4-bit code (1..15) of W[k, n]. Element i = n·K + k of MatMulNBits' [N, K] order; one hash
   * serves the pair (2j, 2j + 1): its high 16 bits give the even element, its low 16 bits the odd one.
   */
  code(n: number, k: number): number {
    const i = n * this.K + k;
    const h = pairHash(this.key, i >>> 1);
    return 1 + ((((i & 1) === 0 ? h >>> 16 : h & 0xffff) * 15) >>> 16);
  }

  /** Codes of row n (W[0..K, n]) into `out`. */
  row(n: number, out: Uint8Array): void {
    const key = this.key;
    for (let k = 0, j = (n * this.K) >>> 1; k < this.K; k += 2, j++) {
      let h = (key ^ Math.imul(j, 0x9e3779b1)) >>> 0 ^ (j >>> 16);
      h ^= h >>> 16;
      h = Math.imul(h, 0x7feb352d);
      h ^= h >>> 15;
      h = Math.imul(h, 0x846ca68b);
      h ^= h >>> 16;
      out[k] = 1 + (((h >>> 16) * 15) >>> 16);
      out[k + 1] = 1 + (((h & 0xffff) * 15) >>> 16);
    }
  }

  /** Codes of columns k and k + 1 (W[k, 0..N], W[k + 1, 0..N]; k even) from one hash each. */
  columns(k: number, even: Uint8Array, odd: Uint8Array): void {
    const key = this.key;
    const half = this.K >>> 1;
    for (let n = 0, j = k >>> 1; n < this.N; n++, j += half) {
      let h = (key ^ Math.imul(j, 0x9e3779b1)) >>> 0 ^ (j >>> 16);
      h ^= h >>> 16;
      h = Math.imul(h, 0x7feb352d);
      h ^= h >>> 15;
      h = Math.imul(h, 0x846ca68b);
      h ^= h >>> 16;
      even[n] = 1 + (((h >>> 16) * 15) >>> 16);
      odd[n] = 1 + (((h & 0xffff) * 15) >>> 16);
    }
  }

  /** Scales [N, K/32], in float64 but exact in float16. */
  scales(): Float64Array {
    if (this.scaleCache) return this.scaleCache;
    const s = new Float64Array(this.N * this.blocks);
    const base = this.std / CODE_STD;
    for (let i = 0; i < s.length; i++) s[i] = round8(base * (0.75 + 0.5 * uniform(this.scaleKey, i)));
    this.scaleCache = s;
    return s;
  }

  /** Frees the scale table once every layout of this matrix is written. */
  release(): void {
    this.scaleCache = null;
  }
}

/** A vector of values near `center` (norm weights, biases), 8 significant bits each. */
export function vectorValues(seed: number, name: string, n: number, center: number, spread: number): Float64Array {
  const key = tensorKey(seed, name);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = round8(center + spread * (uniform(key, i) - 0.5));
  return out;
}

/** IEEE half-precision bits of x, round to nearest even (overflow to ±inf). */
const halfF = new Float32Array(1);
const halfU = new Uint32Array(halfF.buffer);

export function toHalf(x: number): number {
  const f = halfF;
  const u = halfU;
  f[0] = x;
  const bits = u[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++;
  e = h;
  return sign | e;
}
