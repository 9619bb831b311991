import { metricValue, type TokenRow } from '../../state/derive';
import type { TintMetric } from '../../state/slices';

/**
 * A run's reasoning as steps: the lines of its reasoning segment (the tiny-reasoner writes one
 * arithmetic step per line). A line ends at a token holding a newline; lines with no visible text
 * are not steps. Each step keeps its tokens (for tinting) and the mean of the metric over them.
 */
export interface Step {
  /** 0-based position among the run's steps. */
  readonly index: number;
  /** The step's text, newlines removed, trimmed. */
  readonly text: string;
  /** The rows of the step's tokens, in order (newline tokens included: they belong to the line they end). */
  readonly rows: readonly TokenRow[];
  /** Mean of the metric over the step's tokens with a finite value; NaN when none has one. */
  readonly mean: number;
}

export function meanOf(rows: readonly TokenRow[], metric: TintMetric): number {
  let s = 0;
  let k = 0;
  for (const r of rows) {
    const v = metricValue(r, metric);
    if (Number.isFinite(v)) {
      s += v;
      k++;
    }
  }
  return k > 0 ? s / k : NaN;
}

export function splitSteps(rows: readonly TokenRow[], metric: TintMetric): Step[] {
  const lines: TokenRow[][] = [];
  let cur: TokenRow[] = [];
  for (const r of rows) {
    if (r.segment !== 'reasoning') continue;
    cur.push(r);
    if (r.text.includes('\n')) {
      lines.push(cur);
      cur = [];
    }
  }
  if (cur.length > 0) lines.push(cur);
  const steps: Step[] = [];
  for (const line of lines) {
    const text = line
      .map((r) => r.text)
      .join('')
      .replace(/\r?\n/g, '')
      .trim();
    if (text === '') continue;
    steps.push({ index: steps.length, text, rows: line, mean: meanOf(line, metric) });
  }
  return steps;
}

/** The answer's tokens (what follows the reasoning), for the row under the steps. */
export function answerRows(rows: readonly TokenRow[]): TokenRow[] {
  return rows.filter((r) => r.segment === 'answer');
}
