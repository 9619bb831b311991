import { create } from 'zustand';
import { snapshotRun } from '../record/snapshot';
import type { SavedRun } from '../record/types';
import type { RunState, StoreState } from '../state/slices';
import { useStore } from '../state/store';
import { explainStorageError, isQuotaError, StorageUnavailableError, storageEstimate } from '../storage/idb';
import { estimateSize } from '../storage/size';
import { historyStatesAllowed } from '../state/runPlan';
import { useHistorySettings } from './settings';
import { saveRun } from './store';

/**
 * Every run is saved to history when it finishes: done, cancelled, or failed midway with tokens.
 * A failed save never touches the run on screen; it becomes a notice (with the sizes) that offers
 * to try again, or to save without the full states. Saves run one after another, in finishing order.
 */
export interface SaveFailure {
  readonly id: string;
  readonly name: string;
  /** Estimated bytes of what was being saved. */
  readonly bytes: number;
  readonly keptStates: boolean;
  readonly quota: boolean;
  readonly message: string;
}

export interface HistoryStatus {
  /** False once IndexedDB turned out to be missing or refused; null until the first use. */
  available: boolean | null;
  /** Why history is unavailable, as a sentence. */
  unavailable: string | null;
  /** The id being saved now, or null. */
  saving: string | null;
  /** The last run saved in this page, or null. */
  lastSaved: string | null;
  failure: SaveFailure | null;
  /** Bumped after every change this page makes to the history (lists reload on it). */
  revision: number;
}

export const useHistoryStatus = create<HistoryStatus>()(() => ({
  available: null,
  unavailable: null,
  saving: null,
  lastSaved: null,
  failure: null,
  revision: 0,
}));

export function bumpHistory(): void {
  useHistoryStatus.setState((s) => ({ revision: s.revision + 1 }));
}

const FINAL: ReadonlySet<RunState['status']> = new Set(['done', 'cancelled', 'error']);
const LIVE: ReadonlySet<RunState['status']> = new Set(['running', 'stopping']);

/**
 * True when this store change is a run finishing. A run put into the store already finished
 * (reopened from history, imported) is not a finish: it came from somewhere and is not saved again.
 */
export function isFinish(s: StoreState, prev: StoreState): boolean {
  const r = s.run;
  const p = prev.run;
  if (!r || !p || r === p || r.id !== p.id) return false;
  if (!FINAL.has(r.status) || !LIVE.has(p.status)) return false;
  return r.status !== 'error' || r.events.length > 0;
}

/** The snapshot that could not be saved, kept for "try again". */
let failed: SavedRun | null = null;
let queue: Promise<unknown> = Promise.resolve();

/** Saves one snapshot (queued behind any save in progress); true when it was written. */
export function saveSnapshot(saved: SavedRun): Promise<boolean> {
  const next = queue.then(() => write(saved));
  queue = next.catch(() => undefined);
  return next;
}

async function write(saved: SavedRun): Promise<boolean> {
  useHistoryStatus.setState({ saving: saved.meta.id });
  try {
    await saveRun(saved);
    if (failed?.meta.id === saved.meta.id) failed = null;
    useHistoryStatus.setState((s) => ({
      available: true,
      unavailable: null,
      saving: null,
      lastSaved: saved.meta.id,
      failure: s.failure?.id === saved.meta.id ? null : s.failure,
      revision: s.revision + 1,
    }));
    return true;
  } catch (e) {
    if (e instanceof StorageUnavailableError) {
      // Nothing to announce on every run: the History tab says why it is empty.
      useHistoryStatus.setState({ available: false, unavailable: explainStorageError(e), saving: null });
      return false;
    }
    const bytes = estimateSize(saved);
    const { usage, quota } = await storageEstimate();
    failed = saved;
    useHistoryStatus.setState({
      saving: null,
      failure: {
        id: saved.meta.id,
        name: saved.meta.name,
        bytes,
        keptStates: saved.meta.keptStates,
        quota: isQuotaError(e),
        message: `“${saved.meta.name}” was not saved to history. ${explainStorageError(e, { needed: bytes, usage, quota })} The run stays on screen, and earlier saved runs are untouched.`,
      },
    });
    return false;
  }
}

/** Tries the failed save again; `withoutStates` drops its full states first (a much smaller write). */
export function retryFailedSave(withoutStates = false): Promise<boolean> {
  const f = failed;
  if (!f) return Promise.resolve(false);
  const saved: SavedRun =
    withoutStates && f.run.result
      ? { meta: { ...f.meta, keptStates: false }, run: { ...f.run, result: { ...f.run.result, states: null } } }
      : f;
  return saveSnapshot(saved);
}

export function dismissSaveFailure(): void {
  failed = null;
  useHistoryStatus.setState({ failure: null });
}

/**
 * The engine's last token batch can reach the page after the run's result (they travel on different
 * message ports), and the store appends it then. A finished run is saved once its events cover
 * every token of the result, or after SETTLE_MS, or when another run replaces it, whichever first.
 */
export const SETTLE_MS = 2000;

function settled(run: RunState): boolean {
  return !run.result || run.events.length >= run.result.tokens.length;
}

let pending: { id: string; last: StoreState; timer: ReturnType<typeof setTimeout> } | null = null;

function flush(): void {
  const p = pending;
  if (!p) return;
  pending = null;
  clearTimeout(p.timer);
  // The memory planner may have ruled the states out of this save (src/state/runPlan.ts).
  const saved = snapshotRun(p.last, { keepStates: useHistorySettings.getState().keepStates && historyStatesAllowed(p.id) });
  if (saved) void saveSnapshot(saved);
}

function onStore(s: StoreState, prev: StoreState): void {
  if (pending) {
    if (s.run?.id === pending.id) {
      pending.last = s;
      if (settled(s.run)) flush();
    } else flush(); // replaced (a new run, a reopened one): save what it last was
  }
  if (!isFinish(s, prev) || !s.run) return;
  pending = { id: s.run.id, last: s, timer: setTimeout(flush, SETTLE_MS) };
  if (settled(s.run)) flush();
}

let users = 0;
let unsubscribe: (() => void) | null = null;

/**
 * Starts saving finished runs (idempotent: a second start shares the first subscription); returns
 * the stop. Started by the App once.
 */
export function startAutosave(): () => void {
  users++;
  unsubscribe ??= useStore.subscribe(onStore);
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    users--;
    if (users === 0) {
      unsubscribe?.();
      unsubscribe = null;
      flush();
    }
  };
}
