/**
 * Evaluation metrics (SCORING.md, "Evaluation metrics"): label 1 = correct = positive, and a
 * higher score predicts positive. Callers flip lower-is-correct scores first ({@link orient}).
 */
export type Orientation = 'higher-is-correct' | 'lower-is-correct';

export interface RocPoint {
  readonly threshold: number;
  readonly fpr: number;
  readonly tpr: number;
  readonly precision: number;
}

export interface BinaryMetrics {
  readonly auroc: number;
  readonly aupr: number;
  readonly fpr95: number;
}

export function orient(scores: readonly number[], orientation: Orientation): number[] {
  return orientation === 'lower-is-correct' ? scores.map((s) => -s) : [...scores];
}

function checkInputs(scores: readonly number[], labels: readonly number[]): { pos: number; neg: number } {
  if (scores.length !== labels.length) {
    throw new RangeError(`${scores.length} scores but ${labels.length} labels`);
  }
  let pos = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 0 && labels[i] !== 1) throw new RangeError(`label ${i} is ${labels[i]}, not 0 or 1`);
    if (!Number.isFinite(scores[i])) throw new RangeError(`score ${i} is ${scores[i]}, not a finite number`);
    pos += labels[i];
  }
  const neg = labels.length - pos;
  if (pos === 0 || neg === 0) {
    throw new RangeError(`metrics need both labels; got ${pos} positive and ${neg} negative`);
  }
  return { pos, neg };
}

/** Mann–Whitney AUROC with average ranks for tied scores. */
export function auroc(scores: readonly number[], labels: readonly number[]): number {
  const { pos, neg } = checkInputs(scores, labels);
  const order = scores.map((_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSumPos = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]] === scores[order[i]]) j++;
    const avgRank = (i + j) / 2 + 1; // ranks are 1-based
    for (let k = i; k <= j; k++) if (labels[order[k]] === 1) rankSumPos += avgRank;
    i = j + 1;
  }
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** One ROC point per distinct score, thresholds descending, positive when score ≥ threshold. */
export function rocPoints(scores: readonly number[], labels: readonly number[]): RocPoint[] {
  const { pos, neg } = checkInputs(scores, labels);
  const order = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const points: RocPoint[] = [];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < order.length; ) {
    const thr = scores[order[i]];
    while (i < order.length && scores[order[i]] === thr) {
      if (labels[order[i]] === 1) tp++;
      else fp++;
      i++;
    }
    points.push({ threshold: thr, fpr: fp / neg, tpr: tp / pos, precision: tp / (tp + fp) });
  }
  return points;
}

/** FPR at the first ROC point reaching TPR 0.95, interpolated linearly from the point before. */
export function fpr95(points: readonly RocPoint[]): number {
  let prevF = 0;
  let prevT = 0;
  for (const p of points) {
    if (p.tpr >= 0.95) {
      if (p.tpr === 0.95) return p.fpr;
      return prevF + ((0.95 - prevT) * (p.fpr - prevF)) / (p.tpr - prevT);
    }
    prevF = p.fpr;
    prevT = p.tpr;
  }
  return 1; // unreachable: the last point has TPR 1
}

/** Trapezoid area under precision over recall, from (recall 0, precision 1). */
export function aupr(points: readonly RocPoint[]): number {
  let prevR = 0;
  let prevP = 1;
  let area = 0;
  for (const p of points) {
    area += ((p.tpr - prevR) * (p.precision + prevP)) / 2;
    prevR = p.tpr;
    prevP = p.precision;
  }
  return area;
}

export function binaryMetrics(scores: readonly number[], labels: readonly number[]): BinaryMetrics {
  const points = rocPoints(scores, labels);
  return { auroc: auroc(scores, labels), aupr: aupr(points), fpr95: fpr95(points) };
}

// ——— Calibration metrics (probabilities of "correct" against labels 0/1) ———

function checkProbabilities(p: readonly number[], y: readonly number[]): void {
  if (p.length !== y.length) throw new RangeError(`${p.length} probabilities but ${y.length} labels`);
  if (p.length === 0) throw new RangeError('calibration metrics need at least one prediction');
  for (let i = 0; i < p.length; i++) {
    if (y[i] !== 0 && y[i] !== 1) throw new RangeError(`label ${i} is ${y[i]}, not 0 or 1`);
    if (!(p[i] >= 0 && p[i] <= 1)) throw new RangeError(`probability ${i} is ${p[i]}, not in [0, 1]`);
  }
}

/**
 * Expected calibration error with equal-mass bins: the predictions sorted by p are cut into `bins`
 * groups whose sizes differ by at most one (bin b holds sorted positions ⌊b·n/B⌋ … ⌊(b+1)·n/B⌋ − 1),
 * and ECE = Σ_b (n_b/n)·|mean p − mean y| over the non-empty bins. Predictions with equal p cannot be
 * ordered, so each counts with its tie group's mean label: the result does not depend on the input's
 * order (a constant predictor's ECE is |p − accuracy|, not whatever the file order makes of it).
 */
export function ece(p: readonly number[], y: readonly number[], bins = 10): number {
  let total = 0;
  for (const b of equalMassBins(p, y, bins)) total += Math.abs(b.sumP - b.sumY) / p.length; // (n_b/n)·|sp/n_b − sy/n_b|
  return total;
}

/** One equal-mass bin of {@link equalMassBins}: its size, the sums of p and of (tie-averaged) labels, its lowest and highest p. */
export interface EqualMassBin {
  readonly bin: number;
  readonly n: number;
  readonly sumP: number;
  readonly sumY: number;
  readonly lo: number;
  readonly hi: number;
}

/** The non-empty bins the ECE reads (sorted by p, sizes differing by at most one, tie groups' labels averaged): also the reliability diagram's. */
export function equalMassBins(p: readonly number[], y: readonly number[], bins = 10): EqualMassBin[] {
  checkProbabilities(p, y);
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a whole number ≥ 1, got ${bins}`);
  const n = p.length;
  const order = p.map((_, i) => i).sort((a, b) => p[a] - p[b] || a - b);
  const yt = new Float64Array(n); // labels averaged over each run of equal p, in sorted order
  for (let i = 0; i < n; ) {
    let j = i;
    let s = 0;
    while (j < n && p[order[j]] === p[order[i]]) s += y[order[j++]];
    for (let k = i; k < j; k++) yt[k] = s / (j - i);
    i = j;
  }
  const out: EqualMassBin[] = [];
  for (let b = 0; b < bins; b++) {
    const lo = Math.floor((b * n) / bins);
    const hi = Math.floor(((b + 1) * n) / bins);
    if (hi <= lo) continue;
    let sp = 0;
    let sy = 0;
    for (let k = lo; k < hi; k++) {
      sp += p[order[k]];
      sy += yt[k];
    }
    out.push({ bin: b, n: hi - lo, sumP: sp, sumY: sy, lo: p[order[lo]], hi: p[order[hi - 1]] });
  }
  return out;
}

/** Brier score: mean (p − y)². */
export function brier(p: readonly number[], y: readonly number[]): number {
  checkProbabilities(p, y);
  let s = 0;
  for (let i = 0; i < p.length; i++) s += (p[i] - y[i]) ** 2;
  return s / p.length;
}

/** Mean negative log-likelihood (natural log), p clipped to [eps, 1 − eps] so a confident miss is finite. */
export function logLoss(p: readonly number[], y: readonly number[], eps = 1e-15): number {
  checkProbabilities(p, y);
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const q = Math.min(1 - eps, Math.max(eps, p[i]));
    s -= y[i] === 1 ? Math.log(q) : Math.log(1 - q);
  }
  return s / p.length;
}
