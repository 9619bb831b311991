import { cancelRun } from '../state/actions';
import { initialSelection, type StoreState } from '../state/slices';
import { useStore } from '../state/store';
import type { SavedRun, SavedRunMeta } from './types';

/** The meta of the run last opened from a file, so exporting it again keeps its model, name and date. */
let opened: { readonly runId: string; readonly meta: SavedRunMeta } | null = null;

/** The saved meta of run `runId` when it was opened from a file (not made on this page), else null. */
export function openedMeta(runId: string): SavedRunMeta | null {
  return opened && opened.runId === runId ? opened.meta : null;
}

/**
 * A snapshot of an opened run keeps what only its file knows: the model that made it (not the one
 * loaded now), its name, its date and the app version that made it.
 */
export function withOpenedMeta(saved: SavedRun): SavedRun {
  const m = openedMeta(saved.run.id);
  return m ? { ...saved, meta: { ...saved.meta, name: m.name, createdAt: m.createdAt, model: m.model, appVersion: m.appVersion, verdict: m.verdict ?? saved.meta.verdict } } : saved;
}

/**
 * Shows a saved run in the inspector (an imported file, a reopened history entry): the run goes into
 * the store as it was; the selection, layer and lens cache start fresh (they belonged to the run
 * shown before). Only the drafts of the run's own mode come back (the question of an asked run, the
 * pasted trace of a scored one), so a draft the user is writing in the other mode is kept; γ comes
 * back too, since the v1 energies on screen depend on it. A run still streaming is stopped first:
 * its late result is dropped, since it no longer matches the run shown.
 */
export function openSavedRun(saved: SavedRun): void {
  const cur = useStore.getState().run;
  if (cur && (cur.status === 'running' || cur.status === 'stopping')) void cancelRun();
  const i = saved.meta.input;
  const drafts: Partial<StoreState> =
    saved.run.kind === 'generate'
      ? { mode: 'ask', question: i.question }
      : { mode: 'paste', pasteFormat: i.pasteFormat, trace: i.trace, fieldPrompt: i.fieldPrompt, fieldReasoning: i.fieldReasoning, fieldAnswer: i.fieldAnswer };
  const gamma = saved.meta.settings.gamma;
  opened = { runId: saved.run.id, meta: saved.meta };
  useStore.setState({
    run: saved.run,
    ...drafts,
    ...(Number.isFinite(gamma) && gamma >= 0 && gamma <= 1 ? { gamma } : {}),
    inputError: null,
    layer: null,
    lens: {},
    ...initialSelection,
  });
}
