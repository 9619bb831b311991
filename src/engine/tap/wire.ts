/**
 * The protobuf wire format, just enough of it to splice an ONNX model without a protobuf library:
 * read fields as spans of the original buffer (so weights are skipped by length, never decoded) and
 * encode the few small messages the tap adds. Lengths are plain-number arithmetic, exact up to 2^53:
 * JavaScript's 32-bit bit operators would wrap at 2^31, and single-file models come close to that.
 */

/** A malformed byte at a known offset; the tap turns it into a TapError a user can read. */
export class WireError extends Error {
  readonly offset: number;
  constructor(offset: number, detail: string) {
    super(`${detail} at byte ${offset}`);
    this.name = 'WireError';
    this.offset = offset;
  }
}

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

/** One field of a message: where it starts (its tag), where its value starts, where it ends. */
export interface Field {
  readonly num: number;
  readonly wire: number;
  /** Offset of the tag: [start, end) is the whole field, copyable as is. */
  readonly start: number;
  /** Offset of the payload (after the length prefix for length-delimited fields). */
  readonly valueStart: number;
  readonly end: number;
  /** The varint value (wire type 0) as a signed int64 number; exact up to 2^53. */
  readonly value: number;
}

/**
 * Reads a varint at `pos`; returns [value, next offset]. Up to 7 bytes (49 bits) the value is exact
 * in plain arithmetic; longer ones are int64 two's complement (ONNX writes axis -1 in 10 bytes), read
 * through BigInt so negatives come back negative. Magnitudes above 2^53 lose low bits, which no
 * tag, length or attribute the tap reads can reach.
 */
export function readVarint(buf: Uint8Array, pos: number, limit: number = buf.length): [number, number] {
  let value = 0;
  let scale = 1;
  const start = pos;
  for (let i = 0; i < 10; i++) {
    if (pos >= limit) throw new WireError(start, 'truncated varint');
    const b = buf[pos++];
    if (i === 7) return readLongVarint(buf, start, limit);
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value, pos];
    scale *= 128;
  }
  throw new WireError(start, 'varint longer than 10 bytes');
}

function readLongVarint(buf: Uint8Array, start: number, limit: number): [number, number] {
  let value = 0n;
  let pos = start;
  for (let shift = 0n; shift < 70n; shift += 7n) {
    if (pos >= limit) throw new WireError(start, 'truncated varint');
    const b = buf[pos++];
    value |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return [Number(BigInt.asIntN(64, value)), pos];
  }
  throw new WireError(start, 'varint longer than 10 bytes');
}

/** Iterates the fields of the message in buf[start, end), validating every length against `end`. */
export function* fields(buf: Uint8Array, start: number, end: number): Generator<Field> {
  let pos = start;
  while (pos < end) {
    const fieldStart = pos;
    const [tag, afterTag] = readVarint(buf, pos, end);
    if (tag < 0) throw new WireError(fieldStart, 'negative field tag');
    const num = Math.floor(tag / 8);
    const wire = tag % 8;
    if (num === 0) throw new WireError(fieldStart, 'field number 0');
    pos = afterTag;
    let valueStart = pos;
    let value = 0;
    switch (wire) {
      case WIRE_VARINT:
        [value, pos] = readVarint(buf, pos, end);
        break;
      case WIRE_I64:
        pos += 8;
        break;
      case WIRE_I32:
        pos += 4;
        break;
      case WIRE_LEN: {
        const [len, afterLen] = readVarint(buf, pos, end);
        if (len < 0) throw new WireError(fieldStart, `negative length for field ${num}`);
        valueStart = afterLen;
        pos = afterLen + len;
        break;
      }
      default:
        throw new WireError(fieldStart, `unsupported wire type ${wire} (field ${num})`);
    }
    if (pos > end) throw new WireError(fieldStart, `field ${num} runs past the end of its message (${pos} > ${end})`);
    yield { num, wire, start: fieldStart, valueStart, end: pos, value };
  }
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: false });
const utf8Encoder = new TextEncoder();

export function readString(buf: Uint8Array, f: Field): string {
  return utf8Decoder.decode(buf.subarray(f.valueStart, f.end));
}

/** Unpacks a repeated int64 field that may be packed (wire 2) or not (wire 0). */
export function readInts(buf: Uint8Array, f: Field): number[] {
  if (f.wire === WIRE_VARINT) return [f.value];
  const out: number[] = [];
  let pos = f.valueStart;
  while (pos < f.end) {
    const [v, next] = readVarint(buf, pos, f.end);
    out.push(v);
    pos = next;
  }
  return out;
}

/** Builds a message from small pieces; the caller copies big spans itself. */
export class Writer {
  private readonly parts: number[] = [];

  varint(v: number): this {
    if (v < 0) {
      // Negative int64: ten bytes of two's complement. Only small negatives occur here (e.g. axis -1).
      let lo = BigInt.asUintN(64, BigInt(v));
      for (let i = 0; i < 9; i++) {
        this.parts.push(Number(lo & 0x7fn) | 0x80);
        lo >>= 7n;
      }
      this.parts.push(Number(lo));
      return this;
    }
    while (v >= 0x80) {
      this.parts.push((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    this.parts.push(v);
    return this;
  }

  tag(num: number, wire: number): this {
    return this.varint(num * 8 + wire);
  }

  bytes(num: number, data: Uint8Array): this {
    this.tag(num, WIRE_LEN).varint(data.length);
    for (const b of data) this.parts.push(b);
    return this;
  }

  string(num: number, s: string): this {
    return this.bytes(num, utf8Encoder.encode(s));
  }

  int(num: number, v: number): this {
    return this.tag(num, WIRE_VARINT).varint(v);
  }

  /** A float field (wire type 5, little-endian IEEE single), e.g. AttributeProto.f. */
  float(num: number, v: number): this {
    this.tag(num, WIRE_I32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    for (const x of b) this.parts.push(x);
    return this;
  }

  message(num: number, inner: Writer): this {
    return this.bytes(num, inner.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** Bytes needed for `v` as a varint (v ≥ 0). */
export function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}
