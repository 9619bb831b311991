import type { SavedRun, SavedRunMeta } from '../record/types';
import type { RunState } from '../state/slices';
import { connection, request, storageEstimate, transact } from '../storage/idb';
import { estimateSize } from '../storage/size';
import { runAnswer, type RunAnswer } from '../views/shared/answer';

/**
 * Saved runs in IndexedDB (database 'cotk-history'). Two object stores: `metas` holds one small
 * entry per run (what the history list shows: name, model, kind, score, size), `runs` the heavy
 * RunState (tokens, typed arrays, kept states), so the list loads without reading a single token.
 * A run is written to both in ONE transaction: it is either wholly saved or not at all, and a
 * failed save (quota) leaves every earlier run as it was.
 */
export const DB_NAME = 'cotk-history';
/** 2 added `profiles` (calibration profiles per model, src/storage/profiles.ts); saved runs are untouched by the upgrade. */
export const DB_VERSION = 2;
export const METAS = 'metas';
export const RUNS = 'runs';
export const PROFILES = 'profiles';

/** One row of the history list: the saved meta plus what the list shows without opening the run. */
export interface HistoryEntry extends SavedRunMeta {
  readonly kind: RunState['kind'];
  readonly status: RunState['status'];
  /** Output tokens. */
  readonly tokens: number;
  /** The default CoT-Kinetics formulation's score (`cotk`), null without a result or a reasoning segment. */
  readonly cotk: number | null;
  /** Estimated stored bytes of the whole saved run (see estimateSize), computed on save. */
  readonly size: number;
  /** What the run answered, or why it has none; absent in entries saved before it was kept. */
  readonly answer?: RunAnswer;
}

const ENTRY_EXTRAS = ['kind', 'status', 'tokens', 'cotk', 'size', 'answer'] as const;

const history = connection({
  name: DB_NAME,
  version: DB_VERSION,
  upgrade(d, oldVersion) {
    if (oldVersion < 1) {
      d.createObjectStore(METAS, { keyPath: 'id' });
      d.createObjectStore(RUNS);
    }
    if (oldVersion < 2 && !d.objectStoreNames.contains(PROFILES)) d.createObjectStore(PROFILES, { keyPath: 'keyId' });
  },
});

const db = history.get;

/** The history database, shared with the profile store (one connection, one upgrade path). */
export const historyDb = history.get;

/** Closes the connection (tests delete the database between cases). */
export const closeHistoryDb = history.close;

/** Other tabs of the app hear about every change, so their history lists stay current. */
const CHANNEL = 'cotk-history';
function announce(): void {
  if (typeof BroadcastChannel === 'undefined') return;
  const ch = new BroadcastChannel(CHANNEL);
  ch.postMessage('changed');
  ch.close();
}

/** Calls `onChange` when another tab changes the history; returns the unsubscribe. */
export function onHistoryChangedElsewhere(onChange: () => void): () => void {
  if (typeof BroadcastChannel === 'undefined') return () => undefined;
  const ch = new BroadcastChannel(CHANNEL);
  ch.onmessage = () => onChange();
  return () => ch.close();
}

/** The list entry of a saved run (its size estimated over the whole SavedRun, as written). */
export function entryOf(saved: SavedRun): HistoryEntry {
  const run = saved.run;
  return {
    ...saved.meta,
    kind: run.kind,
    status: run.status,
    tokens: run.result?.tokens.length ?? run.events.length,
    cotk: run.result?.scores.cotk ?? null,
    size: estimateSize(saved),
    answer: runAnswer(run),
  };
}

function metaOf(entry: HistoryEntry): SavedRunMeta {
  const meta: Record<string, unknown> = { ...entry };
  for (const k of ENTRY_EXTRAS) delete meta[k];
  return meta as unknown as SavedRunMeta;
}

