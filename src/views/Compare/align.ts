/**
 * Aligns two runs' reasoning steps so that equal steps sit on the same row and a step one run has
 * and the other lacks leaves a gap. Needleman–Wunsch (global alignment) on normalised step text:
 * equal steps score +2, a gap −1, and two different steps may share a row ("changed") only when
 * they are similar enough (normalised edit similarity ≥ `minSimilarity`), scored below a match.
 * With changes switched off (minSimilarity > 1) it is exactly a longest common subsequence of the
 * equal steps. Pure: strings in, rows out.
 */
export type AlignKind = 'same' | 'changed' | 'only-a' | 'only-b';

export interface AlignedRow {
  /** Index into A's steps, or null where A has a gap. */
  readonly a: number | null;
  /** Index into B's steps, or null where B has a gap. */
  readonly b: number | null;
  readonly kind: AlignKind;
}

export interface AlignOptions {
  /** Two different steps share a row only at or above this edit similarity (default 0.5; > 1 never). */
  readonly minSimilarity?: number;
  /**
   * Above this many cell pairs (steps A × steps B) similarity is not computed (edit distance per
   * pair would cost seconds) and only equal steps are matched. Default 250 000 (500 × 500 steps).
   */
  readonly maxSimilarityCells?: number;
}

const MATCH = 2;
const GAP = -1;

/** The text a step is compared by: case and whitespace do not make two steps different. */
export function normaliseStep(text: string): string {
  return text.toLowerCase().replace(/\s+/g, '');
}

/** Levenshtein distance, two rows of memory. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let cur = new Array<number>(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}

/** 1 − distance / longer length: 1 for equal strings, 0 for nothing in common. */
export function similarity(a: string, b: string): number {
  const n = Math.max(a.length, b.length);
  return n === 0 ? 1 : 1 - editDistance(a, b) / n;
}

/** Aligns step texts `a` and `b` (raw; normalised here). */
export function alignSteps(a: readonly string[], b: readonly string[], opts: AlignOptions = {}): AlignedRow[] {
  const na = a.map(normaliseStep);
  const nb = b.map(normaliseStep);
  const n = na.length;
  const m = nb.length;
  const minSim = opts.minSimilarity ?? 0.5;
  const useSim = minSim <= 1 && n * m <= (opts.maxSimilarityCells ?? 250_000);
  // Score of putting A's step i and B's step j on one row; -Infinity where they may not share one.
  const pair = (i: number, j: number): number => {
    if (na[i] === nb[j]) return MATCH;
    if (!useSim) return -Infinity;
    // A cheap bound first: the length difference alone caps the similarity.
    const longer = Math.max(na[i].length, nb[j].length);
    if (longer === 0 || 1 - Math.abs(na[i].length - nb[j].length) / longer < minSim) return -Infinity;
    const s = similarity(na[i], nb[j]);
    // Below two gaps' worth at the threshold, up to just under a match: a change never beats an equal step.
    return s >= minSim ? 2 * GAP + 0.5 + (MATCH - 2 * GAP - 1) * ((s - minSim) / Math.max(1e-9, 1 - minSim)) : -Infinity;
  };
  // score[(i)(m+1) + j]: best score aligning a[0..i) with b[0..j).
  const W = m + 1;
  const score = new Float64Array((n + 1) * W);
  const pairs = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) pairs[i * m + j] = pair(i, j);
  for (let i = 1; i <= n; i++) score[i * W] = i * GAP;
  for (let j = 1; j <= m; j++) score[j] = j * GAP;
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      const diag = score[(i - 1) * W + j - 1] + pairs[(i - 1) * m + j - 1];
      const up = score[(i - 1) * W + j] + GAP;
      const left = score[i * W + j - 1] + GAP;
      score[i * W + j] = Math.max(diag, up, left);
    }
  }
  // Trace back; on ties prefer the diagonal, then a gap in B (A's step first), so the output is deterministic.
  const rows: AlignedRow[] = [];
  let i = n;
  let j = m;
  while (i > 0 || j > 0) {
    const here = score[i * W + j];
    if (i > 0 && j > 0) {
      const p = pairs[(i - 1) * m + j - 1];
      if (p > -Infinity && here === score[(i - 1) * W + j - 1] + p) {
        rows.push({ a: i - 1, b: j - 1, kind: na[i - 1] === nb[j - 1] ? 'same' : 'changed' });
        i--;
        j--;
        continue;
      }
    }
    if (j > 0 && (i === 0 || here === score[i * W + j - 1] + GAP)) {
      rows.push({ a: null, b: j - 1, kind: 'only-b' });
      j--;
    } else {
      rows.push({ a: i - 1, b: null, kind: 'only-a' });
      i--;
    }
  }
  return rows.reverse();
}
