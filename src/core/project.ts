/**
 * A 2-D linear projection (PCA) of token states for the trajectory plot. States of different
 * layers differ in scale by orders of magnitude, so by default each state is scaled to unit length
 * before fitting and projecting: the plot then shows directions, as the angle terms of the scores
 * do. The fit is a randomised subspace iteration on the (sub-sampled) centred data, never forming
 * the d×d covariance, so it stays cheap for d = 1536.
 */
export interface Projection {
  readonly dim: number;
  readonly mean: Float64Array;
  /** Two orthonormal rows of length `dim`. */
  readonly basis: Float64Array;
  /** Share of the total variance along each axis. */
  readonly explained: readonly [number, number];
  readonly unit: boolean;
}

export interface FitOptions {
  /** Scale each state to unit length first (default true). */
  readonly unit?: boolean;
  /** Fit on at most this many states, chosen evenly (default 20 000). */
  readonly maxSamples?: number;
  readonly iterations?: number;
}

function rowScale(data: ArrayLike<number>, o: number, d: number, unit: boolean): number {
  if (!unit) return 1;
  let s = 0;
  for (let i = 0; i < d; i++) s += data[o + i] * data[o + i];
  return s > 0 ? 1 / Math.sqrt(s) : 0;
}

/** Deterministic start vectors (no RNG state to carry between runs). */
function startBlock(d: number, k: number): Float64Array {
  const q = new Float64Array(k * d);
  for (let j = 0; j < k; j++) for (let i = 0; i < d; i++) q[j * d + i] = Math.sin((i + 1) * (j + 1) * 12.9898 + j) * 43758.5453 % 1;
  return q;
}

/**
 * Gram–Schmidt, applied twice ("twice is enough") for orthogonality in floating point. A vector
 * that vanishes (the data has lower rank than the block) is zeroed rather than blown up from noise.
 */
function orthonormalise(q: Float64Array, d: number, k: number): void {
  for (let j = 0; j < k; j++) {
    let before = 0;
    for (let i = 0; i < d; i++) before += q[j * d + i] ** 2;
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < j; p++) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += q[j * d + i] * q[p * d + i];
        for (let i = 0; i < d; i++) q[j * d + i] -= dot * q[p * d + i];
      }
    }
    let n = 0;
    for (let i = 0; i < d; i++) n += q[j * d + i] ** 2;
    const keep = n > 1e-20 * before && n > 0;
    const inv = keep ? 1 / Math.sqrt(n) : 0;
    for (let i = 0; i < d; i++) q[j * d + i] *= inv;
  }
}

/** Fits the projection on `n` states of length `dim` stored row after row in `data`. */
export function fitProjection(data: ArrayLike<number>, n: number, dim: number, opts: FitOptions = {}): Projection {
  if (n < 1 || dim < 1) throw new RangeError(`a projection needs at least one state of dimension ≥ 1 (got ${n} × ${dim})`);
  const unit = opts.unit ?? true;
  const step = Math.max(1, Math.ceil(n / (opts.maxSamples ?? 20_000)));
  const rows: number[] = [];
  for (let r = 0; r < n; r += step) rows.push(r);
  const scales = rows.map((r) => rowScale(data, r * dim, dim, unit));
  const mean = new Float64Array(dim);
  rows.forEach((r, k) => {
    for (let i = 0; i < dim; i++) mean[i] += data[r * dim + i] * scales[k];
  });
  for (let i = 0; i < dim; i++) mean[i] /= rows.length;
  const centred = (k: number, i: number) => data[rows[k] * dim + i] * scales[k] - mean[i];

  const K = Math.min(4, dim); // 2 wanted + oversampling
  const q = startBlock(dim, K);
  orthonormalise(q, dim, K);
  const proj = new Float64Array(K);
  const next = new Float64Array(K * dim);
  for (let it = 0; it < (opts.iterations ?? 12); it++) {
    next.fill(0);
    for (let k = 0; k < rows.length; k++) {
      for (let j = 0; j < K; j++) {
        let s = 0;
        for (let i = 0; i < dim; i++) s += centred(k, i) * q[j * dim + i];
        proj[j] = s;
      }
      for (let i = 0; i < dim; i++) {
        const x = centred(k, i);
        for (let j = 0; j < K; j++) next[j * dim + i] += x * proj[j];
      }
    }
    q.set(next);
    orthonormalise(q, dim, K);
  }
  // Rayleigh quotients order the block; keep the two largest.
  const variance = new Float64Array(K);
  let total = 0;
  for (let k = 0; k < rows.length; k++) {
    for (let i = 0; i < dim; i++) total += centred(k, i) ** 2;
    for (let j = 0; j < K; j++) {
      let s = 0;
      for (let i = 0; i < dim; i++) s += centred(k, i) * q[j * dim + i];
      variance[j] += s * s;
    }
  }
  const order = [...variance.keys()].sort((a, b) => variance[b] - variance[a]);
  const basis = new Float64Array(2 * dim);
  for (let a = 0; a < Math.min(2, K); a++) basis.set(q.subarray(order[a] * dim, (order[a] + 1) * dim), a * dim);
  const share = (a: number) => (total > 0 && a < K ? variance[order[a]] / total : 0);
  return { dim, mean, basis, explained: [share(0), share(1)], unit };
}

/** Projects `n` states (rows of `dim`) to `out` as (x, y) pairs. */
export function projectStates(p: Projection, data: ArrayLike<number>, n: number, out = new Float32Array(2 * n)): Float32Array {
  const d = p.dim;
  for (let r = 0; r < n; r++) {
    const s = rowScale(data, r * d, d, p.unit);
    for (let a = 0; a < 2; a++) {
      let v = 0;
      for (let i = 0; i < d; i++) v += (data[r * d + i] * s - p.mean[i]) * p.basis[a * d + i];
      out[2 * r + a] = v;
    }
  }
  return out;
}
