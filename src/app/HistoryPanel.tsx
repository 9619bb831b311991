import { useCallback, useEffect, useState } from 'react';
import { ErrorNote } from '../components/ErrorNote';
import { bumpHistory, useHistoryStatus } from '../history/autosave';
import { useCompareSelection } from '../history/compareSelection';
import { HistoryHead, HistoryRow } from '../history/HistoryRow';
import { KeepStatesSetting } from '../history/KeepStatesSetting';
import { reopenRun } from '../history/reopen';
import { deleteRun, getRun, listRuns, onHistoryChangedElsewhere, renameRun, type HistoryEntry } from '../history/store';
import { showView } from '../history/view';
import { useStore } from '../state/store';
import { explainStorageError, StorageUnavailableError, storageEstimate } from '../storage/idb';
import { formatBytes } from '../storage/size';
import '../history/history.css';

interface Loaded {
  readonly entries: readonly HistoryEntry[];
  readonly usage: number | null;
  readonly quota: number | null;
}

/** Reads the list and the browser's storage figures again whenever history changes (here or in another tab). */
function useHistoryList(): { loaded: Loaded | null; error: string | null; unavailable: string | null } {
  const revision = useHistoryStatus((s) => s.revision);
  const [elsewhere, setElsewhere] = useState(0);
  const [state, setState] = useState<{ loaded: Loaded | null; error: string | null; unavailable: string | null }>({ loaded: null, error: null, unavailable: null });
  useEffect(() => onHistoryChangedElsewhere(() => setElsewhere((n) => n + 1)), []);
  useEffect(() => {
    let live = true;
    Promise.all([listRuns(), storageEstimate()]).then(
      ([entries, est]) => live && setState({ loaded: { entries, ...est }, error: null, unavailable: null }),
      (e: unknown) =>
        live &&
        setState((s) =>
          e instanceof StorageUnavailableError ? { loaded: null, error: null, unavailable: explainStorageError(e) } : { ...s, error: `The history could not be read. ${explainStorageError(e)}` },
        ),
    );
    return () => {
      live = false;
    };
  }, [revision, elsewhere]);
  return state;
}

function StorageLine({ loaded }: { readonly loaded: Loaded }) {
  const runsBytes = loaded.entries.reduce((s, e) => s + e.size, 0);
  const n = loaded.entries.length;
  return (
    <p className="note" data-testid="history-storage" data-runs={n} data-runs-bytes={runsBytes} data-usage={loaded.usage ?? ''} data-quota={loaded.quota ?? ''}>
      {n} saved run{n === 1 ? '' : 's'}, {formatBytes(runsBytes)} in all.{' '}
      {loaded.usage !== null && loaded.quota !== null
        ? `This site uses ${formatBytes(loaded.usage)} of this browser’s storage (cached models included) out of ${formatBytes(loaded.quota)} it may use.`
        : 'This browser does not say how much storage the site uses.'}
    </p>
  );
}

function CompareBar({ entries }: { readonly entries: readonly HistoryEntry[] }) {
  const { a, b, clear } = useCompareSelection();
  const name = (id: string | null) => entries.find((e) => e.id === id)?.name ?? null;
  const na = name(a);
  const nb = name(b);
  return (
    <div className="history-compare" data-testid="history-compare">
      <p className="note" aria-live="polite">
        {na && nb ? `Compare A: “${na}” with B: “${nb}”.` : na ? `A: “${na}”. Pick one more run to compare with it.` : 'Tick two runs to compare them side by side.'}
      </p>
      <div className="buttons">
        <button type="button" className="primary" disabled={!(na && nb)} onClick={() => showView('compare')}>
          Compare the two selected runs
        </button>
        {(a || b) && (
          <button type="button" onClick={clear}>
            Clear the selection
          </button>
        )}
      </div>
    </div>
  );
}

/** Every saved run, newest first: reopen, rename, delete, pick two for compare; storage use and the keep-states setting. */
export function HistoryPanel() {
  const { loaded, error: listError, unavailable: listUnavailable } = useHistoryList();
  const saveUnavailable = useHistoryStatus((s) => s.unavailable);
  const saving = useHistoryStatus((s) => s.saving);
  const openId = useStore((s) => s.run?.id ?? null);
  const { a, b, toggle, drop } = useCompareSelection();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const unavailable = listUnavailable ?? saveUnavailable;

  const onReopen = useCallback(async (e: HistoryEntry) => {
    setError(null);
    setBusy(e.id);
    try {
      const saved = await getRun(e.id);
      if (!saved) return setError(`“${e.name}” is no longer in history (it may have been deleted in another tab).`);
      const why = reopenRun(saved);
      if (why) setError(why);
    } catch (err) {
      setError(`“${e.name}” could not be read. ${explainStorageError(err)}`);
    } finally {
      setBusy(null);
    }
  }, []);

  const onRename = useCallback(async (e: HistoryEntry, name: string): Promise<string | null> => {
    if (name.trim() === '') return 'A run needs a name: type at least one character (Escape keeps the old name).';
    if (name.trim() === e.name) return null;
    try {
      await renameRun(e.id, name);
      bumpHistory();
      return null;
    } catch (err) {
      return err instanceof Error && !(err instanceof DOMException) ? err.message : explainStorageError(err);
    }
  }, []);

  const onDelete = useCallback(
    async (e: HistoryEntry) => {
      setError(null);
      setBusy(e.id);
      try {
        await deleteRun(e.id);
        drop(e.id);
        bumpHistory();
      } catch (err) {
        setError(`“${e.name}” could not be deleted. ${explainStorageError(err)}`);
      } finally {
        setBusy(null);
      }
    },
    [drop],
  );

  const entries = loaded?.entries ?? [];
  return (
    <section className="panel history" aria-labelledby="history-heading">
      <h2 id="history-heading">History</h2>
      <p className="note">Every run is saved in this browser (IndexedDB) when it finishes, and stays after a reload or a restart. Nothing leaves this device.</p>
      {unavailable ? (
        <p className="error-note" role="alert" data-testid="history-unavailable">
          {unavailable}
        </p>
      ) : (
        <>
          <KeepStatesSetting />
          {loaded && <StorageLine loaded={loaded} />}
          {saving && (
            <p className="note" role="status">
              Saving the last run…
            </p>
          )}
          <ErrorNote message={listError ?? error} testId="history-error" />
          {loaded && entries.length === 0 ? (
            <p className="empty" data-testid="history-empty">
              No saved runs yet. Ask a question or score a trace: the run is saved here when it finishes.
            </p>
          ) : loaded ? (
            <>
              <CompareBar entries={entries} />
              <div className="history-table-wrap">
                <table className="history-table" data-testid="history-list">
                  <caption className="visually-hidden">Saved runs, newest first</caption>
                  <thead>
                    <HistoryHead />
                  </thead>
                  <tbody>
                    {entries.map((e) => (
                      <HistoryRow
                        key={e.id}
                        entry={e}
                        open={e.id === openId}
                        selected={e.id === a ? 'A' : e.id === b ? 'B' : null}
                        compareFull={a !== null && b !== null}
                        busy={busy === e.id}
                        onReopen={(x) => void onReopen(x)}
                        onRename={onRename}
                        onDelete={(x) => void onDelete(x)}
                        onToggleCompare={(x) => toggle(x.id)}
                      />
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          ) : (
            <p className="note">Reading the history…</p>
          )}
        </>
      )}
    </section>
  );
}
