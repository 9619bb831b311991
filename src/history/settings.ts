import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';

/**
 * History's own setting, kept in localStorage: whether saved runs keep their full hidden states.
 * Off by default: states cost (L+2)·d·4 bytes per position, prompt included (6 kB on the
 * bundled tiny-reasoner, 123 kB on Qwen3-0.6B), against a few hundred bytes per token for the rest.
 */
export interface HistorySettings {
  keepStates: boolean;
}

export const useHistorySettings = create<HistorySettings>()(
  persist((): HistorySettings => ({ keepStates: false }), {
    name: 'cotk-history-settings',
    version: 1,
    storage: createJSONStorage(() => localStorage),
    merge: (stored, current) => {
      const s = (stored ?? {}) as Partial<HistorySettings>;
      return { ...current, keepStates: s.keepStates === true };
    },
  }),
);

export function setKeepStates(keepStates: boolean): void {
  useHistorySettings.setState({ keepStates });
}
