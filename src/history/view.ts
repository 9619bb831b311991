import { create } from 'zustand';
import { setView } from '../state/batchActions';
import { useBatchStore, type AppView } from '../state/batchStore';

/**
 * The app's tabs. "Inspect a trace" and "Batch" live in the batch store's `view` (its owner's);
 * History and Compare are kept here, on top of it: while one of them is shown, `extra` names it,
 * and any change of the batch store's view (e.g. Batch opening a trace in the inspector) clears it.
 * Code that switches tabs calls showView.
 */
export type ExtraView = 'history' | 'compare';
export type AppTab = AppView | ExtraView;

const useExtraView = create<{ extra: ExtraView | null }>()(() => ({ extra: null }));

useBatchStore.subscribe((s, prev) => {
  if (s.view !== prev.view && useExtraView.getState().extra !== null) useExtraView.setState({ extra: null });
});

function isExtra(v: AppTab): v is ExtraView {
  return v === 'history' || v === 'compare';
}

/** Shows a tab. */
export function showView(v: AppTab): void {
  if (isExtra(v)) {
    useExtraView.setState({ extra: v });
    return;
  }
  useExtraView.setState({ extra: null });
  setView(v);
}

/** The tab shown now. */
export function useAppTab(): AppTab {
  const extra = useExtraView((s) => s.extra);
  const view = useBatchStore((s) => s.view);
  return extra ?? view;
}

export function currentTab(): AppTab {
  return useExtraView.getState().extra ?? useBatchStore.getState().view;
}
