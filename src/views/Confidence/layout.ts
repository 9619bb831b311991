import { SCORERS, scoreName, type ScoreKey, type ScorerId } from '../../core/scores/index';
import type { Orientation } from '../../core/metrics';
import { fmt } from '../shared/format';

/** The confidence panel's rows: every scorer in registry order, its value and how to read it. */
export interface ScoreRow {
  readonly id: ScorerId;
  /** The scorer's one name (scoreName), as Batch, Compare and the CLI show it. */
  readonly label: string;
  /** Its long name (the registry's label), shown with the formula. */
  readonly long: string;
  readonly formula: string;
  readonly source: string;
  readonly orientation: Orientation;
  readonly value: number | null;
  readonly shown: string;
  readonly arrow: '↑' | '↓';
  readonly reads: string;
}

export function orientationText(o: Orientation): { arrow: '↑' | '↓'; reads: string } {
  return o === 'higher-is-correct' ? { arrow: '↑', reads: 'higher = more likely correct' } : { arrow: '↓', reads: 'lower = more likely correct' };
}

export function scoreRows(scores: Record<ScoreKey, number | null>): ScoreRow[] {
  return SCORERS.map((s) => {
    const value = scores[s.id];
    return { id: s.id, label: scoreName(s.id), long: s.label, formula: s.formula, source: s.source, orientation: s.orientation, value, shown: fmt(value), ...orientationText(s.orientation) };
  });
}

/** A probability as a percentage with sensible precision ("57.3%", "0.42%"). */
export function percent(p: number | null): string {
  if (p === null || !Number.isFinite(p)) return '—';
  const v = p * 100;
  return `${v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toPrecision(2)}%`;
}
