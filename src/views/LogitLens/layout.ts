import type { LensLayerRow } from '../../state/slices';
import { fmt, tokenLabel } from '../shared/format';

/**
 * What the lens table shows, pure: each layer's rank-1 token and the runners-up spelled with the
 * page's vocabulary (the output tokens' own text), the probability of the token that follows, and
 * the first layer from which the rank-1 token is already the one that follows.
 */
export interface LensCell {
  readonly id: number;
  readonly label: string;
  readonly p: number;
  /** False when the page has no text for the id (shown as "#id"). */
  readonly known: boolean;
}

export interface LensTableRow {
  readonly layer: number;
  readonly top: LensCell;
  readonly others: readonly LensCell[];
  readonly targetProb: number | null;
  readonly topIsTarget: boolean;
}

export interface LensTable {
  readonly rows: readonly LensTableRow[];
  /** First layer l whose rank-1 token is the next token and stays so up to L, or null. */
  readonly settlesAt: number | null;
  /** Some shown id has no text on the page. */
  readonly unknownIds: boolean;
}

export function spell(id: number, vocab: ReadonlyMap<number, string>): { label: string; known: boolean } {
  const t = vocab.get(id);
  return t === undefined ? { label: `#${id}`, known: false } : { label: tokenLabel(t), known: true };
}

export function lensTable(rows: readonly LensLayerRow[], targetId: number | null, vocab: ReadonlyMap<number, string>): LensTable {
  let unknownIds = false;
  const cell = (id: number, p: number): LensCell => {
    const s = spell(id, vocab);
    if (!s.known) unknownIds = true;
    return { id, p, ...s };
  };
  const out = rows.map((r) => ({
    layer: r.layer,
    top: cell(r.topIds[0], r.topProbs[0]),
    others: r.topIds.slice(1).map((id, i) => cell(id, r.topProbs[i + 1])),
    targetProb: r.targetProb,
    topIsTarget: targetId !== null && r.topIds[0] === targetId,
  }));
  let settlesAt: number | null = null;
  for (let i = out.length - 1; i >= 0 && out[i].topIsTarget; i--) settlesAt = out[i].layer;
  return { rows: out, settlesAt, unknownIds };
}

/** A probability as a percentage, 3 significant digits ("—" when there is none). */
export function pct(p: number | null): string {
  return p === null ? '—' : `${fmt(100 * p)}%`;
}
