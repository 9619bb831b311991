import { aggregateLogitStats, coeFromMeans, cotkV1Token, cotkV2FromTerms, cotkV2KappaFrom, layerSpeeds, rowStats } from '../core/scores/index';
import type { CoeScores, CotkTrace, CotkV2Trace, LogitStats, TokenLogitStats } from '../core/scores/index';
import { COTK_V1_DEFAULT_GAMMA } from '../core/scores/cotKinetics';
import { normAt } from '../core/linalg';
import type { PathView } from '../core/tensor';
import { segmentTrace, type Segments, type SpecialIds } from '../core/trace/segment';
import { DEFAULT_STATE_CAP_BYTES, StateStore, type KeptStates } from './keep';
import { SegmentTracker, type TokenSegment } from './segmentStream';

/**
 * Streaming reduction: each output token is reduced the moment its states arrive, so a run never
 * needs its whole [L+1, T, d] tensor. The arithmetic is the scorers' own (cotkV1Token, rowStats,
 * coeFromMeans) in the same order as scoreStatesCase, so the result equals scoring the full capture
 * bit for bit (test/unit/engine/reduce.test.ts).
 */
export interface ReducerOptions {
  readonly layers: number;
  readonly hidden: number;
  readonly vocab: number;
  /** Output tokens start at this position. */
  readonly promptLength: number;
  readonly special: SpecialIds;
  readonly gamma?: number;
  /** Full states kept, in bytes; default 256 MB, Infinity keeps every position. */
  readonly stateCapBytes?: number;
  /** Keep each output token's predicting logits row: true for the scored ones (capture), 'all' adds every output token's. */
  readonly keepLogits?: boolean | 'all';
}

/** Everything the page plots for one output token. */
export interface TokenReduction {
  /** 0-based among output tokens. */
  readonly index: number;
  readonly position: number;
  readonly id: number;
  /** Where the token stands when it arrives ('pending' ones are settled in the run's segments). */
  readonly segment: TokenSegment;
  readonly logProb: number;
  readonly entropy: number;
  readonly selfCertainty: number;
  readonly maxProb: number;
  /**
   * The model's greedy choice at this position (the argmax of the row that predicted the token):
   * where it differs from `id`, a teacher-forced trace departs from what the model would write.
   * Absent in runs saved before it was recorded.
   */
  readonly argmax?: number;
  /** CoT-Kinetics v1 terms on R (NaN without states); only reasoning tokens enter the trace energy. */
  readonly kinetic: number;
  readonly curvature: number;
  readonly energy: number;
  /** CoT-Kinetics v2 kinetic term κ = mean_l ln(‖v_l‖/‖x_0‖) (NaN without states); its potential is −logProb. */
  readonly kappa: number;
  /** ‖R[l] − R[l−1]‖, l = 1 … L. */
  readonly speeds: Float32Array;
  /** ‖R[l]‖, l = 0 … L. */
  readonly norms: Float32Array;
}

export interface ReducedScores {
  readonly cotk: CotkTrace | null;
  readonly cotkV2: CotkV2Trace | null;
  readonly coe: CoeScores | null;
  readonly output: LogitStats | null;
  readonly answer: LogitStats | null;
}

export interface Reduction {
  readonly segments: Segments;
  readonly scores: ReducedScores;
  readonly states: KeptStates | null;
  /** Rows [scored tokens][vocab] that predicted each reasoning and answer token, when kept. */
  readonly logits: Float32Array | null;
  /** Rows [output tokens][vocab], row i predicting position promptLength + i (keepLogits: 'all'). */
  readonly outputLogits: Float32Array | null;
}

/** One token's states inside a step's [L+2][n][d] block. */
export interface StatesAt {
  readonly data: Float32Array;
  readonly n: number;
  readonly j: number;
}

const EMPTY = new Float32Array(0);

export class StreamReducer {
  private readonly gamma: number;
  private readonly tracker: SegmentTracker;
  private readonly store: StateStore | null;
  private readonly ids: number[] = [];
  private readonly stats: TokenLogitStats[] = [];
  private readonly energies: { kinetic: number; curvature: number; energy: number; kappa: number }[] = [];
  private readonly rows: Float32Array[] = [];
  /** Σ H[l][t] over scored tokens (pending ones included until settled), [L+1][d], float64. */
  private sum: Float64Array | null;
  private hasStates = true;

  constructor(private readonly o: ReducerOptions) {
    this.gamma = o.gamma ?? COTK_V1_DEFAULT_GAMMA;
    this.tracker = new SegmentTracker(o.special);
    const cap = o.stateCapBytes ?? DEFAULT_STATE_CAP_BYTES;
    this.store = cap > 0 ? new StateStore(o.layers, o.hidden, cap) : null;
    this.sum = new Float64Array((o.layers + 1) * o.hidden);
  }

  /** A step's states for positions [start, start+n): offered to the store (prompt positions too). */
  addStates(start: number, n: number, states: Float32Array | null): void {
    if (states === null) this.hasStates = false;
    else this.store?.add(start, n, states);
  }

