import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CHECKPOINT_VERSION,
  CheckpointWriter,
  checkpointErrorSentence,
  closeCheckpointDb,
  batchKey,
  DB_NAME,
  deleteCheckpoint,
  listCheckpoints,
  readCheckpoint,
  writeCheckpoint,
  type CheckpointFile,
  type CheckpointProgress,
  type CheckpointStats,
} from '../../../src/state/batchCheckpoint';
import type { ScoredTrace } from '../../../src/state/batchStore';
import { recordProbe } from '../../reliability';

/**
 * The batch checkpoint store on a real IndexedDB implementation (fake-indexeddb): what is written
 * reads back, a write that fails midway leaves the previous checkpoint whole, a full disk becomes
 * a sentence and its rows are written by the next successful try.
 */

const FILE: CheckpointFile = { version: CHECKPOINT_VERSION, name: 't.jsonl', text: 'x\n', mode: 'traces', maxTokens: null, total: 10, bad: [{ line: 3, message: 'bad' }] };

const K = batchKey(FILE);

function row(line: number): ScoredTrace {
  return { row: { id: `t${line}`, line, label: (line % 2) as 0 | 1, scores: { perplexity: line / 10, cotk: null } }, prompt: `p${line}`, output: `o${line}` };
}

function prog(cursor: number, status: CheckpointProgress['status'] = 'running'): CheckpointProgress {
  return { cursor, failed: [], status, activeMs: cursor * 10, savedAt: 1000 + cursor };
}

beforeEach(async () => {
  await closeCheckpointDb();
  globalThis.indexedDB = new IDBFactory();
});

afterEach(async () => {
  await closeCheckpointDb();
});

