import { FORMULATION_SCORER, VERDICT_KEY, VERDICT_NAME, type Formulation, type MetricsLine } from '../core/batchEval';
import { scoreName, SHOWN_SCORE_KEYS } from '../core/scores/index';
import { CliError } from './io';

export {
  evaluateRows,
  FORMULATION_SCORER,
  inferFormulation,
  METRIC_KEYS,
  type BatchRow,
  type Formulation,
  type MetricsLine,
  type ScorerMetrics,
} from '../core/batchEval';

export function parseFormulation(v: string | undefined): Formulation {
  if (v === undefined) return 'v2';
  if (v !== 'v1' && v !== 'v2') throw new CliError(`--formulation must be v1 or v2, got "${v}"`);
  return v;
}

const f3 = (x: number | null): string => (x === null ? '—' : x.toFixed(3));

/**
 * The metrics as a table for people (stderr): one row per scorer by the app's names (the default
 * formulation marked, so the `cotk` key's duplicate row is not repeated), with the JSON key beside it.
 */
export function metricsTable(m: MetricsLine): string {
  const def = FORMULATION_SCORER[m.formulation];
  const head = `metrics on ${m.n} labelled trace(s), accuracy ${m.accuracy.toFixed(4)}; lower-is-correct scores negated first; key cotk = ${def} (${m.formulation}, marked default)`;
  const calibrated = Object.values(m.metrics).some((s) => s.ece !== undefined);
  const rows = [['scorer', 'key', 'orientation', 'n', 'undef', 'AUROC', 'AUPR', 'FPR95', ...(calibrated ? ['ECE', 'Brier'] : [])]];
  const shown: [string, string][] = SHOWN_SCORE_KEYS.map((k) => [scoreName(k, def), k]);
  if (m.metrics[VERDICT_KEY]) shown.push([VERDICT_NAME, VERDICT_KEY]);
  for (const [name, k] of shown) {
    const s = m.metrics[k];
    if (s) rows.push([name, k, s.orientation, String(s.n), String(s.undefined), f3(s.auroc), f3(s.aupr), f3(s.fpr95), ...(calibrated ? [f3(s.ece ?? null), f3(s.brier ?? null)] : [])]);
  }
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const fmt = (r: string[]): string => `  ${r.map((x, c) => (c < 3 ? x.padEnd(w[c]) : x.padStart(w[c]))).join('  ')}`;
  return [head, ...rows.map(fmt)].join('\n');
}

/** The last stdout line: the JSON object of the issue (plus which formulation `cotk` was). */
export function metricsJson(m: MetricsLine): string {
  return JSON.stringify(m);
}

/** A progress line (done/total, traces/s, ETA), written at most every `intervalMs`. */
export class Progress {
  private last = -Infinity;
  private wrote = false;
  private readonly t0: number;
  constructor(
    private readonly total: number,
    private readonly write: (s: string) => void,
    private readonly now: () => number = () => performance.now(),
    private readonly intervalMs = 500,
  ) {
    this.t0 = now();
  }

  tick(done: number): void {
    const t = this.now();
    if (done < this.total && t - this.last < this.intervalMs) return;
    this.last = t;
    const secs = (t - this.t0) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const eta = rate > 0 ? (this.total - done) / rate : NaN;
    const pct = this.total > 0 ? Math.floor((100 * done) / this.total) : 100;
    const width = 20;
    const bar = '#'.repeat(Math.round((width * pct) / 100)).padEnd(width, '.');
    this.write(`\r\x1b[Kcotk batch: [${bar}] ${done}/${this.total} ${pct}%  ${rate.toFixed(1)} traces/s  ETA ${Number.isFinite(eta) ? `${Math.ceil(eta)} s` : '?'}`);
    this.wrote = true;
  }

  /** Ends the progress line so the next message starts on its own line. */
  finish(): void {
    if (this.wrote) this.write('\n');
    this.wrote = false;
  }
}
