import type { LensResult, RunResult, TokenEvent } from '../engine/protocol';
import type { LensLayerRow } from './slices';

/**
 * Pure logic of the logit-lens panel. The reading it shows is the usual one: for output token i
 * at position p, the residual states R[0..L] *at p* put through the model's final norm and LM head
 * — "what each layer would predict next, right after this token". The last row (R[L]) is the
 * model's own prediction, so in a greedy run its top token is the token that actually follows
 * (ids[p + 1]), whose probability each row also reports.
 */
export const LENS_K = 5;

/** Cache key: one entry per (run, output-token index). */
export function lensKey(runId: string, index: number): string {
  return `${runId}#${index}`;
}

export type LensInput =
  | { readonly ok: true; readonly position: number; readonly layers: number; readonly hidden: number; readonly states: Float32Array; readonly targetId: number | null }
  | { readonly ok: false; readonly reason: string };

/**
 * Token `index`'s states R[0..L] as a fresh [L+1][d] array (a copy: the engine client transfers
 * what it is given, and the run's kept states must stay usable), out of the kept [L+1][T][d].
 */
export function lensInput(result: RunResult, index: number): LensInput {
  const st = result.states;
  if (index < 0 || index >= result.tokens.length) return { ok: false, reason: `There is no output token ${index} in this run.` };
  if (!st) {
    return { ok: false, reason: 'This run kept no hidden states (the model graph gave none, or the state cap was 0), so the logit lens has nothing to read.' };
  }
  const position = result.promptLength + index;
  if (position >= st.tokens) {
    return {
      ok: false,
      reason: `The memory cap for kept states was reached before this token (states were kept for the first ${st.tokens} positions only), so its logit lens cannot be computed.`,
    };
  }
  const { layers: L, tokens: T, dim: d, residual } = st;
  const states = new Float32Array((L + 1) * d);
  for (let l = 0; l <= L; l++) states.set(residual.subarray((l * T + position) * d, (l * T + position + 1) * d), l * d);
  const next = result.ids[position + 1];
  return { ok: true, position, layers: L, hidden: d, states, targetId: next === undefined ? null : next };
}

/** The engine's flat [n][k] arrays as one row per layer, probabilities instead of log-probabilities. */
export function lensRows(r: LensResult, n: number, k: number): LensLayerRow[] {
  return Array.from({ length: n }, (_, l) => ({
    layer: l,
    topIds: Array.from(r.topIds.subarray(l * k, (l + 1) * k)),
    topProbs: Array.from(r.topLogProbs.subarray(l * k, (l + 1) * k), (lp) => Math.exp(lp)),
    targetProb: r.targetLogProb ? Math.exp(r.targetLogProb[l]) : null,
  }));
}

/**
 * The page has no vocabulary of the model, only the text of the tokens it produced: an id is
 * spelled by the text of an output token with that id, or left as its number.
 */
export function vocabularyOf(events: readonly TokenEvent[]): ReadonlyMap<number, string> {
  const m = new Map<number, string>();
  for (const e of events) if (e.text !== '' && !m.has(e.id)) m.set(e.id, e.text);
  return m;
}
