import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CHECKPOINT_VERSION,
  CheckpointWriter,
  checkpointErrorSentence,
  closeCheckpointDb,
  DB_NAME,
  deleteCheckpoint,
  readCheckpoint,
  writeCheckpoint,
  type CheckpointFile,
  type CheckpointProgress,
  type CheckpointStats,
} from '../../../src/state/batchCheckpoint';
import type { ScoredTrace } from '../../../src/state/batchStore';

/**
 * The batch checkpoint store on a real IndexedDB implementation (fake-indexeddb): what is written
 * reads back, a write that fails midway leaves the previous checkpoint whole, a full disk becomes
 * a sentence and its rows are written by the next successful try.
 */

const FILE: CheckpointFile = { version: CHECKPOINT_VERSION, name: 't.jsonl', text: 'x\n', mode: 'traces', maxTokens: null, total: 10, bad: [{ line: 3, message: 'bad' }] };

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
    await writeCheckpoint(FILE, [row(1), row(2)], prog(2));
    await writeCheckpoint(null, [row(4)], prog(4));
    const cp = await readCheckpoint();
    expect(cp?.file).toEqual(FILE);
    expect(cp?.progress).toEqual(prog(4));
    expect(cp?.rows).toEqual([row(1), row(2), row(4)]);
    await writeCheckpoint({ ...FILE, name: 'u.jsonl' }, [row(9)], prog(1));
    const again = await readCheckpoint();
    expect(again?.file.name).toBe('u.jsonl');
    expect(again?.rows).toEqual([row(9)]);
    await deleteCheckpoint();
    expect(await readCheckpoint()).toBeNull();
    // The database is the one the brief names.
    expect((await indexedDB.databases()).map((d) => d.name)).toContain(DB_NAME);
  });

  it('a write that fails midway leaves the previous checkpoint whole', async () => {
    await writeCheckpoint(FILE, [row(1), row(2)], prog(2));
    // The second row cannot be cloned: put() throws after the first row is already in the transaction.
    const poisoned = { ...row(4), output: (() => 'x') as unknown as string };
    await expect(writeCheckpoint(null, [row(3), poisoned], prog(4))).rejects.toThrow();
    const cp = await readCheckpoint();
    expect(cp?.progress).toEqual(prog(2));
    expect(cp?.rows).toEqual([row(1), row(2)]);
    // A restart that fails must not have cleared the old batch either.
    await expect(writeCheckpoint({ ...FILE, name: 'other' }, [poisoned], prog(1))).rejects.toThrow();
    expect((await readCheckpoint())?.file).toEqual(FILE);
  });

  it('ignores a checkpoint of another layout version', async () => {
    await writeCheckpoint({ ...FILE, version: CHECKPOINT_VERSION + 1 }, [row(1)], prog(1));
    expect(await readCheckpoint()).toBeNull();
  });

  it('the writer folds updates that arrive during a write into the next one, never losing a row', async () => {
    const saved: CheckpointStats[] = [];
    const w = new CheckpointWriter({ onSaved: (s) => saved.push(s), onError: (m) => expect.fail(m) }, { gapMs: 0 });
    w.start(FILE, prog(0));
    for (let i = 1; i <= 30; i++) w.update([row(i)], prog(i));
    w.update([], prog(30, 'done'));
    await w.idle();
    const cp = await readCheckpoint();
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
    w.start(FILE, prog(0));
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
    expect((await readCheckpoint())?.rows).toHaveLength(6);
  });

  it('a full disk is a sentence; the rows stay queued and land with the next write that succeeds', async () => {
    const errors: string[] = [];
    const w = new CheckpointWriter({ onSaved: () => undefined, onError: (m) => errors.push(m) }, { retryMs: 20, gapMs: 0 });
    w.start(FILE, prog(0));
    w.update([row(1)], prog(1));
    await w.idle();
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (this.name === 'rows') throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return put.apply(this, args);
    };
    try {
      w.update([row(2)], prog(2));
      w.update([row(3)], prog(3));
      await w.idle();
      expect(errors[0]).toMatch(/^The checkpoint could not be saved: the browser's storage is full/);
      expect(errors[0]).toMatch(/keeps running in memory/);
      expect((await readCheckpoint())?.progress.cursor).toBe(1);
    } finally {
      IDBObjectStore.prototype.put = put;
    }
    w.update([row(4)], prog(4));
    await new Promise((r) => setTimeout(r, 60));
    await w.idle();
    const cp = await readCheckpoint();
    expect(cp?.progress.cursor).toBe(4);
    expect(cp?.rows.map((r) => r.row.line)).toEqual([1, 2, 3, 4]);
  });

  it('discard deletes after the write in flight', async () => {
    const w = new CheckpointWriter({ onSaved: () => undefined, onError: (m) => expect.fail(m) });
    w.start(FILE, prog(0));
    w.update([row(1)], prog(1));
    const gone = w.discard();
    w.update([row(2)], prog(2)); // a batch that is no longer saved writes nothing
    await gone;
    await w.idle();
    expect(await readCheckpoint()).toBeNull();
  });

  it('words other storage errors too', () => {
    expect(checkpointErrorSentence(new DOMException('this browser gives the page no IndexedDB', 'NotSupportedError'))).toBe(
      'The checkpoint could not be saved (this browser gives the page no IndexedDB). The batch keeps running in memory, but a reload now would lose it.',
    );
  });
});
