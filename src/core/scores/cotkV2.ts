import { normAt } from '../linalg';
import { layerSpeeds } from './cotKinetics';
import { spanLength, tokenPath, type LayerStates, type PathView, type Span } from '../tensor';

/**
 * CoT-Kinetics energy, v2 formulation ("barrier Lagrangian"; docs/method.md, section 3). Each
 * reasoning token is a particle moved through the layers; its kinetic term κ_t is the log of its
 * average speed per layer measured in units of its starting (embedding) size, and the model's own
 * field sets the potential it must climb at the read-out, the surprisal U_t = −log p(x_t). A chain
 * is as sound as its highest barrier, so the trace energy is
 *
 *   E = max_t U_t − mean_t κ_t        (lower = more sound; the research score S is −E)
 *
 * Chosen on the dev half of the tiny-reasoner testbed from candidates that stay in the paper's
 * frame; see docs/research/formulations.md for all of them and the test-half results.
 */
const EPS = 1e-12;

export interface CotkV2Trace {
  /** κ_t per reasoning token. */
  readonly kappa: number[];
  /** U_t = −log p(x_t) per reasoning token. */
  readonly surprisal: number[];
  /** Λ_t = κ_t − U_t, the per-token Lagrangian (higher = sounder), for tinting the text. */
  readonly lagrangian: number[];
  readonly kappaMean: number;
  /** max_t U_t, the highest barrier. */
  readonly barrier: number;
  /** E = barrier − kappaMean. */
  readonly energy: number;
}

/** κ = (1/L) Σ_l [ln(‖x_l − x_{l−1}‖ + ε) − ln(‖x_0‖ + ε)]. */
export function cotkV2Kappa(p: PathView): number {
  return cotkV2KappaFrom(layerSpeeds(p), normAt(p.data, p.base, p.dim));
}

/** κ from the path's layer speeds ‖x_l − x_{l−1}‖ (l = 1 … L) and its starting norm ‖x_0‖. */
export function cotkV2KappaFrom(speeds: ArrayLike<number>, norm0: number): number {
  const L = speeds.length;
  const base = Math.log(norm0 + EPS);
  let s = 0;
  for (let l = 0; l < L; l++) s += Math.log(speeds[l] + EPS) - base;
  return s / L;
}

/** v2 from per-token κ and surprisal (e.g. a streaming reducer's), in reasoning order. */
export function cotkV2FromTerms(kappa: readonly number[], surprisal: readonly number[]): CotkV2Trace {
  if (kappa.length === 0) throw new RangeError('CoT-Kinetics needs at least one reasoning token');
  if (surprisal.length !== kappa.length) throw new RangeError(`${kappa.length} kinetic terms but ${surprisal.length} surprisals`);
  let k = 0;
  let barrier = -Infinity;
  for (let i = 0; i < kappa.length; i++) {
    k += kappa[i];
    if (surprisal[i] > barrier) barrier = surprisal[i];
  }
  const kappaMean = k / kappa.length;
  return {
    kappa: [...kappa],
    surprisal: [...surprisal],
    lagrangian: kappa.map((x, i) => x - surprisal[i]),
    kappaMean,
    barrier,
    energy: barrier - kappaMean,
  };
}

/**
 * v2 over the reasoning span. `surprisal[i]` is −log p of the i-th reasoning token (from the logits
 * row that predicted it: SCORING.md's tokenLogProb, negated).
 */
export function cotkV2(residual: LayerStates, reasoning: Span, surprisal: ArrayLike<number>): CotkV2Trace {
  const n = spanLength(reasoning);
  if (n <= 0) throw new RangeError('CoT-Kinetics needs at least one reasoning token');
  const kappa: number[] = [];
  for (let t = reasoning[0]; t < reasoning[1]; t++) kappa.push(cotkV2Kappa(tokenPath(residual, t)));
  return cotkV2FromTerms(kappa, Array.from({ length: n }, (_, i) => surprisal[i]));
}
