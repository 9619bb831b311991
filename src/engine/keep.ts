/**
 * Full per-position states, kept only up to a byte cap: a long trace must not hold the whole
 * [L+1, T, d] tensor unless the caller asked for it (capture, Infinity). Chunks are kept as the
 * runtime returned them ([L+2][n][d]) and laid out once, on request.
 */
export const DEFAULT_STATE_CAP_BYTES = 256 * 1024 * 1024;

/** The kept positions [0, tokens) in the golden layout's pieces (plain data: transferable). */
export interface KeptStates {
  readonly layers: number;
  readonly tokens: number;
  readonly dim: number;
  /** R[0..L], row-major [L+1][tokens][dim]. */
  readonly residual: Float32Array;
  /** H[L], the final-normed state, [tokens][dim]; H[l] = R[l] below it. */
  readonly finalNorm: Float32Array;
  /** True when the cap stopped keeping before the run ended. */
  readonly truncated: boolean;
}

interface Chunk {
  readonly n: number;
  readonly data: Float32Array;
}

export class StateStore {
  private readonly chunks: Chunk[] = [];
  private kept = 0;
  private bytes = 0;
  private stopped = false;

  constructor(
    private readonly layers: number,
    private readonly dim: number,
    private readonly capBytes: number,
  ) {}

  /** Bytes one position costs (L+2 float32 vectors). */
  get bytesPerPosition(): number {
    return (this.layers + 2) * this.dim * 4;
  }

  /** Offers positions [start, start+n) of a step's [L+2][n][d] states; keeps what fits under the cap. */
  add(start: number, n: number, states: Float32Array): void {
    if (this.stopped) return;
    if (start !== this.kept) {
      this.stopped = true; // a gap (states not offered for some positions) would misalign the layout
      return;
    }
    const room = Math.floor((this.capBytes - this.bytes) / this.bytesPerPosition);
    const m = Math.min(n, Math.max(0, room));
    if (m === n) {
      this.chunks.push({ n, data: states });
    } else {
      if (m > 0) this.chunks.push({ n: m, data: this.prefix(states, n, m) });
      this.stopped = true;
    }
    this.kept += m;
    this.bytes += m * this.bytesPerPosition;
  }

  get positions(): number {
    return this.kept;
  }

  get truncated(): boolean {
    return this.stopped;
  }

  /** Note that more positions ran than were offered (e.g. a cancelled step). */
  markTruncated(): void {
    this.stopped = true;
  }

  private prefix(states: Float32Array, n: number, m: number): Float32Array {
    const d = this.dim;
    const out = new Float32Array((this.layers + 2) * m * d);
    for (let l = 0; l < this.layers + 2; l++) out.set(states.subarray(l * n * d, (l * n + m) * d), l * m * d);
    return out;
  }

  /** Lays the kept chunks out as [L+1][T][d] residual + [T][d] final norm. */
  layout(): KeptStates {
    const L = this.layers;
    const d = this.dim;
    const T = this.kept;
    const residual = new Float32Array((L + 1) * T * d);
    const finalNorm = new Float32Array(T * d);
    let t0 = 0;
    for (const c of this.chunks) {
      for (let l = 0; l <= L; l++) residual.set(c.data.subarray(l * c.n * d, (l + 1) * c.n * d), (l * T + t0) * d);
      finalNorm.set(c.data.subarray((L + 1) * c.n * d, (L + 2) * c.n * d), t0 * d);
      t0 += c.n;
    }
    return { layers: L, tokens: T, dim: d, residual, finalNorm, truncated: this.stopped };
  }
}