function checkSaved(saved: SavedRun): void {
  if (!saved?.meta || typeof saved.meta.id !== 'string' || saved.meta.id === '') throw new Error('A run without an id cannot be saved to history.');
  if (!saved.run || !Array.isArray(saved.run.events)) throw new Error(`Run ${saved.meta.id} has no tokens to save.`);
}

/** Saves (or replaces, by id) a run: its entry and its body in one transaction. */
export async function saveRun(saved: SavedRun): Promise<void> {
  checkSaved(saved);
  const entry = entryOf(saved);
  const d = await db();
  await transact(d, [METAS, RUNS], 'readwrite', (tx) => {
    tx.objectStore(METAS).put(entry);
    tx.objectStore(RUNS).put(saved.run, entry.id);
  });
  announce();
}

/** An entry this version can show (one written by a later version may lack what the list needs). */
function isEntry(e: unknown): e is HistoryEntry {
  if (!e || typeof e !== 'object') return false;
  const x = e as Partial<HistoryEntry>;
  return typeof x.id === 'string' && typeof x.name === 'string' && typeof x.createdAt === 'string' && typeof x.model?.name === 'string' && typeof x.size === 'number';
}

/** Every saved run's entry, newest first. Reads no token data. */
export async function listRuns(): Promise<HistoryEntry[]> {
  const d = await db();
  const all = (await transact(d, METAS, 'readonly', (tx) => request(tx.objectStore(METAS).getAll() as IDBRequest<unknown[]>))).filter(isEntry);
  return all.sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1));
}

/** A saved run (with its current name), or undefined when there is none by that id. */
export async function getRun(id: string): Promise<SavedRun | undefined> {
  const d = await db();
  const [entry, run] = await transact(d, [METAS, RUNS], 'readonly', (tx) =>
    Promise.all([
      request(tx.objectStore(METAS).get(id) as IDBRequest<HistoryEntry | undefined>),
      request(tx.objectStore(RUNS).get(id) as IDBRequest<RunState | undefined>),
    ]),
  );
  if (!entry || !run) return undefined;
  if (!isEntry(entry) || !Array.isArray(run.events) || (run.kind !== 'generate' && run.kind !== 'score')) {
    throw new Error(`Saved run ${id} is stored in a form this version of the app cannot read.`);
  }
  return { meta: metaOf(entry), run };
}

/** The longest name kept (a pasted essay would make the list unreadable). */
export const MAX_NAME = 200;

/** Renames a run; an empty name is refused with a sentence. */
export async function renameRun(id: string, name: string): Promise<void> {
  const clean = name.trim();
  if (clean === '') throw new Error('A run needs a name: type at least one character.');
  if (clean.length > MAX_NAME) throw new Error(`That name is ${clean.length} characters long; keep it to ${MAX_NAME}.`);
  const d = await db();
  await transact(d, METAS, 'readwrite', async (tx) => {
    const store = tx.objectStore(METAS);
    const entry = await request(store.get(id) as IDBRequest<HistoryEntry | undefined>);
    if (!entry) throw new Error('That run is no longer in history (it may have been deleted in another tab).');
    store.put({ ...entry, name: clean });
  });
  announce();
}

/** Deletes a run, its entry and its body in one transaction. */
export async function deleteRun(id: string): Promise<void> {
  const d = await db();
  await transact(d, [METAS, RUNS], 'readwrite', (tx) => {
    tx.objectStore(METAS).delete(id);
    tx.objectStore(RUNS).delete(id);
  });
  announce();
}

export interface StorageUse {
  /** What the browser says this site uses in all (history, cached models, the app itself), or null. */
  readonly usage: number | null;
  /** What the browser allows this site, or null. */
  readonly quota: number | null;
  /** The saved runs' own estimated bytes. */
  readonly runsBytes: number;
  readonly runs: number;
}

export async function storageUse(): Promise<StorageUse> {
  const [est, entries] = await Promise.all([storageEstimate(), listRuns()]);
  return { ...est, runsBytes: entries.reduce((s, e) => s + e.size, 0), runs: entries.length };
}
