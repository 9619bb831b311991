import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { closeHistoryDb, DB_NAME, deleteRun, entryOf, getRun, listRuns, renameRun, saveRun, storageUse } from '../../../src/history/store';
import type { SavedRun } from '../../../src/record/types';
import { estimateSize } from '../../../src/storage/size';
import { savedRun, wipeHistory } from './fixtures';


beforeEach(wipeHistory);
afterEach(() => {
  vi.restoreAllMocks();
});

/** Every typed array and number of the run, equal (NaN equal to NaN), and of the same class. */
function expectSameRun(got: SavedRun, want: SavedRun): void {
  expect(got.run.id).toBe(want.run.id);
  expect(got.run.events.length).toBe(want.run.events.length);
  got.run.events.forEach((e, i) => {
    const w = want.run.events[i];
    expect(e.speeds).toBeInstanceOf(Float32Array);
    expect(e.norms).toBeInstanceOf(Float32Array);
    expect(Array.from(e.speeds)).toEqual(Array.from(w.speeds));
    expect(Array.from(e.norms)).toEqual(Array.from(w.norms));
    expect(Object.is(e.kinetic, w.kinetic)).toBe(true);
    expect(e.text).toBe(w.text);
  });
  const gs = got.run.result?.states ?? null;
  const ws = want.run.result?.states ?? null;
  if (ws === null) expect(gs).toBeNull();
  else {
    expect(gs?.residual).toBeInstanceOf(Float32Array);
    expect(gs?.residual).toEqual(ws.residual);
    expect(gs?.finalNorm).toEqual(ws.finalNorm);
  }
  expect(got.run.result?.scores).toEqual(want.run.result?.scores);
  expect(got.run.result?.segments).toEqual(want.run.result?.segments);
}

describe('history store (IndexedDB)', () => {
  it('saves, lists, reads back with typed arrays intact, renames and deletes', async () => {
    const a = savedRun('run-a', { at: '2026-01-01T10:00:00Z' });
    const b = savedRun('run-b', { at: '2026-01-02T10:00:00Z', keepStates: false, states: false });
    await saveRun(a);
    await saveRun(b);

    const list = await listRuns();
    expect(list.map((e) => e.id)).toEqual(['run-b', 'run-a']); // newest first
    const ea = list[1];
    expect(ea.name).toBe(a.meta.name);
    expect(ea.kind).toBe('generate');
    expect(ea.keptStates).toBe(true);
    expect(list[0].keptStates).toBe(false);
    expect(ea.cotk).toBe(a.run.result?.scores.cotk);
    expect(ea.cotk).not.toBeNull();
    expect(ea.tokens).toBe(a.run.events.length);
    expect(ea.size).toBe(estimateSize(a));

    const gotA = await getRun('run-a');
    expect(gotA).toBeDefined();
    expectSameRun(gotA!, a);
    expect(gotA!.meta).toEqual(a.meta); // the list's extra fields are not part of the saved meta
    expectSameRun((await getRun('run-b'))!, b);

    await renameRun('run-a', '  my favourite  ');
    expect((await listRuns()).find((e) => e.id === 'run-a')?.name).toBe('my favourite');
    expect((await getRun('run-a'))?.meta.name).toBe('my favourite');
    await expect(renameRun('run-a', '   ')).rejects.toThrow(/needs a name/);
    await expect(renameRun('run-zzz', 'x')).rejects.toThrow(/no longer in history/);
    expect((await getRun('run-a'))?.meta.name).toBe('my favourite');

    await deleteRun('run-a');
    expect((await listRuns()).map((e) => e.id)).toEqual(['run-b']);
    expect(await getRun('run-a')).toBeUndefined();
    expectSameRun((await getRun('run-b'))!, b);
  });

  it('reports the runs’ own bytes, and states cost what their arrays hold', async () => {
    const kept = savedRun('run-k', { keepStates: true, layers: 4, dim: 16 });
    const bare = savedRun('run-n', { keepStates: false, layers: 4, dim: 16 });
    const st = kept.run.result!.states!;
    const statesBytes = st.residual.byteLength + st.finalNorm.byteLength;
    const diff = entryOf(kept).size - entryOf(bare).size;
    // the states' arrays plus a few keys and numbers (layers, tokens, dim, truncated)
    expect(diff).toBeGreaterThanOrEqual(statesBytes);
    expect(diff - statesBytes).toBeLessThan(200);
    await saveRun(kept);
    await saveRun(bare);
    const use = await storageUse();
    expect(use.runs).toBe(2);
    expect(use.runsBytes).toBe(entryOf(kept).size + entryOf(bare).size);
  });

  it('skips list entries it cannot show and names a run it cannot read', async () => {
    await saveRun(savedRun('run-a'));
    await closeHistoryDb();
    // a later version's records: an entry without the fields the list needs, a run of another shape
    await new Promise<void>((done, fail) => {
      const o = indexedDB.open(DB_NAME);
      o.onsuccess = () => {
        const tx = o.result.transaction(['metas', 'runs'], 'readwrite');
        tx.objectStore('metas').put({ id: 'run-future', title: 'no name field' });
        tx.objectStore('metas').put({ ...entryOf(savedRun('run-odd')) });
        tx.objectStore('runs').put({ id: 'run-odd', kind: 'dream', events: [] }, 'run-odd');
        tx.oncomplete = () => (o.result.close(), done());
        tx.onabort = () => fail(tx.error);
      };
      o.onerror = () => fail(o.error);
    });
    expect((await listRuns()).map((e) => e.id).sort()).toEqual(['run-a', 'run-odd']);
    await expect(getRun('run-odd')).rejects.toThrow('Saved run run-odd is stored in a form this version of the app cannot read.');
    expect((await getRun('run-a'))?.meta.id).toBe('run-a');
  });

  it('replaces a run saved again under the same id', async () => {
    await saveRun(savedRun('run-a', { name: 'first' }));
    await saveRun(savedRun('run-a', { name: 'second' }));
    const list = await listRuns();
    expect(list.map((e) => e.name)).toEqual(['second']);
  });
});

