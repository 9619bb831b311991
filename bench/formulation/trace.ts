/**
 * One scored trace as the candidates read it: the engine's RunResult (kept float32 states and the
 * logits rows that predicted each reasoning and answer token), the logit lens of the predicting
 * states (engine.lens), and the final norm. Everything is widened to float64 on read; per-token
 * quantities are cached because several candidates share them.
 *
 * Positions are absolute (prompt + output), as in the run's segments. Notation as in
 * docs/research/formulations.md: x_l = R[l][t], l = 0 … L; U_l(t) = −log p_l(x_t | state at t − 1).
 */
import type { Engine, RunResult } from '../../src/engine/index';
import { applyFinalNorm, type FinalNorm } from './readout';

export interface TestbedTrace {
  readonly id: number;
  readonly expr: string;
  readonly text: string;
  readonly correct: boolean;
}

export class TraceView {
  readonly L: number;
  readonly d: number;
  /** Positions kept (= prompt + output tokens). */
  readonly T: number;
  readonly V: number;
  readonly r0: number;
  readonly r1: number;
  readonly a0: number;
  readonly a1: number;
  readonly ids: readonly number[];
  private readonly residual: Float32Array;
  private readonly logits: Float32Array;
  private readonly rCache = new Map<number, Float64Array>();
  private readonly nCache = new Map<number, Float64Array>();
  private readonly uCache = new Map<number, number>();

  constructor(
    readonly run: RunResult,
    /** [scored token][L+1][V] lens log-probs of the predicting state (scored = reasoning then answer), or null. */
    private readonly lens: Float64Array | null,
    private readonly norm: FinalNorm,
    private readonly newlineId: number,
  ) {
    const st = run.states;
    if (!st || st.truncated) throw new Error('the run kept no (or truncated) states: score with stateCapBytes Infinity');
    if (!run.logits) throw new Error('the run kept no logits rows: score with keepLogits');
    this.L = st.layers;
    this.d = st.dim;
    this.T = st.tokens;
    this.residual = st.residual;
    this.logits = run.logits;
    this.ids = run.ids;
    if (this.T !== this.ids.length) throw new Error(`${this.T} positions kept for ${this.ids.length} ids`);
    [this.r0, this.r1] = run.segments.reasoning;
    [this.a0, this.a1] = run.segments.answer;
    this.V = this.logits.length / (this.r1 - this.r0 + this.a1 - this.a0);
  }

  reasoning(): number[] {
    return range(this.r0, this.r1);
  }

  answer(): number[] {
    return range(this.a0, this.a1);
  }

  /** Row of `t` among the scored tokens (reasoning then answer). */
  scoredRow(t: number): number {
    if (t >= this.r0 && t < this.r1) return t - this.r0;
    if (t >= this.a0 && t < this.a1) return this.r1 - this.r0 + (t - this.a0);
    throw new RangeError(`position ${t} is neither reasoning nor answer`);
  }

  /** x_0 … x_L of token t as float64, [L+1][d]. */
  path(t: number): Float64Array {
    let p = this.rCache.get(t);
    if (!p) {
      const { L, d, T } = this;
      p = new Float64Array((L + 1) * d);
      for (let l = 0; l <= L; l++) {
        const o = (l * T + t) * d;
        for (let i = 0; i < d; i++) p[l * d + i] = this.residual[o + i];
      }
      this.rCache.set(t, p);
    }
    return p;
  }

  /** n_l = N(x_l), the path in read-out coordinates (final norm applied at every layer), [L+1][d]. */
  normedPath(t: number): Float64Array {
    let p = this.nCache.get(t);
    if (!p) {
      const x = this.path(t);
      p = new Float64Array(x.length);
      for (let l = 0; l <= this.L; l++) applyFinalNorm(this.norm, x, l * this.d, p, l * this.d, this.d);
      this.nCache.set(t, p);
    }
    return p;
  }

