import type { Orientation } from '../../core/metrics';
import { SCORERS, scoreName, type ScoreKey } from '../../core/scores/index';
import type { ModelSummary } from '../../record/types';

/**
 * The score table's rows and the model check, pure. Every scorer of the registry (SCORERS), once,
 * by its one name (scoreName: the default formulation marked, no second `cotk` row): A's value, B's, the difference
 * B − A and which run that difference favours under the scorer's orientation.
 */
export interface ScoreRow {
  readonly key: ScoreKey;
  readonly label: string;
  readonly a: number | null;
  readonly b: number | null;
  /** B − A, or null unless both are finite numbers. */
  readonly diff: number | null;
  readonly orientation: Orientation;
  /** The run the difference points to as sounder; 'tie' when equal; null without a difference. */
  readonly sounder: 'A' | 'B' | 'tie' | null;
}

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

export function orientationText(o: Orientation): string {
  return o === 'lower-is-correct' ? 'lower is sounder' : 'higher is sounder';
}

export function scoreRows(a: Readonly<Record<ScoreKey, number | null>>, b: Readonly<Record<ScoreKey, number | null>>): ScoreRow[] {
  const keys: { key: ScoreKey; label: string; orientation: Orientation }[] = SCORERS.map((s) => ({ key: s.id, label: scoreName(s.id), orientation: s.orientation }));
  return keys.map(({ key, label, orientation }) => {
    const va = finite(a[key]) ? a[key] : null;
    const vb = finite(b[key]) ? b[key] : null;
    const diff = va !== null && vb !== null ? vb - va : null;
    let sounder: ScoreRow['sounder'] = null;
    if (diff !== null) sounder = diff === 0 ? 'tie' : (diff < 0) === (orientation === 'lower-is-correct') ? 'B' : 'A';
    return { key, label, a: va, b: vb, diff, orientation, sounder };
  });
}

/**
 * Why the two runs' states cannot share one projection, or null when they can: states of different
 * models (or of one model's different shapes) live in unrelated spaces. A different graph of the
 * same model (fp32 vs int4) has the same weights up to quantisation, so it is only noted.
 */
export function modelMismatch(a: ModelSummary, b: ModelSummary): string | null {
  if (a.name !== b.name) {
    return `The runs come from different models (A: ${a.name}, B: ${b.name}). Their hidden states live in unrelated spaces, so their trajectories are not comparable and are not overlaid; the texts, strips and scores are still compared, though the scores measure two different models.`;
  }
  if (a.layers !== b.layers || a.hidden !== b.hidden) {
    return `The runs' models have different shapes (A: ${a.layers} layers × ${a.hidden}, B: ${b.layers} × ${b.hidden}), so their trajectories are not comparable and are not overlaid.`;
  }
  return null;
}

/** A note when the same model ran as different graphs or backends (comparable, but not bit-identical). */
export function variantNote(a: ModelSummary, b: ModelSummary): string | null {
  if (a.name !== b.name) return null;
  const parts: string[] = [];
  if (a.variant !== b.variant) parts.push(`graph ${a.variant || '(default)'} vs ${b.variant || '(default)'}`);
  if (a.backend !== b.backend) parts.push(`backend ${a.backend || '?'} vs ${b.backend || '?'}`);
  return parts.length > 0 ? `Same model, run differently (${parts.join(', ')}): small differences in the numbers can come from that alone.` : null;
}
