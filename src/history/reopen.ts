import { openSavedRun } from '../record/open';
import type { SavedRun } from '../record/types';
import { useStore } from '../state/store';
import { showView } from './view';

/**
 * Puts a saved run back in the inspector (src/record/open.ts, as an imported file is: the run, its
 * own mode's drafts and γ) and shows it. Unlike an import it never stops a run in progress: the user
 * asked for history, not to lose the run going on. Returns why it cannot, as a sentence, or null once done.
 */
export function reopenRun(saved: SavedRun): string | null {
  const cur = useStore.getState().run;
  if (cur && (cur.status === 'running' || cur.status === 'stopping')) {
    return 'A run is in progress: stop it or let it finish, then reopen this one.';
  }
  openSavedRun(saved);
  showView('inspect');
  return null;
}
