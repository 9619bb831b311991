import { METRIC_KEYS, type BatchRow } from '../../core/batchEval';
import type { LabelFilter, ScoredTrace, SortKey } from '../../state/batchStore';

/**
 * Pure helpers of the batch view: the table's order and filter, and the scored dataset as files.
 * The JSON lines are those `cotk batch` writes (one object per trace, in input order).
 */

/** The rows shown: filtered by label, sorted by a score (null scores last either way) or by line. */
export function visibleRows(rows: readonly ScoredTrace[], key: SortKey, desc: boolean, filter: LabelFilter): ScoredTrace[] {
  const kept = filter === 'all' ? [...rows] : rows.filter((r) => String(r.row.label) === filter);
  const value = (r: ScoredTrace): number | null => (key === 'line' ? r.row.line : (r.row.scores[key] ?? null));
  return kept.sort((a, b) => {
    const x = value(a);
    const y = value(b);
    if (x === null || y === null) return x === y ? a.row.line - b.row.line : x === null ? 1 : -1;
    return x === y ? a.row.line - b.row.line : desc ? y - x : x - y;
  });
}

function byLine(rows: readonly ScoredTrace[]): BatchRow[] {
  return rows.map((r) => r.row).sort((a, b) => a.line - b.line);
}

/** `cotk batch` output: one JSON object per trace, input order, each line ended by a newline. */
export function toJsonl(rows: readonly ScoredTrace[]): string {
  return byLine(rows)
    .map((r) => `${JSON.stringify(r)}\n`)
    .join('');
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** "12.3" with at most 4 significant decimals, "—" for null. */
export function formatScore(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(3) : v.toFixed(4);
}

/**
 * Generate mode's export: labelled traces, one JSON object per line in input order, that the trace
 * mode (and `cotk batch`) read back, with the keys of `cotk batch --generate`'s lines (so `cotk merge`
 * and `--resume` take it too): {id, line, prompt, expected, output, answer, label, scores}.
 */
export function toTraceJsonl(rows: readonly ScoredTrace[]): string {
  return [...rows]
    .sort((a, b) => a.row.line - b.row.line)
    .map((r) => `${JSON.stringify({ id: r.row.id, line: r.row.line, prompt: r.prompt, expected: r.expected, output: r.output, answer: r.answer ?? null, label: r.row.label, scores: r.row.scores })}\n`)
    .join('');
}

/**
 * The scored dataset as CSV: id,prompt,output,label (plus expected,answer for a graded prompt set),
 * line, and one column per score key (empty where null or unlabelled). The batch view (and
 * `cotk batch`) read it back as traces: the reader takes the id/prompt/output/label columns.
 */
export function toCsv(rows: readonly ScoredTrace[]): string {
  const graded = rows.some((r) => r.expected !== undefined);
  const head = ['id', 'prompt', 'output', 'label', ...(graded ? ['expected', 'answer'] : []), 'line', ...METRIC_KEYS];
  const lines = [head.join(',')];
  for (const r of [...rows].sort((a, b) => a.row.line - b.row.line)) {
    const id = typeof r.row.id === 'string' ? r.row.id : JSON.stringify(r.row.id);
    const scores = METRIC_KEYS.map((k) => {
      const v = r.row.scores[k];
      return v === null || v === undefined ? '' : String(v);
    });
    const grade = graded ? [csvField(r.expected ?? ''), csvField(r.answer ?? '')] : [];
    lines.push([csvField(id ?? ''), csvField(r.prompt), csvField(r.output), r.row.label === undefined ? '' : String(r.row.label), ...grade, String(r.row.line), ...scores].join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