  /** U_L(t) = −log softmax(z)[x_t] from the kept logits row that predicted t (log-sum-exp, float64). */
  surprisal(t: number): number {
    let u = this.uCache.get(t);
    if (u === undefined) {
      const V = this.V;
      const o = this.scoredRow(t) * V;
      let max = -Infinity;
      for (let j = 0; j < V; j++) if (this.logits[o + j] > max) max = this.logits[o + j];
      let s = 0;
      for (let j = 0; j < V; j++) s += Math.exp(this.logits[o + j] - max);
      u = max + Math.log(s) - this.logits[o + this.ids[t]];
      this.uCache.set(t, u);
    }
    return u;
  }

  get hasLens(): boolean {
    return this.lens !== null;
  }

  private lensRow(t: number, l: number): number {
    if (!this.lens) throw new Error('this candidate needs the logit lens');
    return (this.scoredRow(t) * (this.L + 1) + l) * this.V;
  }

  /** U_l(t) = −log p_l(x_t) under the lens of the state at t − 1. */
  lensHeight(t: number, l: number): number {
    return -(this.lens as Float64Array)[this.lensRow(t, l) + this.ids[t]];
  }

  /** KL(p_L ‖ p_l) of the state at t − 1. */
  lensKl(t: number, l: number): number {
    const lp = this.lens as Float64Array;
    const a = this.lensRow(t, this.L);
    const b = this.lensRow(t, l);
    let s = 0;
    for (let j = 0; j < this.V; j++) s += Math.exp(lp[a + j]) * (lp[a + j] - lp[b + j]);
    return s;
  }

  /**
   * The reasoning split into lines (formulations.md §3 (d)): each line's tokens and its closing
   * '\n'; a line holding nothing but '\n' (the one right after <think>) joins the next line, and a
   * trailing one the last line.
   */
  steps(): number[][] {
    const out: number[][] = [];
    let cur: number[] = [];
    const hasText = (xs: number[]): boolean => xs.some((t) => this.ids[t] !== this.newlineId);
    for (const t of this.reasoning()) {
      cur.push(t);
      if (this.ids[t] === this.newlineId && hasText(cur)) {
        out.push(cur);
        cur = [];
      }
    }
    if (cur.length > 0) {
      if (hasText(cur) || out.length === 0) out.push(cur);
      else out[out.length - 1] = [...out[out.length - 1], ...cur];
    }
    return out;
  }
}

export function range(a: number, b: number): number[] {
  return Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);
}

/**
 * The logit lens of every scored token's predicting state, all layers: one engine.lens call per
 * trace with k = V (the whole distribution comes back as sorted top-k, which is put back in id
 * order). Returns [scored token][L+1][V] float64 log-probs.
 */
export async function lensOfTrace(engine: Engine, run: RunResult): Promise<Float64Array> {
  const st = run.states;
  if (!st) throw new Error('no states');
  const { layers: L, dim: d, tokens: T } = st;
  const V = engine.info().config.vocabSize;
  const [r0, r1] = run.segments.reasoning;
  const [a0, a1] = run.segments.answer;
  const scored = [...range(r0, r1), ...range(a0, a1)];
  const n = scored.length * (L + 1);
  const states = new Float32Array(n * d);
  const targets: number[] = [];
  scored.forEach((t, k) => {
    for (let l = 0; l <= L; l++) {
      const src = (l * T + (t - 1)) * d;
      states.set(st.residual.subarray(src, src + d), (k * (L + 1) + l) * d);
      targets.push(run.ids[t]);
    }
  });
  const r = await engine.lens(states, targets, V);
  const out = new Float64Array(n * V).fill(NaN);
  for (let i = 0; i < n; i++) for (let j = 0; j < V; j++) out[i * V + r.topIds[i * V + j]] = r.topLogProbs[i * V + j];
  // the target's own log-prob is also returned: it must be the same number
  for (let i = 0; i < n; i++) {
    const tl = r.targetLogProb?.[i];
    if (tl !== undefined && tl !== Math.fround(out[i * V + targets[i]])) throw new Error(`lens row ${i}: target log-prob ${tl} vs ${out[i * V + targets[i]]} in the top-k`);
  }
  if (out.some((x) => Number.isNaN(x))) throw new Error('lens: top-k with k = V did not cover the vocabulary');
  return out;
}
