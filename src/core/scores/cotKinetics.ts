import { clamp, distAt } from '../linalg';
import { spanLength, tokenPath, type LayerStates, type PathView, type Span } from '../tensor';

/**
 * CoT-Kinetics energy, v1 formulation (SCORING.md). Each reasoning token's residual-stream state
 * x_0 … x_L is a particle moved through the layers (time). The final norm is the read-out, not a
 * step of the motion, so the path is taken on the residual stream R.
 */
export const COTK_V1_DEFAULT_GAMMA = 0.8;
const EPS = 1e-12;

export interface CotkTokenTerms {
  /** ½ · mean_l (L·‖v_l‖ / D)²: exactly ½ for straight, uniform motion. */
  readonly kinetic: number;
  /** mean_l θ_l / π, the turning angle between consecutive velocities (0 when L = 1). */
  readonly curvature: number;
  /** γ·kinetic + (1 − γ)·curvature. */
  readonly energy: number;
}

export interface CotkTrace {
  readonly kinetic: number[];
  readonly curvature: number[];
  readonly energy: number[];
  /** mean of `energy` over the reasoning tokens. */
  readonly traceEnergy: number;
}

/** Per-layer speeds ‖v_l‖, l = 1 … L (index l − 1), for plots and the kinetic term. */
export function layerSpeeds(p: PathView, out: Float64Array = new Float64Array(p.layers)): Float64Array {
  for (let l = 1; l <= p.layers; l++) {
    out[l - 1] = distAt(p.data, p.base + l * p.layerStride, p.data, p.base + (l - 1) * p.layerStride, p.dim);
  }
  return out;
}

/** cos of the turn between v_l and v_{l+1}, from the three states x_{l−1}, x_l, x_{l+1}. */
function turnCos(p: PathView, l: number, speeds: Float64Array): number {
  const { data, base, layerStride: s, dim } = p;
  const a = base + (l - 1) * s;
  const b = base + l * s;
  const c = base + (l + 1) * s;
  let d = 0;
  for (let i = 0; i < dim; i++) d += (data[b + i] - data[a + i]) * (data[c + i] - data[b + i]);
  return d / (speeds[l - 1] * speeds[l] + EPS);
}

/** `speeds` may be passed in when the caller already has them ({@link layerSpeeds} of the same path). */
export function cotkV1Token(p: PathView, gamma: number = COTK_V1_DEFAULT_GAMMA, speeds: Float64Array = layerSpeeds(p)): CotkTokenTerms {
  const L = p.layers;
  const D = distAt(p.data, p.base + L * p.layerStride, p.data, p.base, p.dim) + EPS;
  let k = 0;
  for (let l = 0; l < L; l++) {
    const r = (L * speeds[l]) / D;
    k += r * r;
  }
  const kinetic = (0.5 * k) / L;
  let curvature = 0;
  if (L > 1) {
    let c = 0;
    for (let l = 1; l < L; l++) c += Math.acos(clamp(turnCos(p, l, speeds), -1, 1)) / Math.PI;
    curvature = c / (L - 1);
  }
  return { kinetic, curvature, energy: gamma * kinetic + (1 - gamma) * curvature };
}

/** v1 over every token of the reasoning span; throws on an empty span (nothing to score). */
export function cotkV1(residual: LayerStates, reasoning: Span, gamma: number = COTK_V1_DEFAULT_GAMMA): CotkTrace {
  if (spanLength(reasoning) <= 0) throw new RangeError('CoT-Kinetics needs at least one reasoning token');
  const kinetic: number[] = [];
  const curvature: number[] = [];
  const energy: number[] = [];
  let sum = 0;
  for (let t = reasoning[0]; t < reasoning[1]; t++) {
    const terms = cotkV1Token(tokenPath(residual, t), gamma);
    kinetic.push(terms.kinetic);
    curvature.push(terms.curvature);
    energy.push(terms.energy);
    sum += terms.energy;
  }
  return { kinetic, curvature, energy, traceEnergy: sum / energy.length };
}

/** Recompute energies for another γ from the stored terms: no model call, no states needed. */
export function reweightCotk(kinetic: readonly number[], curvature: readonly number[], gamma: number): CotkTrace {
  const energy = kinetic.map((k, i) => gamma * k + (1 - gamma) * curvature[i]);
  const traceEnergy = energy.reduce((a, b) => a + b, 0) / energy.length;
  return { kinetic: [...kinetic], curvature: [...curvature], energy, traceEnergy };
}
