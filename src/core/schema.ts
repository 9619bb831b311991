import { lineColumn, locateJsonFault, readNumber, utf8Length } from './jsonText';

/**
 * Hand-written schema readers for the JSON files the app and `cotk` read (run files:
 * src/record/validate.ts; calibration profiles: src/core/calibration/parse.ts). They walk the parsed
 * JSON along the schema and build fresh objects with the known keys only: nothing in a file is ever
 * run, looked up as code, or used as a key of an object the app owns, and a `__proto__` key anywhere
 * is refused. Every problem is one sentence that names the field by its path, thrown as the caller's
 * own error class.
 */
export type Obj = Record<string, unknown>;

/** What a JSON value is, in a few words, for "expected X, got Y". */
export function kindOf(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return v.length > 24 ? `string "${v.slice(0, 21)}…"` : `string "${v}"`;
  if (typeof v === 'number') return `number ${v}`;
  return typeof v;
}

/** An own property (never one inherited from Object.prototype). */
export const own = (o: Obj, k: string): unknown => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);

export interface SchemaReader {
  fail(path: string, expected: string, got: unknown): never;
  problem(path: string, sentence: string): never;
  obj(v: unknown, path: string): Obj;
  str(v: unknown, path: string): string;
  bool(v: unknown, path: string): boolean;
  /** Any number, NaN and ±Infinity included (written as "NaN", "Infinity", "-Infinity", "-0"). */
  num(v: unknown, path: string): number;
  /** A finite number (JSON's own). */
  finite(v: unknown, path: string): number;
  int(v: unknown, path: string, min?: number): number;
  oneOf<T extends string>(v: unknown, path: string, values: readonly T[]): T;
  arr(v: unknown, path: string): unknown[];
  nullable<T>(v: unknown, path: string, read: (v: unknown, path: string) => T): T | null;
  nums(v: unknown, path: string): number[];
  ints(v: unknown, path: string, min?: number): number[];
  strs(v: unknown, path: string): string[];
  /**
   * Refuses a `__proto__` key anywhere (JSON.parse makes it an ordinary own key, but a careless copy
   * elsewhere would set an object's prototype). Iterative: a deeply nested file cannot overflow the stack.
   */
  refuseProtoKeys(root: unknown): void;
}

/** The readers, throwing `makeError(sentence)`; `noun` names the file in sentences ("a run file"). */
export function schemaReader(makeError: (message: string) => Error, noun: string): SchemaReader {
  const fail = (path: string, expected: string, got: unknown): never => {
    throw makeError(`${path}: expected ${expected}, got ${kindOf(got)}.`);
  };
  const problem = (path: string, sentence: string): never => {
    throw makeError(`${path}: ${sentence}`);
  };
  const arr = (v: unknown, path: string): unknown[] => (Array.isArray(v) ? v : fail(path, 'an array', v));
  const num = (v: unknown, path: string): number => {
    const n = readNumber(v);
    return n === undefined ? fail(path, 'a number (or "NaN", "Infinity", "-Infinity", "-0")', v) : n;
  };
  const int = (v: unknown, path: string, min = -Infinity): number => {
    if (typeof v !== 'number' || !Number.isInteger(v)) fail(path, 'a whole number', v);
    if ((v as number) < min) problem(path, `expected a whole number of at least ${min}, got ${v as number}.`);
    return v as number;
  };
  const str = (v: unknown, path: string): string => (typeof v === 'string' ? v : fail(path, 'a string', v));
  return {
    fail,
    problem,
    obj: (v, path) => (typeof v !== 'object' || v === null || Array.isArray(v) ? fail(path, 'an object', v) : (v as Obj)),
    str,
    bool: (v, path) => (typeof v === 'boolean' ? v : fail(path, 'true or false', v)),
    num,
    finite: (v, path) => (typeof v === 'number' && Number.isFinite(v) ? v : fail(path, 'a finite number', v)),
    int,
    oneOf: <T extends string>(v: unknown, path: string, values: readonly T[]): T => {
      if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) fail(path, `one of ${values.map((x) => `"${x}"`).join(', ')}`, v);
      return v as T;
    },
    arr,
    nullable: (v, path, read) => (v === null ? null : read(v, path)),
    nums: (v, path) => arr(v, path).map((x, i) => num(x, `${path}[${i}]`)),
    ints: (v, path, min = -Infinity) => arr(v, path).map((x, i) => int(x, `${path}[${i}]`, min)),
    strs: (v, path) => arr(v, path).map((x, i) => str(x, `${path}[${i}]`)),
    refuseProtoKeys: (root) => {
      const stack: { v: unknown; path: string }[] = [{ v: root, path: '' }];
      while (stack.length > 0) {
        const { v, path } = stack.pop() as { v: unknown; path: string };
        if (Array.isArray(v)) {
          for (let i = v.length - 1; i >= 0; i--) if (typeof v[i] === 'object' && v[i] !== null) stack.push({ v: v[i], path: `${path}[${i}]` });
        } else if (typeof v === 'object' && v !== null) {
          for (const k of Object.keys(v)) {
            const at = path ? `${path}.${k}` : k;
            if (k === '__proto__') throw makeError(`${at}: the key "__proto__" is not allowed in ${noun} (it could change how the app's objects behave), so the file is refused.`);
            const x = (v as Obj)[k];
            if (typeof x === 'object' && x !== null) stack.push({ v: x, path: at });
          }
        }
      }
    },
  };
}

/**
 * A file's text as JSON, or `makeError` with one sentence: empty, truncated (and at which byte),
 * or not JSON (and where). `what` completes "…, so it is not {what}" and "a {what} is JSON …".
 */
export function parseJsonFile(text: string, makeError: (message: string) => Error, words: { readonly empty: string; readonly notOurs: string }): unknown {
  const t = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // a byte-order mark some editors add
  if (t.trim() === '') throw makeError(`The file is empty: ${words.empty}`);
  try {
    return JSON.parse(t);
  } catch {
    const fault = locateJsonFault(t);
    if (fault?.kind === 'truncated') {
      throw makeError(`The file is not complete JSON: it is truncated at byte ${utf8Length(t)} (it ends in the middle of the data; was the download or copy cut short?).`);
    }
    const at = fault?.kind === 'invalid' ? fault.index : 0;
    const { line, column } = lineColumn(t, at);
    throw makeError(`The file is not valid JSON: the text breaks at byte ${utf8Length(t.slice(0, at))} (line ${line}, column ${column}), so it is not ${words.notOurs}.`);
  }
}
