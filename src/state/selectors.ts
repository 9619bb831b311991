import { useStore } from './store';
import { deriveRun, type RunView } from './derive';
import type { StoreState } from './slices';
import type { TokenEvent } from '../engine/protocol';
import type { RunResult } from '../engine/run';

/**
 * Narrow selectors: each view subscribes to the few fields it draws, so a hover does not re-render
 * the input panel and a streamed batch does not re-render the method table.
 */
const NO_EVENTS: readonly TokenEvent[] = [];

export const selectRun = (s: StoreState) => s.run;
export const selectRunStatus = (s: StoreState) => s.run?.status ?? null;
export const selectEvents = (s: StoreState) => s.run?.events ?? NO_EVENTS;
export const selectResult = (s: StoreState) => s.run?.result ?? null;
export const selectHasRun = (s: StoreState) => s.run !== null;
export const selectGamma = (s: StoreState) => s.gamma;
export const selectTint = (s: StoreState) => s.tint;
export const selectModel = (s: StoreState) => s.model;
export const selectEducator = (s: StoreState) => s.educator;
export const selectLayer = (s: StoreState) => s.layer;
export const selectHover = (s: StoreState) => s.hover;
export const selectSelected = (s: StoreState) => s.selected;
export const selectSpan = (s: StoreState) => s.span;
/** The token every view highlights: the one under the pointer, else the one picked. */
export const selectActive = (s: StoreState) => s.hover ?? s.selected;
export const selectInputError = (s: StoreState) => s.inputError;

// One derivation shared by every view: the inputs are immutable, so comparing references is enough.
let last: { events: readonly TokenEvent[]; result: RunResult | null; gamma: number; view: RunView } | null = null;

export function runViewOf(events: readonly TokenEvent[], result: RunResult | null, gamma: number): RunView {
  if (last && last.events === events && last.result === result && last.gamma === gamma) return last.view;
  const view = deriveRun(events, result, gamma);
  last = { events, result, gamma, view };
  return view;
}

/** The current run as the views plot it, or null before the first run. */
export function useRunView(): RunView | null {
  const hasRun = useStore(selectHasRun);
  const events = useStore(selectEvents);
  const result = useStore(selectResult);
  const gamma = useStore(selectGamma);
  return hasRun ? runViewOf(events, result, gamma) : null;
}
