import { create } from 'zustand';

/**
 * The two saved runs picked in History for the Compare view (ids from the history store). The
 * Compare view reads `a` and `b` and loads them with getRun(); History writes them. In memory only.
 */
export interface CompareSelection {
  a: string | null;
  b: string | null;
  /** Sets both at once (null clears a side). */
  set: (a: string | null, b: string | null) => void;
  /** Adds `id` to the first free side, or removes it when it is selected; a third pick is ignored. */
  toggle: (id: string) => void;
  /** Forgets `id` wherever it is (a run deleted from history). */
  drop: (id: string) => void;
  clear: () => void;
}

export const useCompareSelection = create<CompareSelection>()((set, get) => ({
  a: null,
  b: null,
  set: (a, b) => set({ a, b }),
  toggle: (id) => {
    const { a, b } = get();
    if (a === id) set({ a: b, b: null });
    else if (b === id) set({ b: null });
    else if (a === null) set({ a: id });
    else if (b === null) set({ b: id });
  },
  drop: (id) => {
    const { a, b } = get();
    if (a === id) set({ a: b, b: null });
    else if (b === id) set({ b: null });
  },
  clear: () => set({ a: null, b: null }),
}));
