/**
 * Turns the cells into the three tables (console and docs/benchmarks.md). Ratios are medians of
 * per-repetition pair ratios (stats.ts), shown with their interquartile range.
 */
import type { Host } from '../shared/host';
import type { CellResult, SeriesName } from './measure';
import { pairRatios, summarize, type Summary } from './stats';

export interface Machine extends Host {
  readonly chromium: string;
  readonly adapter: string;
  readonly transformers: string;
  readonly load: string;
  readonly durationS: number;
  readonly reps: Readonly<Record<string, number>>;
}

export type Table = { readonly head: readonly string[]; readonly rows: readonly (readonly string[])[] };

const f = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : '–');
const spread = (s: Summary, d = 2): string => (s.n === 0 ? '–' : `${f(s.median, d)} [${f(s.q1, d)}–${f(s.q3, d)}]`);
/** Tokens per second from ms per token, with enough digits for SwiftShader's few per second. */
const tps = (msPerToken: readonly number[]): string => {
  const s = summarize(msPerToken.map((x) => 1000 / x));
  return spread(s, s.median < 10 ? 2 : s.median < 100 ? 1 : 0);
};
const goal = (s: Summary, ok: (x: number) => boolean): string => (Number.isFinite(s.median) ? (ok(s.median) ? 'met' : 'missed') : '–');
const get = (c: CellResult, k: SeriesName): number[] => c.series[k] ?? [];

function cannot(c: CellResult, what: 'engine' | 'tjs'): string {
  const e = what === 'engine' ? c.error : (c.tjsError ?? c.error);
  return `cannot run: ${e}`;
}

/** Ratio of the fastest repetitions: the least disturbed by other load, a check on the median. */
const best = (a: readonly number[], b: readonly number[]): string => f(Math.min(...a) / Math.min(...b));
const us = (xs: readonly number[]): string => (xs.length ? f(summarize(xs).median * 1000, 0) : '–');

export function tapTable(cells: readonly CellResult[]): Table {
  const head = ['runtime', 'graph', 'tok/s tapped', 'tok/s untapped', 'ratio tapped/untapped', 'goal ≥ 0.97', 'fastest reps ratio', 'graph alone: step ratio', 'loop bookkeeping µs/token, tapped · untapped', 'same tokens'];
  const rows = cells.map((c) => {
    if (c.error) return [c.runtime, c.variant, cannot(c, 'engine'), '', '', '', '', '', '', ''];
    const r = summarize(pairRatios(get(c, 'decode.untap'), get(c, 'decode.tap')));
    const step = summarize(pairRatios(get(c, 'step.untap'), get(c, 'step.tap')));
    return [
      c.runtime,
      c.variant,
      tps(get(c, 'decode.tap')),
      tps(get(c, 'decode.untap')),
      spread(r),
      goal(r, (x) => x >= 0.97),
      best(get(c, 'decode.untap'), get(c, 'decode.tap')),
      spread(step),
      get(c, 'record.tap').length ? `${us(get(c, 'record.tap'))} · ${us(get(c, 'record.untap'))}` : '–',
      c.checks.tapUntapSameIds ? 'yes' : 'NO',
    ];
  });
  return { head, rows };
}

export function tjsTable(cells: readonly CellResult[]): Table {
  const head = ['runtime', 'graph', 'tok/s ours (untapped)', 'tok/s ours (tapped)', 'tok/s transformers.js', 'ratio ours/tjs, same graph', 'goal ≥ 1.0', 'fastest reps ratio', 'ratio tapped/tjs', 'whole call ratio (prefill incl.)', 'same tokens'];
  const rows = cells.map((c) => {
    if (c.error || c.tjsError) return [c.runtime, c.variant, c.error ? cannot(c, 'engine') : '', '', cannot(c, 'tjs'), '', '', '', '', '', ''];
    const tjs = get(c, 'decode.tjs');
    const same = summarize(pairRatios(tjs, get(c, 'decode.untap')));
    const tapped = summarize(pairRatios(tjs, get(c, 'decode.tap')));
    // Whole calls: ours runs one more step (the final token's states), so per token of output.
    const whole = summarize(pairRatios(get(c, 'e2e.tjs'), get(c, 'e2e.untap')));
    return [
      c.runtime,
      c.variant,
      tps(get(c, 'decode.untap')),
      tps(get(c, 'decode.tap')),
      tps(tjs),
      spread(same),
      goal(same, (x) => x >= 1),
      best(tjs, get(c, 'decode.untap')),
      spread(tapped),
      spread(whole),
      c.checks.tjsSameIds ? `yes (${c.checks.tokensGenerated})` : 'NO',
    ];
  });
  return { head, rows };
}

export function scoreTable(cells: readonly CellResult[]): Table {
  const head = ['runtime', 'graph', 'positions', 'score() ms (tapped)', 'plain forward ms (untapped)', 'ratio score/forward', 'goal ≤ 1.2', 'untapped score()/forward'];
  const rows = cells.map((c) => {
    if (c.error) return [c.runtime, c.variant, cannot(c, 'engine'), '', '', '', '', ''];
    const r = summarize(pairRatios(get(c, 'score.tap'), get(c, 'forward')));
    const u = summarize(pairRatios(get(c, 'score.untap'), get(c, 'forward')));
    const chunk = c.prefillChunk === 'one pass' ? 'one pass' : `chunks of ${c.prefillChunk}`;
    return [c.runtime, c.variant, `${c.scoreTokens}, ${chunk}`, spread(summarize(get(c, 'score.tap')), 1), spread(summarize(get(c, 'forward')), 1), spread(r), goal(r, (x) => x <= 1.2), spread(u)];
  });
  return { head, rows };
}

export function markdownTable(t: Table): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [`| ${t.head.join(' | ')} |`, `|${t.head.map(() => ' --- ').join('|')}|`, ...t.rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

export function consoleTable(title: string, t: Table): string {
  const trim = (s: string) => (s.length > 70 ? `${s.slice(0, 67)}...` : s);
  const rows = [t.head, ...t.rows].map((r) => r.map(trim));
  const w = t.head.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) => r.map((x, i) => (x ?? '').padEnd(w[i])).join('  ');
  return [title, line(rows[0]), w.map((n) => '-'.repeat(n)).join('  '), ...rows.slice(1).map(line)].join('\n');
}
