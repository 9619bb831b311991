import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';

export type InputMode = 'ask' | 'paste';

/** What the user typed; persisted so that a reload or a crash loses nothing they made. */
export interface DraftSlice {
  mode: InputMode;
  question: string;
  trace: string;
}

export const useStore = create<DraftSlice>()(
  persist(
    (): DraftSlice => ({ mode: 'ask', question: '', trace: '' }),
    { name: 'cotk-drafts', version: 1, storage: createJSONStorage(() => localStorage) },
  ),
);
