import { binaryMetrics, orient, type Orientation } from '../core/metrics';
import { scorerInfo, SCORERS, type ScoreKey, type ScorerId } from '../core/scores/index';
import { CliError } from './io';

/** One line of `cotk batch` output as written (also what `cotk merge` and `--resume` read back). */
export interface BatchRow {
  readonly id: unknown;
  readonly line: number;
  readonly label?: 0 | 1;
  readonly scores: Record<string, number | null>;
}

export type Formulation = 'v1' | 'v2';

/** Which scorer the key `cotk` stands for under each formulation. */
export const FORMULATION_SCORER: Record<Formulation, ScorerId> = { v1: 'cotkEnergy', v2: 'cotkV2' };

export function parseFormulation(v: string | undefined): Formulation {
  if (v === undefined) return 'v2';
  if (v !== 'v1' && v !== 'v2') throw new CliError(`--formulation must be v1 or v2, got "${v}"`);
  return v;
}

/** Which formulation rows were scored with, read off their `cotk` values (v2 when it cannot tell). */
export function inferFormulation(rows: readonly BatchRow[]): Formulation {
  const same = (k: ScorerId): boolean => rows.every((r) => r.scores.cotk === r.scores[k]);
  return !same('cotkV2') && same('cotkEnergy') ? 'v1' : 'v2';
}

export interface ScorerMetrics {
  readonly auroc: number | null;
  readonly aupr: number | null;
  readonly fpr95: number | null;
  readonly orientation: Orientation;
  /** Traces this scorer's metrics were computed on. */
  readonly n: number;
  /** Traces left out because the scorer is undefined (null) for them. */
  readonly undefined: number;
}

export interface MetricsLine {
  readonly metrics: Record<string, ScorerMetrics>;
  readonly accuracy: number;
  readonly n: number;
  readonly formulation: Formulation;
}

/** The keys reported, in the order of the per-trace scores: every scorer, then `cotk`. */
export const METRIC_KEYS: readonly ScoreKey[] = [...SCORERS.map((s) => s.id), 'cotk'];

/**
 * SCORING.md's metrics for every score key over labelled rows: orientation applied, rows where a
 * scorer is null left out of that scorer and counted. Returns a note instead when the labels do
 * not allow metrics (none, some missing, or only one class).
 */
export function evaluateRows(rows: readonly BatchRow[], formulation: Formulation): MetricsLine | string {
  if (rows.length === 0) return 'no traces were scored: metrics omitted';
  const unlabelled = rows.filter((r) => r.label === undefined).length;
  if (unlabelled === rows.length) return 'the input has no labels: metrics omitted (add "label": 0|1 to every line for AUROC, AUPR and FPR95)';
  if (unlabelled > 0) return `${unlabelled} of ${rows.length} scored trace(s) have no label: metrics omitted`;
  const pos = rows.filter((r) => r.label === 1).length;
  if (pos === 0 || pos === rows.length) return `every scored trace has label ${pos === 0 ? 0 : 1}: metrics need both labels, omitted`;
  const metrics: Record<string, ScorerMetrics> = {};
  for (const key of METRIC_KEYS) {
    const orientation = scorerInfo(key === 'cotk' ? FORMULATION_SCORER[formulation] : key).orientation;
    const xs: number[] = [];
    const ys: number[] = [];
    for (const r of rows) {
      const v = r.scores[key];
      if (typeof v === 'number' && Number.isFinite(v)) {
        xs.push(v);
        ys.push(r.label as number);
      }
    }
    const p = ys.filter((y) => y === 1).length;
    const m = p > 0 && p < ys.length ? binaryMetrics(orient(xs, orientation), ys) : null;
    metrics[key] = { auroc: m?.auroc ?? null, aupr: m?.aupr ?? null, fpr95: m?.fpr95 ?? null, orientation, n: xs.length, undefined: rows.length - xs.length };
  }
  return { metrics, accuracy: pos / rows.length, n: rows.length, formulation };
}

const f3 = (x: number | null): string => (x === null ? '—' : x.toFixed(3));

/** The metrics as a table for people (stderr). */
export function metricsTable(m: MetricsLine): string {
  const head = `metrics on ${m.n} labelled trace(s), accuracy ${m.accuracy.toFixed(4)}; lower-is-correct scores negated first; cotk = ${FORMULATION_SCORER[m.formulation]} (${m.formulation})`;
  const rows = [['scorer', 'orientation', 'n', 'undef', 'AUROC', 'AUPR', 'FPR95']];
  for (const [k, s] of Object.entries(m.metrics)) rows.push([k, s.orientation, String(s.n), String(s.undefined), f3(s.auroc), f3(s.aupr), f3(s.fpr95)]);
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const fmt = (r: string[]): string => `  ${r.map((x, c) => (c < 2 ? x.padEnd(w[c]) : x.padStart(w[c]))).join('  ')}`;
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
