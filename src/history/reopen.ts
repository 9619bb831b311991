import type { SavedRun } from '../record/types';
import { initialSelection, type StoreState } from '../state/slices';
import { useStore } from '../state/store';
import { showView } from './view';

/**
 * Puts a saved run back in the store, as the actions leave a finished run, and restores the input
 * that made it; then shows the inspector. Only the drafts of the run's own mode are restored (the
 * question for an asked run, the pasted trace for a scored one), so the other mode's draft the
 * user may be writing is kept. γ comes back too: the v1 energies on screen depend on it.
 * Returns why it cannot, as a sentence, or null once done.
 */
export function reopenRun(saved: SavedRun): string | null {
  const cur = useStore.getState().run;
  if (cur && (cur.status === 'running' || cur.status === 'stopping')) {
    return 'A run is in progress: stop it or let it finish, then reopen this one.';
  }
  const input = saved.meta.input;
  const drafts: Partial<StoreState> =
    saved.run.kind === 'generate'
      ? { mode: 'ask', question: input.question }
      : {
          mode: 'paste',
          pasteFormat: input.pasteFormat,
          trace: input.trace,
          fieldPrompt: input.fieldPrompt,
          fieldReasoning: input.fieldReasoning,
          fieldAnswer: input.fieldAnswer,
        };
  const gamma = saved.meta.settings.gamma;
  useStore.setState({
    run: saved.run,
    ...drafts,
    ...(Number.isFinite(gamma) && gamma >= 0 && gamma <= 1 ? { gamma } : {}),
    inputError: null,
    layer: null,
    lens: {},
    ...initialSelection,
  });
  showView('inspect');
  return null;
}
