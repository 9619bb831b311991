import { CorruptModelError } from '../errors';

/**
 * A cheap structural check of an ONNX file before any runtime sees it. ORT's own message for a
 * truncated model ("protobuf parsing failed") names no file and no reason; this walk names both,
 * and lists the external-data ranges the initializers need so a short `.data` file is caught too.
 * Weights are skipped by length, never decoded, so it costs a few milliseconds even at 1.4 GB.
 */
export interface ExternalRef {
  readonly tensor: string;
  readonly location: string;
  readonly offset: number;
  /** -1 when the file says "to the end". */
  readonly length: number;
}

interface Field {
  readonly num: number;
  readonly wire: number;
  readonly start: number;
  readonly end: number;
}

class Truncated extends Error {}

function varint(b: Uint8Array, pos: number, end: number): [number, number] {
  let v = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new Truncated(`a number at byte ${pos} runs past the end of its message`);
    const x = b[pos++];
    v += (x & 0x7f) * scale;
    if (x < 0x80) return [v, pos];
    scale *= 128;
  }
  throw new Truncated(`a number at byte ${pos} is longer than 10 bytes`);
}

function fieldsOf(b: Uint8Array, start: number, end: number): Field[] {
  const out: Field[] = [];
  let pos = start;
  while (pos < end) {
    const at = pos;
    const [tag, p] = varint(b, pos, end);
    const num = Math.floor(tag / 8);
    const wire = tag % 8;
    if (num === 0) throw new Truncated(`field number 0 at byte ${at}`);
    pos = p;
    let valueStart = pos;
    if (wire === 0) [, pos] = varint(b, pos, end);
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const [len, q] = varint(b, pos, end);
      valueStart = q;
      pos = q + len;
    } else throw new Truncated(`unknown wire type ${wire} at byte ${at}`);
    if (pos > end) throw new Truncated(`field ${num} at byte ${at} needs ${pos - end} bytes more than its message holds`);
    out.push({ num, wire, start: valueStart, end: pos });
  }
  return out;
}

const utf8 = new TextDecoder();

function externalRef(b: Uint8Array, t: Field): ExternalRef | null {
  let name = '';
  let external = false;
  const kv = new Map<string, string>();
  for (const f of fieldsOf(b, t.start, t.end)) {
    if (f.num === 8 && f.wire === 2) name = utf8.decode(b.subarray(f.start, f.end));
    else if (f.num === 14 && f.wire === 0) external = varint(b, f.start, f.end)[0] === 1;
    else if (f.num === 13 && f.wire === 2) {
      let k = '';
      let v = '';
      for (const e of fieldsOf(b, f.start, f.end)) {
        if (e.num === 1) k = utf8.decode(b.subarray(e.start, e.end));
        else if (e.num === 2) v = utf8.decode(b.subarray(e.start, e.end));
      }
      kv.set(k, v);
    }
  }
  if (!external || !kv.has('location')) return null;
  return {
    tensor: name,
    location: kv.get('location') as string,
    offset: Number(kv.get('offset') ?? 0),
    length: kv.has('length') ? Number(kv.get('length')) : -1,
  };
}

/** Walks ModelProto → GraphProto → initializers; throws {@link CorruptModelError} naming `file`. */
export function checkOnnx(file: string, bytes: Uint8Array): ExternalRef[] {
  try {
    const top = fieldsOf(bytes, 0, bytes.length);
    const graph = top.find((f) => f.num === 7 && f.wire === 2);
    if (!top.some((f) => f.num === 1 && f.wire === 0) || !graph) {
      throw new Truncated(bytes.length === 0 ? 'the file is empty' : 'no ir_version or graph: this is not an ONNX model');
    }
    const refs: ExternalRef[] = [];
    for (const f of fieldsOf(bytes, graph.start, graph.end)) {
      if (f.num === 5 && f.wire === 2) {
        const r = externalRef(bytes, f);
        if (r) refs.push(r);
      }
    }
    return refs;
  } catch (e) {
    if (e instanceof Truncated) throw new CorruptModelError(file, e.message);
    throw e;
  }
}

/** The byte length each external file must at least have, from the initializers that point into it. */
export function requiredSizes(refs: readonly ExternalRef[]): Map<string, number> {
  const need = new Map<string, number>();
  for (const r of refs) need.set(r.location, Math.max(need.get(r.location) ?? 0, r.offset + Math.max(0, r.length)));
  return need;
}
