import { readFileSync } from 'node:fs';
import { inferFormulation, type BatchRow, type Formulation } from './batchEval';

/**
 * What made a line of `cotk batch` output: every line carries it as its last field, `"by"`, so a
 * file cut with `head`, a shard, or a resumed file still says what made each of its lines, and
 * `--resume` and `cotk merge` refuse to mix models, variants, formulations, versions or generation
 * settings. Lines written before `"by"` existed are still read: their formulation is read off their
 * scores, and their model and variant cannot be checked (a note says so).
 */
export interface MadeBy {
  /** The model folder's name (e.g. tiny-reasoner) and the graph variant (e.g. fp32-cpu). */
  readonly model: string;
  readonly variant: string;
  readonly formulation: Formulation;
  /** The cotk (package.json) version. */
  readonly cotk: string;
  /** `I/N` of --shard, `0/1` without it. */
  readonly shard: string;
  /** How many records of the input this shard has (blank lines and unreadable lines not counted). */
  readonly records: number;
  /** Generate mode's decoding settings; absent when scoring finished traces. */
  readonly generate?: { readonly maxTokens: number | null; readonly temperature: number; readonly topP: number; readonly seed: number };
}

export const COTK_VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The fields that must agree for lines to belong in one file (everything but the shard's own place and size). */
const SAME: readonly (keyof MadeBy)[] = ['model', 'variant', 'formulation', 'cotk', 'generate'];
const LABEL: Record<string, string> = { model: 'model', variant: 'variant', formulation: 'formulation', cotk: 'cotk version', generate: 'generation settings', shard: 'shard', records: 'record count' };

const show = (v: unknown): string => (v === undefined ? 'none' : typeof v === 'string' ? v : JSON.stringify(v));

/** A row's "by", or null for a line written by an older cotk batch. */
export function madeBy(row: BatchRow): MadeBy | null {
  const by = (row as unknown as { by?: unknown }).by;
  return typeof by === 'object' && by !== null && !Array.isArray(by) ? (by as MadeBy) : null;
}

/** The first field in which `a` and `b` differ (among `fields`), as "formulation v2 against v1", or null. */
export function difference(a: MadeBy, b: MadeBy, fields: readonly (keyof MadeBy)[] = SAME): string | null {
  for (const f of fields) {
    if (JSON.stringify(a[f]) !== JSON.stringify(b[f])) return `${LABEL[f]} ${show(a[f])} against ${show(b[f])}`;
  }
  return null;
}

/** The shard fields too: for --resume, where the file must be this very run's. */
export const SAME_RUN: readonly (keyof MadeBy)[] = [...SAME, 'shard', 'records'];

/** Rows of one source that agree with `want`; the first disagreement as a phrase otherwise. */
export function mismatch(rows: readonly BatchRow[], want: MadeBy, fields: readonly (keyof MadeBy)[]): { line: number; why: string } | null {
  const old = rows.filter((r) => madeBy(r) === null);
  if (old.length > 0) {
    const f = inferFormulation(old);
    if (f !== want.formulation) {
      return { line: old[0].line, why: `formulation ${f} (read off its scores) against ${want.formulation}` };
    }
  }
  for (const r of rows) {
    const by = madeBy(r);
    const d = by && difference(by, want, fields);
    if (d) return { line: r.line, why: d };
  }
  return null;
}
