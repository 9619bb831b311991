/**
 * Single-pass confidence baselines from the logits rows that predicted each output token
 * (SCORING.md, "Answer confidence and single-pass baselines"). Softmax terms use log-sum-exp, so
 * logits of any scale give finite results.
 */
export interface TokenLogitStats {
  readonly logProb: number;
  readonly entropy: number;
  /** −log V − (1/V) Σ_j log p(j): KL(uniform ‖ p). */
  readonly selfCertainty: number;
  readonly maxProb: number;
  /** The most likely token (the greedy choice; the lowest id on a tie). */
  readonly argmax: number;
}

export interface LogitStats {
  readonly meanLogProb: number;
  readonly perplexity: number;
  readonly geoMeanProb: number;
  readonly meanEntropy: number;
  readonly selfCertainty: number;
  readonly maxProb: number;
  readonly tokenLogProb: number[];
  readonly tokenEntropy: number[];
}

/** Statistics of one logits row `row[offset … offset+vocab)` for the realised token `target`. */
export function rowStats(row: ArrayLike<number>, offset: number, vocab: number, target: number): TokenLogitStats {
  let max = -Infinity;
  let argmax = 0;
  for (let j = 0; j < vocab; j++) {
    if (row[offset + j] > max) {
      max = row[offset + j];
      argmax = j;
    }
  }
  let z = 0;
  for (let j = 0; j < vocab; j++) z += Math.exp(row[offset + j] - max);
  const lse = max + Math.log(z);
  let entropy = 0;
  let sumLogP = 0;
  for (let j = 0; j < vocab; j++) {
    const lp = row[offset + j] - lse;
    sumLogP += lp;
    entropy -= Math.exp(lp) * lp;
  }
  return {
    logProb: row[offset + target] - lse,
    entropy,
    selfCertainty: -Math.log(vocab) - sumLogP / vocab,
    maxProb: Math.exp(max - lse),
    argmax,
  };
}

/** Aggregate per-token stats (in output order) into the scores SCORING.md defines. */
export function aggregateLogitStats(tokens: readonly Omit<TokenLogitStats, 'argmax'>[]): LogitStats {
  const n = tokens.length;
  if (n === 0) throw new RangeError('logit statistics need at least one token');
  let lp = 0;
  let ent = 0;
  let sc = 0;
  let mp = 0;
  for (const t of tokens) {
    lp += t.logProb;
    ent += t.entropy;
    sc += t.selfCertainty;
    mp += t.maxProb;
  }
  const meanLogProb = lp / n;
  return {
    meanLogProb,
    perplexity: Math.exp(-meanLogProb),
    geoMeanProb: Math.exp(meanLogProb),
    meanEntropy: ent / n,
    selfCertainty: sc / n,
    maxProb: mp / n,
    tokenLogProb: tokens.map((t) => t.logProb),
    tokenEntropy: tokens.map((t) => t.entropy),
  };
}

/** Row-major `[rows][vocab]` logits, one row per target: per-token stats in order. */
export function tokenLogitStats(logits: ArrayLike<number>, vocab: number, targets: ArrayLike<number>): TokenLogitStats[] {
  const out: TokenLogitStats[] = [];
  for (let r = 0; r < targets.length; r++) out.push(rowStats(logits, r * vocab, vocab, targets[r]));
  return out;
}
