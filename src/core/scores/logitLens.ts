/**
 * The logit lens: the model's own read-out (final RMSNorm, then the LM head) applied to an
 * intermediate residual state, giving the distribution that layer "would predict". Used for the
 * per-layer "height" −log p_l(next token) and the inspector's top-tokens-per-layer view.
 */
export interface LensHead {
  /** Final RMSNorm weight, [dim]. */
  readonly normWeight: ArrayLike<number>;
  readonly normEps: number;
  /** LM head, row-major [vocab][dim]. */
  readonly lmHead: ArrayLike<number>;
  readonly dim: number;
  readonly vocab: number;
}

/** Log-probabilities over the vocabulary for state `x[offset … offset+dim)`. */
export function lensLogProbs(head: LensHead, x: ArrayLike<number>, offset: number, out = new Float64Array(head.vocab)): Float64Array {
  const { dim, vocab, normWeight, lmHead } = head;
  let ms = 0;
  for (let i = 0; i < dim; i++) ms += x[offset + i] * x[offset + i];
  const inv = 1 / Math.sqrt(ms / dim + head.normEps);
  let max = -Infinity;
  for (let v = 0; v < vocab; v++) {
    let z = 0;
    for (let i = 0; i < dim; i++) z += lmHead[v * dim + i] * normWeight[i] * x[offset + i] * inv;
    out[v] = z;
    if (z > max) max = z;
  }
  let s = 0;
  for (let v = 0; v < vocab; v++) s += Math.exp(out[v] - max);
  const lse = max + Math.log(s);
  for (let v = 0; v < vocab; v++) out[v] -= lse;
  return out;
}

/** The `k` most likely tokens for a state, most likely first. */
export function lensTopK(logProbs: ArrayLike<number>, k: number): { id: number; logProb: number }[] {
  const ids = Array.from({ length: logProbs.length }, (_, i) => i);
  ids.sort((a, b) => logProbs[b] - logProbs[a]);
  return ids.slice(0, k).map((id) => ({ id, logProb: logProbs[id] }));
}
