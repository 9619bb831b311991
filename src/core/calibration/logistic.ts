/**
 * L2-regularised logistic regression by Newton's method (IRLS), deterministic: the same rows give
 * the same weights bit for bit. Minimises Σ_i logloss(σ(b + w·x_i), y_i) + (λ/2)‖w‖² + (λ_b/2)b²,
 * with a tiny λ_b that only keeps the bias finite when a training set has one label.
 */
const BIAS_L2 = 1e-6;
const MAX_ITER = 100;
const TOL = 1e-10;

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** Solves A·x = b for a symmetric positive definite A (row-major d×d) by Cholesky; A is not changed. */
export function solveSpd(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j];
      for (let k = 0; k < j; k++) s -= l[i * d + k] * l[j * d + k];
      if (i === j) {
        if (!(s > 0)) throw new RangeError('the Newton system is not positive definite');
        l[i * d + i] = Math.sqrt(s);
      } else {
        l[i * d + j] = s / l[j * d + j];
      }
    }
  }
  const z = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * d + k] * z[k];
    z[i] = s / l[i * d + i];
  }
  const x = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let s = z[i];
    for (let k = i + 1; k < d; k++) s -= l[k * d + i] * x[k];
    x[i] = s / l[i * d + i];
  }
  return x;
}

export interface LogisticFit {
  readonly weights: number[];
  readonly bias: number;
  readonly iterations: number;
}

/** `x`: n rows of m inputs; `y`: 0/1 labels; `l2`: λ > 0. */
export function fitLogistic(x: readonly (readonly number[])[], y: readonly number[], l2: number): LogisticFit {
  const n = x.length;
  const m = n > 0 ? x[0].length : 0;
  if (!(l2 > 0)) throw new RangeError(`the L2 penalty must be > 0, got ${l2}`);
  const d = m + 1; // parameters: weights, then the bias
  let theta = new Float64Array(d);
  const objective = (t: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      let z = t[m];
      for (let j = 0; j < m; j++) z += t[j] * x[i][j];
      s += softplus(z) - y[i] * z;
    }
    let r = BIAS_L2 * t[m] * t[m];
    for (let j = 0; j < m; j++) r += l2 * t[j] * t[j];
    return s + r / 2;
  };
  let f = objective(theta);
  let it = 0;
  for (; it < MAX_ITER; it++) {
    const g = new Float64Array(d);
    const h = new Float64Array(d * d);
    for (let i = 0; i < n; i++) {
      let z = theta[m];
      for (let j = 0; j < m; j++) z += theta[j] * x[i][j];
      const p = sigmoid(z);
      const w = Math.max(p * (1 - p), 1e-12);
      const r = p - y[i];
      for (let a = 0; a < d; a++) {
        const xa = a < m ? x[i][a] : 1;
        g[a] += r * xa;
        for (let b = 0; b <= a; b++) h[a * d + b] += w * xa * (b < m ? x[i][b] : 1);
      }
    }
    for (let a = 0; a < d; a++) {
      const lam = a < m ? l2 : BIAS_L2;
      g[a] += lam * theta[a];
      h[a * d + a] += lam;
      for (let b = 0; b < a; b++) h[b * d + a] = h[a * d + b];
    }
    const step = solveSpd(h, g, d);
    // Newton step with halving: the objective is convex, so a shorter step always helps eventually.
    let scale = 1;
    let next = theta;
    let fn = f;
    for (let k = 0; k < 40; k++) {
      next = theta.map((t, j) => t - scale * step[j]);
      fn = objective(next);
      if (fn <= f) break;
      scale /= 2;
    }
    let maxStep = 0;
    for (let j = 0; j < d; j++) maxStep = Math.max(maxStep, Math.abs(scale * step[j]));
    theta = next;
    const done = maxStep < TOL || f - fn < TOL * Math.max(1, Math.abs(f));
    f = fn;
    if (done) {
      it++;
      break;
    }
  }
  return { weights: Array.from(theta.subarray(0, m)), bias: theta[m], iterations: it };
}
