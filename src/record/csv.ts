import { deriveRun } from '../state/derive';
import { answerText } from '../views/shared/answer';
import { float32Text } from './jsonText';
import type { SavedRun } from './types';

/**
 * One row per output token (docs/run-format.md, "Per-token CSV"). RFC 4180: comma-separated, CRLF
 * line ends, a field quoted (with its quotes doubled) when it holds a comma, a quote or a line
 * break; the token text is written exactly as the model produced it. A number JSON would call NaN
 * (no states for a kinetic term) is an empty cell, ±Infinity is `inf` / `-inf` (what pandas and
 * Python's float() read). Per-layer speeds are float32: the shortest decimal that reads back the same.
 * `runAnswer` is the run's answer in words (the same on every row, so a filtered or concatenated
 * file keeps it); an empty cell when the run has none (stopped early, no `</think>`).
 */
export const CSV_COLUMNS = [
  'index',
  'position',
  'id',
  'text',
  'segment',
  'logProb',
  'entropy',
  'selfCertainty',
  'maxProb',
  'kinetic',
  'curvature',
  'energy',
  'kappa',
  'lagrangian',
  'runAnswer',
] as const;

function field(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function numCell(v: number): string {
  if (Number.isNaN(v)) return '';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return String(v === 0 ? 0 : v); // -0 as 0: a spreadsheet has no negative zero
}

function f32Cell(v: number): string {
  if (!Number.isFinite(v)) return numCell(v);
  return v === 0 ? '0' : float32Text(v);
}

/** The run's tokens as CSV; `energy` is v1's at the run's γ (meta.settings.gamma). */
export function runToCsv(saved: SavedRun): string {
  const { run, meta } = saved;
  const view = deriveRun(run.events, run.result, meta.settings.gamma);
  const answer = field(answerText(run) ?? '');
  const L = view.rows.reduce((m, r) => Math.max(m, r.speeds.length), 0);
  const header = [...CSV_COLUMNS, ...Array.from({ length: L }, (_, l) => `speed_${l + 1}`)];
  const lines = [header.join(',')];
  for (const r of view.rows) {
    const cells = [
      String(r.index),
      String(r.position),
      String(r.id),
      field(r.text),
      r.segment,
      numCell(r.logProb),
      numCell(r.entropy),
      numCell(r.selfCertainty),
      numCell(r.maxProb),
      numCell(r.kinetic),
      numCell(r.curvature),
      numCell(r.energy),
      numCell(r.kappa),
      numCell(r.lagrangian),
      answer,
    ];
    for (let l = 0; l < L; l++) cells.push(l < r.speeds.length ? f32Cell(r.speeds[l]) : '');
    lines.push(cells.join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
