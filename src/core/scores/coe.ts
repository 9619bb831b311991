import { clamp, distAt, dotAt, normAt } from '../linalg';
import type { LayerStates } from '../tensor';

/**
 * Chain-of-Embedding (Wang et al., ICLR 2025), as its official code computes it: the mean output
 * state per layer h_l (on H, the Hugging Face hidden states) and the magnitude and angle of each
 * layer-to-layer step, normalised by the whole chain's.
 */
export interface CoeScores {
  readonly mag: number;
  readonly ang: number;
  readonly coeR: number;
  readonly coeC: number;
  /** m_l and a_l, l = 0 … L−1, for plots. */
  readonly stepMag: number[];
  readonly stepAng: number[];
}

/** h_l = mean over `positions` of H[l][t], l = 0 … L, as one `[L+1][dim]` Float64Array. */
export function meanStates(hidden: LayerStates, positions: readonly number[]): Float64Array {
  const { layers, tokens, dim, data } = hidden;
  const h = new Float64Array((layers + 1) * dim);
  for (let l = 0; l <= layers; l++) {
    for (const t of positions) {
      const o = (l * tokens + t) * dim;
      for (let i = 0; i < dim; i++) h[l * dim + i] += data[o + i];
    }
  }
  const inv = 1 / positions.length;
  for (let i = 0; i < h.length; i++) h[i] *= inv;
  return h;
}

function cosAt(a: ArrayLike<number>, ao: number, bo: number, n: number): number {
  return dotAt(a, ao, a, bo, n) / (normAt(a, ao, n) * normAt(a, bo, n));
}

/** CoE from per-layer mean states h (`[L+1][dim]`), e.g. running sums kept by a streaming reducer. */
export function coeFromMeans(h: ArrayLike<number>, layers: number, dim: number): CoeScores {
  const L = layers;
  const zM = distAt(h, L * dim, h, 0, dim);
  const zA = Math.acos(clamp(cosAt(h, L * dim, 0, dim), -1, 1));
  const stepMag: number[] = [];
  const stepAng: number[] = [];
  let re = 0;
  let im = 0;
  for (let l = 0; l < L; l++) {
    const m = distAt(h, (l + 1) * dim, h, l * dim, dim) / zM;
    const a = Math.acos(Math.min(1, cosAt(h, (l + 1) * dim, l * dim, dim))) / zA;
    stepMag.push(m);
    stepAng.push(a);
    re += m * Math.cos(a);
    im += m * Math.sin(a);
  }
  const mag = stepMag.reduce((s, x) => s + x, 0) / L;
  const ang = stepAng.reduce((s, x) => s + x, 0) / L;
  return { mag, ang, coeR: mag - ang, coeC: Math.hypot(re / L, im / L), stepMag, stepAng };
}

export function coe(hidden: LayerStates, positions: readonly number[]): CoeScores {
  if (positions.length === 0) throw new RangeError('Chain-of-Embedding needs at least one output token');
  return coeFromMeans(meanStates(hidden, positions), hidden.layers, hidden.dim);
}
