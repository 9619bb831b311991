import { closeHistoryDb, DB_NAME } from '../../../src/history/store';
import { snapshotRun } from '../../../src/record/snapshot';
import type { SavedRun } from '../../../src/record/types';
import { initialState, type RunState, type StoreState } from '../../../src/state/slices';
import { synthRun, type SynthOptions } from '../views/fixtures';

/** A store state holding one finished synthetic run (the real scorers on smooth synthetic states). */
export function stateWithRun(id: string, o: SynthOptions & { status?: RunState['status']; question?: string } = {}): StoreState {
  const s = synthRun(o);
  return {
    ...initialState(),
    question: o.question ?? s.prompt,
    run: { id, kind: 'generate', prompt: s.prompt, status: o.status ?? 'done', events: s.events, result: s.result, error: null },
  };
}

/** A SavedRun as the app saves it, made by the real snapshot. */
export function savedRun(id: string, o: SynthOptions & { keepStates?: boolean; name?: string; at?: string } = {}): SavedRun {
  const saved = snapshotRun(stateWithRun(id, { prompt: `${id}: (12+7)*3=?`, ...o }), {
    keepStates: o.keepStates ?? true,
    name: o.name,
    now: new Date(o.at ?? '2026-01-01T10:00:00Z'),
  });
  if (!saved) throw new Error('snapshotRun gave null for a finished run');
  return saved;
}

/** Closes the history database and deletes it (IndexedDB as fake-indexeddb or the page gives it), so a test starts empty. */
export async function wipeHistory(): Promise<void> {
  await closeHistoryDb();
  await new Promise<void>((done, fail) => {
    const req = indexedDB.deleteDatabase(DB_NAME);
    req.onsuccess = () => done();
    req.onerror = () => fail(req.error);
  });
}