describe('a save that fails midway (quota) writes nothing', () => {
  /** Makes the n-th put from now throw QuotaExceededError, as a full store does. */
  function failPut(n: number): { calls: () => number } {
    const real = IDBObjectStore.prototype.put;
    let calls = 0;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      calls++;
      if (calls === n) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return real.call(this, value, key);
    });
    return { calls: () => calls };
  }

  for (const n of [1, 2]) {
    it(`leaves earlier runs intact and no half of the new one (put #${n} of 2 fails)`, async () => {
      const a = savedRun('run-a', { at: '2026-01-01T10:00:00Z' });
      await saveRun(a);
      const spy = failPut(n);
      const b = savedRun('run-b', { at: '2026-01-02T10:00:00Z' });
      const err = await saveRun(b).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DOMException);
      expect((err as DOMException).name).toBe('QuotaExceededError');
      expect(spy.calls()).toBe(n);
      vi.restoreAllMocks();
      // neither store holds any of run-b, and run-a is whole
      expect((await listRuns()).map((e) => e.id)).toEqual(['run-a']);
      expect(await getRun('run-b')).toBeUndefined();
      expectSameRun((await getRun('run-a'))!, a);
      // the database still works afterwards
      await saveRun(b);
      expect((await listRuns()).map((e) => e.id)).toEqual(['run-b', 'run-a']);
    });
  }

  it('rolls back when a write fails inside the database, after both puts were accepted', async () => {
    // Chrome reports a full store this way: the put is accepted, then its request fails and the
    // transaction aborts. Here the second write's request fails (a duplicate key) the same way.
    const a = savedRun('run-a');
    await saveRun(a);
    const real = IDBObjectStore.prototype.put;
    let calls = 0;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      const req = real.call(this, value, key);
      if (++calls === 2) this.add(value, key); // fails asynchronously: the key was just written
      return req;
    });
    await expect(saveRun(savedRun('run-b'))).rejects.toMatchObject({ name: 'ConstraintError' });
    vi.restoreAllMocks();
    expect((await listRuns()).map((e) => e.id)).toEqual(['run-a']);
    expect(await getRun('run-b')).toBeUndefined();
    expectSameRun((await getRun('run-a'))!, a);
  });

  it('keeps the old version of a run whose re-save fails', async () => {
    const first = savedRun('run-a', { name: 'first' });
    await saveRun(first);
    failPut(2);
    await expect(saveRun(savedRun('run-a', { name: 'second', states: false, keepStates: false }))).rejects.toThrow(/quota/i);
    vi.restoreAllMocks();
    const got = await getRun('run-a');
    expect(got?.meta.name).toBe('first');
    expectSameRun(got!, first);
  });

  it('refuses a run without an id before touching the database', async () => {
    const bad = { ...savedRun('x'), meta: { ...savedRun('x').meta, id: '' } };
    await expect(saveRun(bad)).rejects.toThrow(/without an id/);
    expect(await listRuns()).toEqual([]);
  });
});
