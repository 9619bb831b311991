import { BLOCK, type QuantMatrix, toHalf } from './weights';

/**
 * Writes tensors' bytes in little-endian order through a fixed 4 MiB buffer: a synth never holds a
 * whole weight file (or even a whole LM head) in memory.
 */
export interface ByteSink {
  write(bytes: Uint8Array): void;
}

const CHUNK = 4 << 20;

export class ChunkWriter {
  private readonly buf = new Uint8Array(CHUNK);
  private readonly view = new DataView(this.buf.buffer);
  private pos = 0;
  /** Bytes handed to the sink so far. */
  written = 0;
  constructor(private readonly sink: ByteSink) {}

  /** Bytes written so far, flushed or not. */
  get position(): number {
    return this.written + this.pos;
  }

  private room(n: number): void {
    if (this.pos + n > CHUNK) this.flush();
  }

  f32(v: number): void {
    this.room(4);
    this.view.setFloat32(this.pos, v, true);
    this.pos += 4;
  }

  f16(v: number): void {
    this.room(2);
    this.view.setUint16(this.pos, toHalf(v), true);
    this.pos += 2;
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.pos++] = v;
  }

  /** Copies a whole row (a typed array's bytes) through the buffer. */
  bytes(src: ArrayBufferView): void {
    let b = new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
    while (b.length > 0) {
      if (this.pos === CHUNK) this.flush();
      const n = Math.min(b.length, CHUNK - this.pos);
      this.buf.set(b.subarray(0, n), this.pos);
      this.pos += n;
      b = b.subarray(n);
    }
  }

  zeros(n: number): void {
    for (let i = 0; i < n; i++) this.u8(0);
  }

  flush(): void {
    if (this.pos === 0) return;
    this.sink.write(this.buf.subarray(0, this.pos));
    this.written += this.pos;
    this.pos = 0;
  }
}

export type FloatKind = 'float32' | 'float16';

function put(w: ChunkWriter, kind: FloatKind, v: number): void {
  if (kind === 'float32') w.f32(v);
  else w.f16(v);
}

/** A row of floats in the output kind, filled by `fill` and copied out. */
function rowWriter(w: ChunkWriter, kind: FloatKind, length: number): (fill: (row: Float32Array) => void) => void {
  const f32 = new Float32Array(length);
  const f16 = kind === 'float16' ? new Uint16Array(length) : null;
  return (fill) => {
    fill(f32);
    if (!f16) return w.bytes(f32);
    for (let i = 0; i < length; i++) f16[i] = toHalf(f32[i]);
    w.bytes(f16);
  };
}

/** W as a float [K, N] matrix (MatMul's B, the tied LM head). */
export function emitKN(w: ChunkWriter, m: QuantMatrix, kind: FloatKind): void {
  const s = m.scales();
  // Scales transposed to [blocks, N] so the inner loop over n reads them in order.
  const sT = new Float64Array(s.length);
  for (let n = 0; n < m.N; n++) for (let b = 0; b < m.blocks; b++) sT[b * m.N + n] = s[n * m.blocks + b];
  const row = rowWriter(w, kind, m.N);
  const even = new Uint8Array(m.N);
  const odd = new Uint8Array(m.N);
  for (let k = 0; k < m.K; k += 2) {
    const base = (k / BLOCK | 0) * m.N;
    m.columns(k, even, odd);
    for (const codes of [even, odd]) {
      row((r) => {
        for (let n = 0; n < m.N; n++) r[n] = (codes[n] - 8) * sT[base + n];
      });
    }
  }
}

/** W as a float [N, K] matrix (an untied embedding table: row t is token t). */
export function emitNK(w: ChunkWriter, m: QuantMatrix, kind: FloatKind): void {
  const s = m.scales();
  const row = rowWriter(w, kind, m.K);
  const codes = new Uint8Array(m.K);
  for (let n = 0; n < m.N; n++) {
    m.row(n, codes);
    row((r) => {
      for (let k = 0; k < m.K; k++) r[k] = (codes[k] - 8) * s[n * m.blocks + (k / BLOCK | 0)];
    });
  }
}

/** MatMulNBits' B: uint8 [N, K/32, 16], two codes a byte, the even k in the low nibble. */
export function emitQ4(w: ChunkWriter, m: QuantMatrix): void {
  const codes = new Uint8Array(m.K);
  const packed = new Uint8Array(m.K / 2);
  for (let n = 0; n < m.N; n++) {
    m.row(n, codes);
    for (let j = 0; j < packed.length; j++) packed[j] = codes[2 * j] | (codes[2 * j + 1] << 4);
    w.bytes(packed);
  }
}

/** MatMulNBits' scales [N, K/32]. */
export function emitScales(w: ChunkWriter, m: QuantMatrix, kind: FloatKind): void {
  const s = m.scales();
  const f32 = kind === 'float32' ? Float32Array.from(s) : null;
  if (f32) return w.bytes(f32);
  const f16 = new Uint16Array(s.length);
  for (let i = 0; i < s.length; i++) f16[i] = toHalf(s[i]);
  w.bytes(f16);
}

export function emitValues(w: ChunkWriter, values: ArrayLike<number>, kind: FloatKind): void {
  for (let i = 0; i < values.length; i++) put(w, kind, values[i]);
}

/** RoPE caches [positions, headDim/2], as the builder makes them (float32 arithmetic, then cast). */
export function ropeCache(which: 'cos' | 'sin', positions: number, headDim: number, theta: number): (p: number, i: number) => number {
  const half = headDim / 2;
  const invFreq = new Float32Array(half);
  for (let i = 0; i < half; i++) invFreq[i] = 1 / Math.fround(theta ** Math.fround((2 * i) / headDim));
  const f = which === 'cos' ? Math.cos : Math.sin;
  void positions;
  return (p, i) => f(Math.fround(p * invFreq[i]));
}

export function emitRope(w: ChunkWriter, which: 'cos' | 'sin', positions: number, headDim: number, theta: number, kind: FloatKind): void {
  const at = ropeCache(which, positions, headDim, theta);
  for (let p = 0; p < positions; p++) for (let i = 0; i < headDim / 2; i++) put(w, kind, at(p, i));
}
