import type { InputMode, PasteFormat, PickerDraft, TintMetric, Theme } from './slices';
import { useStore } from './store';

/** Plain setters: drafts, settings and the shared selection. No engine calls here. */
const set = useStore.setState;

export function setMode(mode: InputMode): void {
  set({ mode });
}

export function setQuestion(question: string): void {
  set({ question, inputError: null });
}

export function setTrace(trace: string): void {
  set({ trace, inputError: null });
}

export function setPasteFormat(pasteFormat: PasteFormat): void {
  set({ pasteFormat, inputError: null });
}

export function setTraceField(field: 'fieldPrompt' | 'fieldReasoning' | 'fieldAnswer', value: string): void {
  set({ [field]: value, inputError: null });
}

/** γ ∈ [0, 1]; the views recompute energies from the stored K_t and P_t (no engine call). */
export function setGamma(gamma: number): void {
  if (!Number.isFinite(gamma)) return;
  set({ gamma: Math.min(1, Math.max(0, gamma)) });
}

export function setTint(tint: TintMetric): void {
  set({ tint });
}

export function setTheme(theme: Theme): void {
  set({ theme });
}

export function setEducator(educator: boolean): void {
  set({ educator });
}

/** The layer shown, clamped to [0, layers]; null shows every layer. */
export function setLayer(layer: number | null, layers?: number): void {
  if (layer === null) {
    set({ layer: null });
    return;
  }
  const max = layers ?? Infinity;
  set({ layer: Math.min(max, Math.max(0, Math.round(layer))) });
}

/** Steps the layer by `delta` (arrow keys); from "all layers" a step back starts at the last one. */
export function stepLayer(delta: number, layers: number): void {
  const cur = useStore.getState().layer ?? layers;
  setLayer(cur + delta, layers);
}

export function setHover(index: number | null): void {
  if (useStore.getState().hover !== index) set({ hover: index });
}

/** Click-select; selecting the selected token again clears it. */
export function selectToken(index: number | null): void {
  const cur = useStore.getState().selected;
  set({ selected: index !== null && cur === index ? null : index });
}

export function setSpan(span: readonly [number, number] | null): void {
  set({ span: span && span[0] > span[1] ? [span[1], span[0]] : span });
}

export function clearSelection(): void {
  set({ hover: null, selected: null, span: null });
}

/** The model picker's fields (persisted with the drafts). */
export function setPicker(patch: Partial<PickerDraft>): void {
  set((s) => ({ picker: { ...s.picker, ...patch } }));
}
