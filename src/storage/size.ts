/**
 * How many bytes a value takes once stored, estimated the way the structured clone writes it:
 * every distinct ArrayBuffer whole (a typed array that views part of a larger buffer still carries
 * the whole buffer), strings by their length, numbers 8 bytes, object keys by their length. Not the
 * browser's exact on-disk figure (it compresses and pads), but close for runs, whose bulk is typed
 * arrays, and the same on every browser, so sizes in the history list can be compared.
 */
export function estimateSize(value: unknown): number {
  const buffers = new Set<ArrayBufferLike>();
  const seen = new Set<object>();
  let bytes = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    switch (typeof v) {
      case 'string':
        bytes += v.length;
        continue;
      case 'number':
      case 'bigint':
        bytes += 8;
        continue;
      case 'boolean':
        bytes += 1;
        continue;
      case 'object':
        break;
      default:
        continue; // undefined, functions, symbols: nothing a structured clone keeps
    }
    if (v === null) {
      bytes += 1;
      continue;
    }
    if (seen.has(v)) continue; // the clone writes a shared object once and refers back to it
    seen.add(v);
    if (ArrayBuffer.isView(v)) {
      if (!buffers.has(v.buffer)) {
        buffers.add(v.buffer);
        bytes += v.buffer.byteLength;
      }
      continue;
    }
    if (v instanceof ArrayBuffer) {
      if (!buffers.has(v)) {
        buffers.add(v);
        bytes += v.byteLength;
      }
      continue;
    }
    if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
      continue;
    }
    for (const [k, x] of Object.entries(v)) {
      bytes += k.length;
      stack.push(x);
    }
  }
  return bytes;
}

/** Bytes in SI units, as browsers' own storage settings show them: "812 B", "3.4 kB", "12.1 MB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '—';
  if (n < 1000) return `${Math.round(n)} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v).toString()} ${units[i]}`;
}
