import { useEffect, useId, useMemo, useState, type ReactNode } from 'react';
import { ErrorNote } from '../components/ErrorNote';
import { useHistoryStatus } from '../history/autosave';
import { useCompareSelection } from '../history/compareSelection';
import { getRun, listRuns, onHistoryChangedElsewhere, type HistoryEntry } from '../history/store';
import type { SavedRun } from '../record/types';
import { selectGamma } from '../state/selectors';
import { useStore } from '../state/store';
import { CompareView } from '../views/Compare/CompareView';
import { answerShort } from '../views/shared/answer';
import '../views/Compare/compare.css';

/**
 * Compare: two saved runs from history side by side. The pickers start from the runs picked in
 * History (useCompareSelection); with none picked they offer the two newest runs (B the newest).
 * Runs are read from IndexedDB only when picked, and every failure is a sentence next to its picker.
 */
type Loaded = { readonly id: string; readonly state: 'loading' } | { readonly id: string; readonly state: 'ok'; readonly run: SavedRun } | { readonly id: string; readonly state: 'error'; readonly message: string };

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function when(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateFormat.format(d);
}

function optionLabel(e: HistoryEntry): string {
  return `${e.name} — ${e.answer ? `answer ${answerShort(e.answer)}, ` : ''}${e.model.name}, ${e.tokens} tokens, ${when(e.createdAt)}${e.keptStates ? '' : ' (no states)'}`;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The ids to show: the picked ones, else the newest runs that are not already on the other side. */
export function effectiveIds(entries: readonly HistoryEntry[] | null, a: string | null, b: string | null): [string | null, string | null] {
  if (!entries) return [a, b];
  const newestBut = (other: string | null, skip = 0) => entries.filter((e) => e.id !== other)[skip]?.id ?? null;
  if (a === null && b === null) return [entries[1]?.id ?? null, entries[0]?.id ?? null];
  if (a === null) return [newestBut(b), b];
  if (b === null) return [a, newestBut(a)];
  return [a, b];
}

/** Reads the saved run `id` whenever it changes; null id: nothing. */
function useSavedRun(id: string | null, label: 'A' | 'B', reload: number): Loaded | null {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  useEffect(() => {
    if (id === null) return;
    let live = true;
    getRun(id).then(
      (run) => {
        if (!live) return;
        setLoaded(
          run
            ? { id, state: 'ok', run }
            : { id, state: 'error', message: `Run ${label} is no longer in history (it may have been deleted, here or in another tab). Pick another run.` },
        );
      },
      (e: unknown) => {
        if (live) setLoaded({ id, state: 'error', message: `Run ${label} could not be read from this browser’s storage: ${message(e)}` });
      },
    );
    return () => {
      live = false;
    };
  }, [id, label, reload]);
  if (id === null) return null;
  // Until the read for this id answers, the previous run is not shown under the new name.
  return loaded && loaded.id === id ? loaded : { id, state: 'loading' };
}

/**
 * The loaded run as the list knows it now: renamed since it was read → the new name; deleted since
 * (no longer listed) → an error sentence. Memoised so the views keep their memos.
 */
function useListName(l: Loaded | null, entries: readonly HistoryEntry[] | null, label: 'A' | 'B'): Loaded | null {
  const entry = l && entries ? entries.find((e) => e.id === l.id) : undefined;
  const listed = entries === null || entry !== undefined;
  const name = entry?.name;
  return useMemo(() => {
    if (!l || l.state !== 'ok') return l;
    if (!listed) return { id: l.id, state: 'error', message: `Run ${label} is no longer in history (it may have been deleted, here or in another tab). Pick another run.` };
    return name && name !== l.run.meta.name ? { ...l, run: { ...l.run, meta: { ...l.run.meta, name } } } : l;
  }, [l, listed, name, label]);
}

export function ComparePanel() {
  const headingId = useId();
  const pickId = useId();
  const sel = useCompareSelection();
  const gamma = useStore(selectGamma);
  const [entries, setEntries] = useState<HistoryEntry[] | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  // Bumped by every save, rename or delete this page makes: the pickers follow.
  const revision = useHistoryStatus((s) => s.revision);

  useEffect(() => {
    let live = true;
    listRuns().then(
      (all) => {
        if (!live) return;
        setEntries(all);
        setListError(null);
      },
      (e: unknown) => {
        if (live) setListError(`The saved runs could not be read from this browser’s storage: ${message(e)}`);
      },
    );
    return () => {
      live = false;
    };
  }, [version, revision]);
  // A run saved, renamed or deleted (in this tab or another) shows up in the pickers.
  useEffect(() => onHistoryChangedElsewhere(() => setVersion((v) => v + 1)), []);

  const [idA, idB] = effectiveIds(entries, sel.a, sel.b);
  const a = useListName(useSavedRun(idA, 'A', version), entries, 'A');
  const b = useListName(useSavedRun(idB, 'B', version), entries, 'B');
  const pick = (side: 'A' | 'B', id: string) => {
    const v = id === '' ? null : id;
    if (side === 'A') sel.set(v, idB);
    else sel.set(idA, v);
  };

  const picker = (side: 'A' | 'B', id: string | null) => {
    const known = entries?.some((e) => e.id === id) ?? false;
    return (
      <label htmlFor={`${pickId}-${side}`}>
        Run {side}
        <select id={`${pickId}-${side}`} data-testid={`compare-pick-${side}`} value={id ?? ''} onChange={(e) => pick(side, e.target.value)} disabled={!entries || entries.length === 0}>
          <option value="">(pick a saved run)</option>
          {id !== null && !known && <option value={id}>(a run no longer in history)</option>}
          {entries?.map((e) => (
            <option key={e.id} value={e.id}>
              {optionLabel(e)}
            </option>
          ))}
        </select>
      </label>
    );
  };

  const sideError = (l: Loaded | null) => (l?.state === 'error' ? l.message : null);
  let body: ReactNode = null;
  if (listError) body = null;
  else if (!entries) body = <p className="note">Reading the saved runs…</p>;
  else if (entries.length === 0) {
    body = (
      <p className="empty" data-testid="compare-empty">
        No saved runs yet. Every run is saved to History when it finishes; make two (ask two questions, or score two traces), then compare them here.
      </p>
    );
  } else if (idA === null || idB === null) {
    body = (
      <p className="empty" data-testid="compare-empty">
        {entries.length === 1 ? 'Only one run is saved: make another one to compare it with.' : 'Pick a run for each side.'}
      </p>
    );
  } else if (a?.state === 'loading' || b?.state === 'loading') body = <p className="note">Opening the runs…</p>;
  else if (a?.state === 'ok' && b?.state === 'ok') body = <CompareView a={a.run} b={b.run} gamma={gamma} />;

  return (
    <section className="panel compare-panel" aria-labelledby={headingId} data-testid="compare-panel">
      <h2 id={headingId}>Compare two runs</h2>
      <div className="cmp-pickers" role="group" aria-label="Runs to compare">
        {picker('A', idA)}
        <button type="button" onClick={() => sel.set(idB, idA)} disabled={idA === null && idB === null} aria-label="Swap runs A and B">
          ⇄ Swap
        </button>
        {picker('B', idB)}
        <button type="button" onClick={() => setVersion((v) => v + 1)}>
          Refresh list
        </button>
      </div>
      <ErrorNote message={listError} testId="compare-error" />
      <ErrorNote message={sideError(a)} testId="compare-error-a" />
      <ErrorNote message={sideError(b)} testId="compare-error-b" />
      {body}
    </section>
  );
}
