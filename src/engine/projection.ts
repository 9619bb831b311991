import { fitProjection, projectStates } from '../core/project';
import type { KeptStates } from './keep';

/**
 * Every kept output token's path through the layers, projected to 2-D by one PCA per run (fitted
 * on unit-scaled states of all kept tokens at all layers, so the plot shows directions, as the
 * scores' angle terms do). Pure; memoised per states object, since a fit costs a few hundred ms.
 */
export interface TrajectoryData {
  /** Output-token indices that have paths (the kept ones, in order). */
  readonly tokens: readonly number[];
  /** L: every path has L + 1 points. */
  readonly layers: number;
  /** (x, y) per token and layer: [tokens][L+1][2]. */
  readonly xy: Float32Array;
  /** Share of the variance each axis explains. */
  readonly explained: readonly [number, number];
  /** Output tokens left without a path because the state cap was reached. */
  readonly dropped: number;
}

export type TrajectoryResult = { readonly ok: true; readonly data: TrajectoryData } | { readonly ok: false; readonly reason: string };

/**
 * States fitted at most. Two axes are well determined by 1000 states, and the fit's cost grows with
 * them: about 0.7 s for 1000 states of d = 1536 on a laptop core, 3 s for 4000.
 */
export const MAX_FIT_ROWS = 1000;

export function projectRun(states: KeptStates | null, promptLength: number, outputTokens: number, maxFit = MAX_FIT_ROWS): TrajectoryResult {
  if (outputTokens === 0) return { ok: false, reason: 'The run has no output tokens to draw.' };
  if (!states) {
    return {
      ok: false,
      reason: 'This run kept no hidden states (the model graph gave none, or the state cap was 0), so token paths cannot be drawn. The energy and logit views still work.',
    };
  }
  const { layers: L, tokens: T, dim: d, residual } = states;
  const k = Math.max(0, Math.min(outputTokens, T - promptLength));
  if (k === 0) return { ok: false, reason: 'The memory cap for kept states was reached inside the prompt, so no output token has a path to draw.' };
  // Gather an even subsample of the k·(L+1) states into one buffer for the fit.
  const total = k * (L + 1);
  const step = Math.max(1, Math.ceil(total / maxFit));
  const n = Math.ceil(total / step);
  const fit = new Float32Array(n * d);
  for (let r = 0, o = 0; r < total; r += step, o++) {
    const t = r % k;
    const l = (r - t) / k;
    fit.set(residual.subarray((l * T + promptLength + t) * d, (l * T + promptLength + t + 1) * d), o * d);
  }
  const p = fitProjection(fit, n, d, { unit: true, maxSamples: n });
  // Project layer by layer: each layer's positions are contiguous, so no copy is needed.
  const xy = new Float32Array(k * (L + 1) * 2);
  const layerXy = new Float32Array(k * 2);
  for (let l = 0; l <= L; l++) {
    projectStates(p, residual.subarray((l * T + promptLength) * d, (l * T + promptLength + k) * d), k, layerXy);
    for (let t = 0; t < k; t++) {
      xy[(t * (L + 1) + l) * 2] = layerXy[2 * t];
      xy[(t * (L + 1) + l) * 2 + 1] = layerXy[2 * t + 1];
    }
  }
  return {
    ok: true,
    data: { tokens: Array.from({ length: k }, (_, i) => i), layers: L, xy, explained: p.explained, dropped: outputTokens - k },
  };
}

