/**
 * The JSON text layer of the run format (docs/run-format.md): how numbers JSON cannot hold are
 * written, how Float32Arrays are tagged, a deterministic pretty-printer, and where a broken JSON
 * text breaks. Pure: no DOM, no Node.
 */

// The pure parts (special numbers, where a broken text breaks) live in src/core, shared with calibration profiles.
export { SPECIAL_NUMBERS, readNumber, locateJsonFault, utf8Length, lineColumn, type SpecialNumber, type JsonFault } from '../core/jsonText';

/** A number as JSON text: a JSON number when JSON can hold it exactly, else one of the quoted SPECIAL_NUMBERS. */
export function numberText(v: number): string {
  if (Number.isNaN(v)) return '"NaN"';
  if (v === Infinity) return '"Infinity"';
  if (v === -Infinity) return '"-Infinity"';
  if (Object.is(v, -0)) return '"-0"';
  return String(v); // the shortest text that reads back as the same double, which is valid JSON
}

/**
 * A float32 value as the shortest decimal that reads back (through Math.fround) as the same float32:
 * 0.1f is written 0.1, not 0.10000000149011612. At most 9 significant digits are ever needed.
 */
export function float32Text(v: number): string {
  if (!Number.isFinite(v) || Object.is(v, -0)) return numberText(v);
  for (let p = 1; p <= 9; p++) {
    const d = Number(v.toPrecision(p));
    if (Math.fround(d) === v) return String(d);
  }
  return String(v);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The float32 values' little-endian bytes as base64 (chunked: btoa takes a binary string). */
export function float32ToBase64(a: Float32Array): string {
  let bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (!LITTLE_ENDIAN) {
    bytes = new Uint8Array(a.length * 4);
    const dv = new DataView(bytes.buffer);
    for (let i = 0; i < a.length; i++) dv.setFloat32(i * 4, a[i], true);
  }
  const parts: string[] = [];
  const CHUNK = 0x6000; // a multiple of 3, so the chunks' base64 texts join without padding inside
  for (let i = 0; i < bytes.length; i += CHUNK) parts.push(btoa(String.fromCharCode(...bytes.subarray(i, i + CHUNK))));
  return parts.join('');
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Base64 of little-endian float32 bytes back to a Float32Array; a sentence (string) when it is not that. */
export function base64ToFloat32(s: string): Float32Array | string {
  if (s.length % 4 !== 0 || !BASE64.test(s)) return 'expected base64 text (A–Z, a–z, 0–9, +, /, padded with = to a multiple of 4 characters)';
  const bin = atob(s);
  if (bin.length % 4 !== 0) return `base64 data of ${bin.length} bytes is not a whole number of float32 values (4 bytes each)`;
  const out = new Float32Array(bin.length / 4);
  const bytes = new Uint8Array(out.buffer);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  if (!LITTLE_ENDIAN) {
    const dv = new DataView(out.buffer);
    for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(i * 4, true);
  }
  return out;
}

export interface EmitOptions {
  /** Keys whose Float32Array values are written as base64 ($f32b64) instead of decimals ($f32). */
  readonly base64Keys: ReadonlySet<string>;
  /** Key order of the top-level object (the rest are sorted). */
  readonly rootOrder?: readonly string[];
}

function isLeaf(v: unknown): boolean {
  return v === null || typeof v !== 'object' || v instanceof Float32Array;
}

/** An object that fits on one line: every value a leaf or an array of leaves. */
function isFlat(o: object): boolean {
  return Object.values(o).every((v) => v === undefined || isLeaf(v) || (Array.isArray(v) && v.every(isLeaf)));
}

function describeValue(v: unknown): string {
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  return typeof v;
}

/**
 * Deterministic JSON text: object keys sorted (the root's in `rootOrder`), leaf objects and arrays
 * of leaves on one line, everything else indented by two spaces; undefined object values left out.
 * Throws a TypeError naming the path of anything JSON cannot carry (another typed array, a function).
 */
export function emitJson(value: unknown, opts: EmitOptions): string {
  const out: string[] = [];
  const emit = (v: unknown, key: string, path: string, indent: string): void => {
    if (v === null) out.push('null');
    else if (typeof v === 'boolean') out.push(v ? 'true' : 'false');
    else if (typeof v === 'number') out.push(numberText(v));
    else if (typeof v === 'string') out.push(JSON.stringify(v));
    else if (v instanceof Float32Array) {
      if (opts.base64Keys.has(key)) out.push(`{"$f32b64": "${float32ToBase64(v)}"}`);
      else {
        const parts = new Array<string>(v.length);
        for (let i = 0; i < v.length; i++) parts[i] = float32Text(v[i]);
        out.push(`{"$f32": [${parts.join(', ')}]}`);
      }
    } else if (Array.isArray(v)) {
      if (v.length === 0) out.push('[]');
      else if (v.every(isLeaf)) {
        out.push('[');
        v.forEach((x, i) => {
          if (i > 0) out.push(', ');
          emit(x, key, `${path}[${i}]`, indent);
        });
        out.push(']');
      } else {
        const inner = `${indent}  `;
        out.push('[\n');
        v.forEach((x, i) => {
          if (x === undefined) throw new TypeError(`${path}[${i}]: undefined cannot be written as JSON`);
          out.push(inner);
          emit(x, key, `${path}[${i}]`, inner);
          out.push(i < v.length - 1 ? ',\n' : '\n');
        });
        out.push(`${indent}]`);
      }
    } else if (typeof v === 'object' && !ArrayBuffer.isView(v)) {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o).filter((k) => o[k] !== undefined);
      const order = path === '' && opts.rootOrder ? opts.rootOrder : null;
      keys.sort(order ? (a, b) => rank(order, a) - rank(order, b) || cmp(a, b) : cmp);
      if (keys.length === 0) out.push('{}');
      else if (path !== '' && isFlat(o)) {
        out.push('{');
        keys.forEach((k, i) => {
          out.push(`${i > 0 ? ', ' : ''}${JSON.stringify(k)}: `);
          emit(o[k], k, path ? `${path}.${k}` : k, indent);
        });
        out.push('}');
      } else {
        const inner = `${indent}  `;
        out.push('{\n');
        keys.forEach((k, i) => {
          out.push(`${inner}${JSON.stringify(k)}: `);
          emit(o[k], k, path ? `${path}.${k}` : k, inner);
          out.push(i < keys.length - 1 ? ',\n' : '\n');
        });
        out.push(`${indent}}`);
      }
    } else {
      throw new TypeError(`${path || 'the value'}: a ${describeValue(v)} cannot be written as JSON`);
    }
  };
  emit(value, '', '', '');
  out.push('\n');
  return out.join('');
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const rank = (order: readonly string[], k: string) => {
  const i = order.indexOf(k);
  return i < 0 ? order.length : i;
};
