import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import {
  draftsOf,
  initialState,
  TINT_METRICS,
  type DraftSlice,
  type PickerSlice,
  type SettingsSlice,
  type StoreState,
} from './slices';

export type { InputMode, PasteFormat, StoreState, TintMetric, Theme } from './slices';
export { initialState };


type Persisted = DraftSlice & Pick<SettingsSlice, 'gamma' | 'theme' | 'tint' | 'educator'> & PickerSlice;

/**
 * The one store. Only the drafts and a few settings persist: a run holds typed arrays that
 * localStorage cannot keep, and a stale selection or model status would be wrong after a reload.
 * Version 1 stays: new draft fields merge over the stored ones with their defaults.
 */
export const useStore = create<StoreState>()(
  persist(() => initialState(), {
    name: 'cotk-drafts',
    version: 1,
    storage: createJSONStorage(() => localStorage),
    // A stored value this build cannot use (an old tint name, a γ out of range) falls back to the default.
    merge: (stored, current) => {
      const p = (stored ?? {}) as Partial<Persisted>;
      const tint = TINT_METRICS.find((t) => t === p.tint) ?? current.tint;
      const gamma = typeof p.gamma === 'number' && p.gamma >= 0 && p.gamma <= 1 ? p.gamma : current.gamma;
      const theme = p.theme === 'light' || p.theme === 'dark' || p.theme === 'system' ? p.theme : current.theme;
      // Picker fields merge one by one over the defaults: a field added later keeps its default.
      const picker = { ...current.picker, ...(typeof p.picker === 'object' && p.picker !== null ? p.picker : {}) };
      const educator = typeof p.educator === 'boolean' ? p.educator : current.educator;
      return { ...current, ...p, tint, gamma, theme, educator, picker };
    },
    partialize: (s): Persisted => ({
      ...draftsOf(s),
      gamma: s.gamma,
      theme: s.theme,
      tint: s.tint,
      educator: s.educator,
      picker: s.picker,
    }),
  }),
);