  /** Reduces output token `id` at `position`; `row` holds the logits computed at position − 1. */
  addToken(id: number, position: number, row: Float32Array, rowOffset: number, at: StatesAt | null): TokenReduction {
    const { layers: L, hidden: d, vocab } = this.o;
    const index = this.ids.length;
    if (position !== this.o.promptLength + index) throw new RangeError(`token at position ${position}, expected ${this.o.promptLength + index}`);
    this.ids.push(id);
    const segment = this.tracker.next(id, (fate) => {
      if (fate === 'dropped') this.sum?.fill(0);
    });
    const st = rowStats(row, rowOffset, vocab, id);
    this.stats.push(st);
    if (this.o.keepLogits) this.rows.push(row.slice(rowOffset, rowOffset + vocab));
    let terms = { kinetic: NaN, curvature: NaN, energy: NaN, kappa: NaN };
    let speeds = EMPTY;
    let norms = EMPTY;
    if (at && this.hasStates) {
      const path: PathView = { data: at.data, base: at.j * d, layerStride: at.n * d, layers: L, dim: d };
      // The layer speeds serve v1, v2 and the heatmap: computed once per token.
      const speeds64 = layerSpeeds(path);
      const norm0 = normAt(at.data, at.j * d, d);
      norms = new Float32Array(L + 1);
      norms[0] = norm0;
      for (let l = 1; l <= L; l++) norms[l] = normAt(at.data, (l * at.n + at.j) * d, d);
      terms = { ...cotkV1Token(path, this.gamma, speeds64), kappa: cotkV2KappaFrom(speeds64, norm0) };
      speeds = Float32Array.from(speeds64);
      if (segment === 'pending' || segment === 'reasoning' || segment === 'answer') this.accumulate(at);
    } else {
      this.hasStates = false;
    }
    this.energies.push(terms);
    return { index, position, id, segment, ...st, ...terms, speeds, norms };
  }

  /** H[l] = R[l] below L, the final norm's output at L (block L+1 of the step's states). */
  private accumulate(at: StatesAt): void {
    const { layers: L, hidden: d } = this.o;
    const sum = this.sum as Float64Array;
    for (let l = 0; l <= L; l++) {
      const src = ((l === L ? L + 1 : l) * at.n + at.j) * d;
      for (let i = 0; i < d; i++) sum[l * d + i] += at.data[src + i];
    }
  }

  get outputTokens(): number {
    return this.ids.length;
  }

  /** A step ran positions whose states were never offered (cancelled mid-run): stop keeping. */
  markStatesIncomplete(): void {
    this.store?.markTruncated();
  }

  finish(promptIds: readonly number[]): Reduction {
    this.tracker.finish((fate) => {
      if (fate === 'dropped') this.sum?.fill(0);
    });
    const P = this.o.promptLength;
    const segments = segmentTrace([...promptIds, ...this.ids], P, this.o.special);
    const [r0, r1] = segments.reasoning;
    const [a0, a1] = segments.answer;
    const scored = [...this.stats.slice(r0 - P, r1 - P), ...this.stats.slice(a0 - P, a1 - P)];
    const output = scored.length > 0 ? aggregateLogitStats(scored) : null;
    const answer = a1 > a0 ? aggregateLogitStats(this.stats.slice(a0 - P, a1 - P)) : null;
    let cotk: CotkTrace | null = null;
    let cotkV2: CotkV2Trace | null = null;
    let coe: CoeScores | null = null;
    if (this.hasStates && r1 > r0) {
      const terms = this.energies.slice(r0 - P, r1 - P);
      let s = 0;
      for (const t of terms) s += t.energy;
      cotk = {
        kinetic: terms.map((t) => t.kinetic),
        curvature: terms.map((t) => t.curvature),
        energy: terms.map((t) => t.energy),
        traceEnergy: s / terms.length,
      };
      cotkV2 = cotkV2FromTerms(
        terms.map((t) => t.kappa),
        this.stats.slice(r0 - P, r1 - P).map((t) => -t.logProb),
      );
    }
    if (this.hasStates && scored.length > 0 && this.sum) {
      // meanStates scales the sums by 1/n the same way, so the means match the full capture's exactly.
      const inv = 1 / scored.length;
      const h = this.sum.map((x) => x * inv);
      coe = coeFromMeans(h, this.o.layers, this.o.hidden);
    }
    const keep = this.o.keepLogits;
    const logits = keep ? this.concatRows([...this.rows.slice(r0 - P, r1 - P), ...this.rows.slice(a0 - P, a1 - P)]) : null;
    const outputLogits = keep === 'all' ? this.concatRows(this.rows) : null;
    const states = this.hasStates && this.store ? this.store.layout() : null;
    return { segments, scores: { cotk, cotkV2, coe, output, answer }, states, logits, outputLogits };
  }

  private concatRows(rows: readonly Float32Array[]): Float32Array {
    const v = this.o.vocab;
    const out = new Float32Array(rows.length * v);
    rows.forEach((r, i) => out.set(r, i * v));
    return out;
  }
}
