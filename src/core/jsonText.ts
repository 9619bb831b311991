/**
 * The pure JSON text layer shared by every file the app reads (run files: src/record; calibration
 * profiles: src/core/calibration): how numbers JSON cannot hold are written, and where a text that
 * JSON.parse refused breaks. No DOM, no Node.
 */

/** The strings that stand for the numbers JSON has no literal for (Python's float() reads all four). */
export const SPECIAL_NUMBERS = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 } as const;
export type SpecialNumber = keyof typeof SPECIAL_NUMBERS;

/** The value a number field's JSON holds, or undefined when it is neither a number nor a special string. */
export function readNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && Object.prototype.hasOwnProperty.call(SPECIAL_NUMBERS, v)) return SPECIAL_NUMBERS[v as SpecialNumber];
  return undefined;
}

/** Where a JSON text that JSON.parse refused goes wrong. */
export type JsonFault = { readonly kind: 'truncated' } | { readonly kind: 'invalid'; readonly index: number };

const WS = new Set([' ', '\t', '\n', '\r']);

/**
 * A JSON syntax scanner (no values built), to say where a text JSON.parse refused breaks: at the
 * end (the text was cut short) or at a character. Engines word their parse errors differently, so
 * the app does not read their messages.
 */
export function locateJsonFault(text: string): JsonFault | null {
  let i = 0;
  const n = text.length;
  const END = -1;
  const skip = () => {
    while (i < n && WS.has(text[i])) i++;
  };
  // Each returns END when the text ran out, the index of a bad character, or null when fine.
  const value = (): number | null => {
    skip();
    if (i >= n) return END;
    const c = text[i];
    if (c === '{') return container('}', true);
    if (c === '[') return container(']', false);
    if (c === '"') return string();
    if (c === '-' || (c >= '0' && c <= '9')) return number();
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return null;
      }
      if (lit.startsWith(text.slice(i, i + lit.length)) && i + lit.length > n) return END;
    }
    return i;
  };
  const string = (): number | null => {
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return null;
      }
      if (c < 0x20) return i;
      if (c === 0x5c) {
        i++;
        if (i >= n) return END;
        const e = text[i];
        if (e === 'u') {
          for (let k = 1; k <= 4; k++) {
            if (i + k >= n) return END;
            if (!/[0-9a-fA-F]/.test(text[i + k])) return i + k;
          }
          i += 5;
        } else if ('"\\/bfnrt'.includes(e)) i++;
        else return i;
      } else i++;
    }
    return END;
  };
  const digits = (): boolean => {
    const s = i;
    while (i < n && text[i] >= '0' && text[i] <= '9') i++;
    return i > s;
  };
  const number = (): number | null => {
    if (text[i] === '-') i++;
    if (i >= n) return END;
    if (text[i] === '0') i++;
    else if (!digits()) return i;
    if (text[i] === '.') {
      i++;
      if (i >= n) return END;
      if (!digits()) return i;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (i >= n) return END;
      if (!digits()) return i;
    }
    return null;
  };
  const container = (close: string, isObject: boolean): number | null => {
    i++;
    skip();
    if (i >= n) return END;
    if (text[i] === close) {
      i++;
      return null;
    }
    for (;;) {
      if (isObject) {
        skip();
        if (i >= n) return END;
        if (text[i] !== '"') return i;
        const k = string();
        if (k !== null) return k;
        skip();
        if (i >= n) return END;
        if (text[i] !== ':') return i;
        i++;
      }
      const v = value();
      if (v !== null) return v;
      skip();
      if (i >= n) return END;
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === close) {
        i++;
        return null;
      }
      return i;
    }
  };
  // Nesting deeper than the stack allows is not a truncation; report where the scan gave up.
  let r: number | null;
  try {
    r = value();
    if (r === null) {
      skip();
      if (i < n) r = i;
    }
  } catch {
    return { kind: 'invalid', index: i };
  }
  if (r === null) return null;
  return r === END ? { kind: 'truncated' } : { kind: 'invalid', index: r };
}

/** Bytes of `s` in UTF-8 (what a file's byte offsets count). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4; // a surrogate pair: one code point above U+FFFF
      i++;
    } else n += 3; // the rest of the BMP, and a lone surrogate (TextEncoder writes U+FFFD, 3 bytes)
  }
  return n;
}

/** 1-based line and column of index `i` in `text`. */
export function lineColumn(text: string, i: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let k = 0; k < i && k < text.length; k++) {
    if (text.charCodeAt(k) === 10) {
      line++;
      last = k;
    }
  }
  return { line, column: i - last };
}