describe('batch checkpoints in IndexedDB', () => {
  it('reads back the file, the progress and the rows in file order; a new start replaces them; delete empties', async () => {
    await writeCheckpoint(K, FILE, [row(1), row(2)], prog(2));
    await writeCheckpoint(K, null, [row(4)], prog(4));
    const cp = await readCheckpoint(K);
    expect(cp?.file).toEqual(FILE);
    expect(cp?.progress).toEqual(prog(4));
    expect(cp?.rows).toEqual([row(1), row(2), row(4)]);
    await writeCheckpoint(K, { ...FILE, name: 'u.jsonl' }, [row(9)], prog(1));
    const again = await readCheckpoint(K);
    expect(again?.file.name).toBe('u.jsonl');
    expect(again?.rows).toEqual([row(9)]);
    await deleteCheckpoint(K);
    expect(await readCheckpoint(K)).toBeNull();
    // The database is the one the brief names.
    expect((await indexedDB.databases()).map((d) => d.name)).toContain(DB_NAME);
  });

  it('a write that fails midway leaves the previous checkpoint whole', async () => {
    await writeCheckpoint(K, FILE, [row(1), row(2)], prog(2));
    // The second row cannot be cloned: put() throws after the first row is already in the transaction.
    const poisoned = { ...row(4), output: (() => 'x') as unknown as string };
    await expect(writeCheckpoint(K, null, [row(3), poisoned], prog(4))).rejects.toThrow();
    const cp = await readCheckpoint(K);
    expect(cp?.progress).toEqual(prog(2));
    expect(cp?.rows).toEqual([row(1), row(2)]);
    // A restart that fails must not have cleared the old batch either.
    await expect(writeCheckpoint(K, { ...FILE, name: 'other' }, [poisoned], prog(1))).rejects.toThrow();
    expect((await readCheckpoint(K))?.file).toEqual(FILE);
  });

  it('ignores a checkpoint of another layout version', async () => {
    await writeCheckpoint(K, { ...FILE, version: CHECKPOINT_VERSION + 1 }, [row(1)], prog(1));
    expect(await readCheckpoint(K)).toBeNull();
  });

  it('the writer folds updates that arrive during a write into the next one, never losing a row', async () => {
    const saved: CheckpointStats[] = [];
    const w = new CheckpointWriter({ onSaved: (s) => saved.push(s), onError: (m) => expect.fail(m) }, { gapMs: 0 });
    w.start(K, FILE, prog(0));
    for (let i = 1; i <= 30; i++) w.update([row(i)], prog(i));
    w.update([], prog(30, 'done'));
    await w.idle();
    const cp = await readCheckpoint(K);
    expect(cp?.rows.map((r) => r.row.line)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(cp?.progress).toEqual(prog(30, 'done'));
    const last = saved[saved.length - 1];
    expect(last.rows).toBe(30);
    // Updates queued while the first write was in flight went out together.
    expect(last.writes).toBeLessThan(31);
    expect(last.syncMs).toBeGreaterThanOrEqual(0);
  });

  it('while running, writes at most once per gap; a status change is written at once', async () => {
    const saved: CheckpointProgress[] = [];
    const w = new CheckpointWriter({ onSaved: (_, p) => saved.push(p), onError: (m) => expect.fail(m) }, { gapMs: 150 });
    w.start(K, FILE, prog(0));
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 1; i <= 5; i++) w.update([row(i)], prog(i));
    await new Promise((r) => setTimeout(r, 40));
    expect(saved.map((p) => p.cursor)).toEqual([0]); // the rows wait for the gap
    w.update([], prog(5, 'paused'));
    await new Promise((r) => setTimeout(r, 40));
    expect(saved.map((p) => [p.cursor, p.status])).toEqual([
      [0, 'running'],
      [5, 'paused'],
    ]);
    w.update([row(6)], prog(6));
    await w.idle();
    expect(saved.map((p) => p.cursor)).toEqual([0, 5, 6]);
    expect((await readCheckpoint(K))?.rows).toHaveLength(6);
  });

  it('a full disk is a sentence; the rows stay queued and land with the next write that succeeds', async () => {
    const errors: string[] = [];
    const w = new CheckpointWriter({ onSaved: () => undefined, onError: (m) => errors.push(m) }, { retryMs: 20, gapMs: 0 });
    w.start(K, FILE, prog(0));
    w.update([row(1)], prog(1));
    await w.idle();
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (this.name === 'batchRows') throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return put.apply(this, args);
    };
    try {
      w.update([row(2)], prog(2));
      w.update([row(3)], prog(3));
      await w.idle();
      expect(errors[0]).toMatch(/^The checkpoint could not be saved: the browser's storage is full/);
      expect(errors[0]).toMatch(/keeps running in memory/);
      expect((await readCheckpoint(K))?.progress.cursor).toBe(1);
    } finally {
      IDBObjectStore.prototype.put = put;
    }
    w.update([row(4)], prog(4));
    await new Promise((r) => setTimeout(r, 60));
    await w.idle();
    const cp = await readCheckpoint(K);
    expect(cp?.progress.cursor).toBe(4);
    expect(cp?.rows.map((r) => r.row.line)).toEqual([1, 2, 3, 4]);
  });

  it('discard deletes after the write in flight', async () => {
    const w = new CheckpointWriter({ onSaved: () => undefined, onError: (m) => expect.fail(m) });
    w.start(K, FILE, prog(0));
    w.update([row(1)], prog(1));
    const gone = w.discard();
    w.update([row(2)], prog(2)); // a batch that is no longer saved writes nothing
    await gone;
    await w.idle();
    expect(await readCheckpoint(K)).toBeNull();
  });

  it('two batches (two tabs) keep their own checkpoints: starting one never touches the other', async () => {
    // Tab A: an 800-trace file; tab B: a 40-trace file under the same model, run to the end.
    const fileA: CheckpointFile = { ...FILE, name: 'a.jsonl', text: 'a\n'.repeat(800), total: 800, model: 'tiny/fp32-cpu', formulation: 'v2' };
    const fileB: CheckpointFile = { ...FILE, name: 'b.jsonl', text: 'b\n'.repeat(40), total: 40, model: 'tiny/fp32-cpu', formulation: 'v2' };
    const a = new CheckpointWriter({ onSaved: () => undefined, onError: (m) => expect.fail(m) }, { gapMs: 0 });
    const b = new CheckpointWriter({ onSaved: () => undefined, onError: (m) => expect.fail(m) }, { gapMs: 0 });
    const kA = batchKey(fileA);
    const kB = batchKey(fileB);
    expect(kA).not.toBe(kB);
    a.start(kA, fileA, prog(0));
    for (let i = 1; i <= 6; i++) a.update([row(i)], prog(i));
    await a.idle();
    b.start(kB, fileB, prog(0));
    for (let i = 1; i <= 40; i++) b.update([row(i)], prog(i));
    b.update([], prog(40, 'done'));
    await b.idle();
    const cpA = await readCheckpoint(kA);
    expect(cpA?.file.name).toBe('a.jsonl');
    expect(cpA?.progress).toEqual(prog(6));
    expect(cpA?.rows.map((r) => r.row.line)).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await readCheckpoint(kB))?.rows).toHaveLength(40);
    expect((await listCheckpoints()).map((c) => c.file.name).sort()).toEqual(['a.jsonl', 'b.jsonl']);
    // The same file under another model or formulation is another batch.
    expect(batchKey({ ...fileA, model: 'tiny/int4-cpu' })).not.toBe(kA);
    expect(batchKey({ ...fileA, formulation: 'v1' })).not.toBe(kA);
    // Discarding B leaves A whole.
    await b.discard();
    expect((await readCheckpoint(kA))?.rows).toHaveLength(6);
    expect(await readCheckpoint(kB)).toBeNull();
    recordProbe({ area: 'batch checkpoint (IndexedDB)', input: 'two tabs: an 800-trace batch checkpointed, a 40-trace batch started and finished in another tab', outcome: 'handled', kept: "both batches' checkpoints, each under its own key (file hash + model + formulation)" });
  });

  it('a version-1 database (one slot per browser) is upgraded with its checkpoint kept', async () => {
    await closeCheckpointDb();
    await new Promise<void>((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => {
        req.result.createObjectStore('meta');
        req.result.createObjectStore('rows');
      };
      req.onsuccess = () => {
        const db = req.result;
        const tx = db.transaction(['meta', 'rows'], 'readwrite');
        tx.objectStore('meta').put(FILE, 'file');
        tx.objectStore('meta').put(prog(3, 'paused'), 'progress');
        for (const l of [1, 2, 3]) tx.objectStore('rows').put(row(l), l);
        tx.oncomplete = () => {
          db.close();
          resolve();
        };
        tx.onerror = () => reject(tx.error);
      };
      req.onerror = () => reject(req.error);
    });
    const list = await listCheckpoints();
    expect(list).toHaveLength(1);
    expect(list[0].file).toMatchObject({ ...FILE, model: '' });
    const cp = await readCheckpoint(list[0].key);
    expect(cp?.progress).toEqual(prog(3, 'paused'));
    expect(cp?.rows).toEqual([row(1), row(2), row(3)]);
    recordProbe({ area: 'batch checkpoint (IndexedDB)', input: 'a checkpoint saved by the one-slot layout (database version 1), then the app updated', outcome: 'handled', kept: 'the checkpoint with its rows and progress, offered for Resume' });
  });

  it('words other storage errors too', () => {
    expect(checkpointErrorSentence(new DOMException('this browser gives the page no IndexedDB', 'NotSupportedError'))).toBe(
      'The checkpoint could not be saved (this browser gives the page no IndexedDB). The batch keeps running in memory, but a reload now would lose it.',
    );
  });
});
