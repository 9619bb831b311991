import type { LensLayerRow } from '../../state/slices';
import { tokenLabel } from '../shared/format';

/**
 * What the lens table shows, pure: each layer's rank-1 token and the runners-up spelled with the
 * model's tokenizer (the engine's spelling of every id it returns, the output tokens' own text as
 * a fallback), the probability of the token that follows, and the layer where the final prediction
 * settles: the first layer from which the rank-1 token equals the last layer's through the end.
 */
export interface LensCell {
  readonly id: number;
  readonly label: string;
  readonly p: number;
  /** False when neither the engine nor the page has text for the id (shown as "#id"). */
  readonly known: boolean;
}

export interface LensTableRow {
  readonly layer: number;
  readonly top: LensCell;
  readonly others: readonly LensCell[];
  readonly targetProb: number | null;
  readonly topIsTarget: boolean;
  /** This layer's rank-1 token is the last layer's (the model's own prediction). */
  readonly topIsFinal: boolean;
}

export interface LensTable {
  readonly rows: readonly LensTableRow[];
  /** First layer l whose rank-1 token is the last layer's rank-1 and stays so up to L (never null with rows). */
  readonly settlesAt: number | null;
  /** The last layer's rank-1 token: the model's own prediction. */
  readonly final: LensCell | null;
  /** Some shown id has no text (the engine gave no spelling and the page has none). */
  readonly unknownIds: boolean;
}

export function spell(id: number, vocab: ReadonlyMap<number, string>): { label: string; known: boolean } {
  const t = vocab.get(id);
  return t === undefined ? { label: `#${id}`, known: false } : { label: tokenLabel(t), known: true };
}

/** The page's vocabulary (output tokens' text) with the engine's spellings on top (the tokenizer's word wins). */
export function lensVocabulary(page: ReadonlyMap<number, string>, spelled: Readonly<Record<number, string>> | undefined): ReadonlyMap<number, string> {
  if (!spelled) return page;
  const m = new Map(page);
  for (const [id, text] of Object.entries(spelled)) m.set(Number(id), text);
  return m;
}

export function lensTable(rows: readonly LensLayerRow[], targetId: number | null, vocab: ReadonlyMap<number, string>): LensTable {
  let unknownIds = false;
  const cell = (id: number, p: number): LensCell => {
    const s = spell(id, vocab);
    if (!s.known) unknownIds = true;
    return { id, p, ...s };
  };
  const finalId = rows.length > 0 ? rows[rows.length - 1].topIds[0] : null;
  const out = rows.map((r) => ({
    layer: r.layer,
    top: cell(r.topIds[0], r.topProbs[0]),
    others: r.topIds.slice(1).map((id, i) => cell(id, r.topProbs[i + 1])),
    targetProb: r.targetProb,
    topIsTarget: targetId !== null && r.topIds[0] === targetId,
    topIsFinal: r.topIds[0] === finalId,
  }));
  let settlesAt: number | null = null;
  for (let i = out.length - 1; i >= 0 && out[i].topIsFinal; i--) settlesAt = out[i].layer;
  return { rows: out, settlesAt, final: out.length > 0 ? out[out.length - 1].top : null, unknownIds };
}

/**
 * A probability as a percentage a person reads: "57.3 %", "4.87 %", "0.42 %", "< 0.01 %" below
 * one in ten thousand (and "0 %" for an exact zero); "—" when there is none.
 */
export function pct(p: number | null): string {
  if (p === null || !Number.isFinite(p)) return '—';
  const v = 100 * p;
  if (v === 0) return '0 %';
  if (v < 0.01) return '< 0.01 %';
  if (v >= 99.95 && v < 100) return '> 99.9 %';
  return `${v >= 10 ? v.toFixed(1) : v.toFixed(2)} %`;
}
