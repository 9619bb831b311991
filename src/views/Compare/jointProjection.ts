import { fitProjection, projectStates } from '../../core/project';
import type { KeptStates } from '../../engine/keep';
import { MAX_FIT_ROWS, type TrajectoryData } from '../../engine/projection';

/**
 * Both runs' token paths through the layers in ONE 2-D projection: a PCA fitted on the unit-scaled
 * states of both runs' output tokens at all layers together (as src/engine/projection.ts fits one
 * run's), then each run projected with it. Only then are positions comparable: two separate fits
 * have unrelated axes. Pure.
 */
export interface JointRunInput {
  readonly states: KeptStates | null;
  readonly promptLength: number;
  readonly outputTokens: number;
}

export interface JointProjection {
  readonly layers: number;
  /** Share of the variance of both runs' states each axis explains. */
  readonly explained: readonly [number, number];
  /** Each run's paths in the shared axes ([tokens][L+1][2] each), A then B. */
  readonly runs: readonly [TrajectoryData, TrajectoryData];
}

export type JointResult =
  | { readonly ok: true; readonly data: JointProjection }
  /** `missing`: the runs ('A', 'B') that kept no states, when that is the reason. */
  | { readonly ok: false; readonly reason: string; readonly missing: readonly ('A' | 'B')[] };

/** Output tokens with a kept path: the kept positions past the prompt, at most the output length. */
function keptOutput(r: JointRunInput): number {
  return r.states ? Math.max(0, Math.min(r.outputTokens, r.states.tokens - r.promptLength)) : 0;
}

export function jointProjection(a: JointRunInput, b: JointRunInput, maxFit = MAX_FIT_ROWS): JointResult {
  const missing = (['A', 'B'] as const).filter((_, k) => !(k === 0 ? a : b).states);
  if (missing.length > 0) {
    const who = missing.length === 2 ? 'Neither run kept its hidden states' : `Run ${missing[0]} kept no hidden states`;
    return {
      ok: false,
      missing,
      reason: `${who}, so the token paths cannot be drawn in one projection. History saves full states only while “Keep full states in history” is ticked (History tab); the texts, strips and scores are compared all the same.`,
    };
  }
  const sa = a.states as KeptStates;
  const sb = b.states as KeptStates;
  if (sa.dim !== sb.dim || sa.layers !== sb.layers) {
    return {
      ok: false,
      missing: [],
      reason: `The runs' states have different shapes (A: ${sa.layers} layers × ${sa.dim} dimensions, B: ${sb.layers} × ${sb.dim}), so they cannot share one projection.`,
    };
  }
  const L = sa.layers;
  const d = sa.dim;
  const ka = keptOutput(a);
  const kb = keptOutput(b);
  if (ka + kb === 0) return { ok: false, missing: [], reason: 'Neither run has an output token with kept states, so there are no paths to draw.' };
  // An even subsample of all (run, layer, token) states of both runs, read as one list: A's then B's.
  const per = L + 1;
  const totalA = ka * per;
  const total = totalA + kb * per;
  const step = Math.max(1, Math.ceil(total / maxFit));
  const n = Math.ceil(total / step);
  const fit = new Float32Array(n * d);
  for (let r = 0, o = 0; r < total; r += step, o++) {
    const [s, p, k, q] = r < totalA ? [sa, a.promptLength, ka, r] : [sb, b.promptLength, kb, r - totalA];
    const t = q % k;
    const l = (q - t) / k;
    const at = (l * s.tokens + p + t) * d;
    fit.set(s.residual.subarray(at, at + d), o * d);
  }
  const proj = fitProjection(fit, n, d, { unit: true, maxSamples: n });
  const project = (s: KeptStates, p: number, k: number, outputTokens: number): TrajectoryData => {
    const xy = new Float32Array(k * per * 2);
    const layerXy = new Float32Array(k * 2);
    for (let l = 0; l <= L; l++) {
      projectStates(proj, s.residual.subarray((l * s.tokens + p) * d, (l * s.tokens + p + k) * d), k, layerXy);
      for (let t = 0; t < k; t++) {
        xy[(t * per + l) * 2] = layerXy[2 * t];
        xy[(t * per + l) * 2 + 1] = layerXy[2 * t + 1];
      }
    }
    return { tokens: Array.from({ length: k }, (_, i) => i), layers: L, xy, explained: proj.explained, dropped: outputTokens - k };
  };
  return {
    ok: true,
    data: {
      layers: L,
      explained: proj.explained,
      runs: [project(sa, a.promptLength, ka, a.outputTokens), project(sb, b.promptLength, kb, b.outputTokens)],
    },
  };
}
