import { connection, isQuotaError, request, transact } from '../storage/idb';
import type { BatchMode, BatchStatus, LineProblem, ScoredTrace } from './batchStore';

/**
 * Checkpoints of a running batch in IndexedDB (database `cotk-batch`), so a reload loses nothing:
 * the file's text (re-read with the same parser on resume), how far the batch got and every row
 * scored so far. Two object stores: `meta` holds the records `file` and `progress`, `rows` one
 * scored trace per input line. A checkpoint is one readwrite transaction over both (the rows
 * scored since the last one, then the new progress), so a crash or an error mid-write leaves the
 * previous checkpoint whole: IndexedDB commits a transaction entirely or not at all. Each write
 * carries only what is new, so its cost does not grow with the rows already saved.
 */

export const DB_NAME = 'cotk-batch';
const DB_VERSION = 1;
const META = 'meta';
const ROWS = 'rows';
/** The layout of the records below; a checkpoint of another version is not resumed. */
export const CHECKPOINT_VERSION = 1;

export interface CheckpointFile {
  readonly version: number;
  readonly name: string;
  readonly text: string;
  readonly mode: BatchMode;
  /** Generate mode's cap on new tokens (null: the engine's default). */
  readonly maxTokens: number | null;
  /** Traces (or prompts) the file holds. */
  readonly total: number;
  readonly bad: readonly LineProblem[];
}

export interface CheckpointProgress {
  /** Items handled (scored or failed), in file order. */
  readonly cursor: number;
  readonly failed: readonly LineProblem[];
  readonly status: BatchStatus;
  /** Milliseconds spent running so far. */
  readonly activeMs: number;
  /** Date.now() of the write. */
  readonly savedAt: number;
}

export interface Checkpoint {
  readonly file: CheckpointFile;
  readonly progress: CheckpointProgress;
  /** In file order. */
  readonly rows: readonly ScoredTrace[];
}

const checkpoints = connection({
  name: DB_NAME,
  version: DB_VERSION,
  upgrade: (db) => {
    if (!db.objectStoreNames.contains(META)) db.createObjectStore(META);
    if (!db.objectStoreNames.contains(ROWS)) db.createObjectStore(ROWS);
  },
});

export const openCheckpointDb = checkpoints.get;

/** Closes the connection (tests, so fake-indexeddb can delete the database between them). */
export const closeCheckpointDb = checkpoints.close;

export interface WriteTiming {
  /** Main-thread time of the write: opening the transaction and cloning the records into it. */
  readonly syncMs: number;
  /** From the start of the write to its commit. */
  readonly commitMs: number;
}

/**
 * One checkpoint, atomically: with `file`, everything saved before is dropped and the file record
 * written first (the start of a batch); then `rows` and `progress`.
 */
export async function writeCheckpoint(file: CheckpointFile | null, rows: readonly ScoredTrace[], progress: CheckpointProgress): Promise<WriteTiming> {
  const db = await openCheckpointDb();
  const t0 = performance.now();
  let syncMs = 0;
  // A record that cannot be stored (a clone error, a quota the browser checks early) throws in the
  // body: transact aborts the transaction, so nothing of this checkpoint lands and the previous stays.
  await transact(db, [META, ROWS], 'readwrite', (tx) => {
    const meta = tx.objectStore(META);
    const store = tx.objectStore(ROWS);
    if (file) {
      meta.clear();
      store.clear();
      meta.put(file, 'file');
    }
    for (const r of rows) store.put(r, r.row.line);
    meta.put(progress, 'progress');
    syncMs = performance.now() - t0;
  });
  return { syncMs, commitMs: performance.now() - t0 };
}

/** The saved checkpoint, or null when there is none (or one of another layout version). */
export async function readCheckpoint(): Promise<Checkpoint | null> {
  const db = await openCheckpointDb();
  const [file, progress, rows] = await transact(db, [META, ROWS], 'readonly', (tx) => {
    const meta = tx.objectStore(META);
    return Promise.all([
      request(meta.get('file') as IDBRequest<CheckpointFile | undefined>),
      request(meta.get('progress') as IDBRequest<CheckpointProgress | undefined>),
      request(tx.objectStore(ROWS).getAll() as IDBRequest<ScoredTrace[]>),
    ]);
  });
  if (!file || !progress || file.version !== CHECKPOINT_VERSION) return null;
  // Keys are line numbers, so getAll returns the rows in file order already.
  return { file, progress, rows };
}

/** Drops the checkpoint (Discard). */
export async function deleteCheckpoint(): Promise<void> {
  const db = await openCheckpointDb();
  await transact(db, [META, ROWS], 'readwrite', (tx) => {
    tx.objectStore(META).clear();
    tx.objectStore(ROWS).clear();
  });
}

function isQuota(e: unknown): boolean {
  const inner = (e as { inner?: unknown } | null)?.inner;
  return isQuotaError(e) || (inner !== undefined && isQuotaError(inner)) || (e instanceof Error && /quota/i.test(e.message));
}

/** A failed checkpoint write as the sentence the batch view shows. */
export function checkpointErrorSentence(e: unknown): string {
  if (isQuota(e)) {
    return "The checkpoint could not be saved: the browser's storage is full (free some space for this site, or export the results when the batch ends). The batch keeps running in memory, but a reload now would lose it.";
  }
  const why = e instanceof Error || e instanceof DOMException ? e.message : String(e);
  return `The checkpoint could not be saved (${why.replace(/\.$/, '')}). The batch keeps running in memory, but a reload now would lose it.`;
}

export interface CheckpointStats {
  readonly writes: number;
  readonly rows: number;
  /** Summed over all writes. */
  readonly syncMs: number;
  readonly commitMs: number;
  readonly maxSyncMs: number;
}

export const NO_STATS: CheckpointStats = { writes: 0, rows: 0, syncMs: 0, commitMs: 0, maxSyncMs: 0 };

/** After a failed write, the next try waits this long (a full disk does not empty in a moment). */
export const RETRY_MS = 3000;

interface WriterHooks {
  /** After every write that landed, with what the writes have cost so far and the progress saved. */
  readonly onSaved: (stats: CheckpointStats, progress: CheckpointProgress) => void;
  readonly onError: (sentence: string) => void;
}

/** While a batch runs, checkpoints are at most this often (pause, cancel, the end and a start are written at once). */
export const CHECKPOINT_GAP_MS = 1000;

/**
 * Writes checkpoints behind the batch loop without ever making it wait: `update` only queues, and
 * one write runs at a time, at most one every `gapMs` while the batch runs (a status change is
 * written at once). Whatever arrives in between is folded into the next write (every row since,
 * with the latest progress), so a slow disk means fewer, larger writes, never a backlog. A failed
 * write keeps its rows queued for the next try, so a checkpoint on disk always holds every row its
 * progress counts.
 */
export class CheckpointWriter {
  private file: CheckpointFile | null = null;
  private fileNeeded = false;
  private pending: ScoredTrace[] = [];
  private progress: CheckpointProgress | null = null;
  private writing = false;
  /** A status change (or a start) waits for no gap. */
  private urgent = false;
  private lastStart = -Infinity;
  private retryAt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private chain: Promise<void> = Promise.resolve();
  private stats: CheckpointStats = NO_STATS;
  /** Bumped by start, adopt and discard: a write that fails after one must not requeue the old batch's rows. */
  private gen = 0;
  private readonly retryMs: number;
  private readonly gapMs: number;

  constructor(
    private readonly hooks: WriterHooks,
    options: { readonly retryMs?: number; readonly gapMs?: number } = {},
  ) {
    this.retryMs = options.retryMs ?? RETRY_MS;
    this.gapMs = options.gapMs ?? CHECKPOINT_GAP_MS;
  }

  /** A new batch: the next write replaces whatever was saved with this file and progress. */
  start(file: CheckpointFile, progress: CheckpointProgress): void {
    this.gen++;
    this.file = file;
    this.fileNeeded = true;
    this.pending = [];
    this.progress = progress;
    this.stats = NO_STATS;
    this.urgent = true;
    this.schedule();
  }

  /** Continues a batch restored from the saved checkpoint (its file record is already there). */
  adopt(file: CheckpointFile): void {
    this.gen++;
    this.file = file;
    this.fileNeeded = false;
    this.pending = [];
    this.progress = null;
    this.stats = NO_STATS;
  }

  /** Rows handled since the last call, and where the batch is now. */
  update(rows: readonly ScoredTrace[], progress: CheckpointProgress): void {
    if (!this.file) return;
    this.pending.push(...rows);
    this.progress = progress;
    if (progress.status !== 'running') this.urgent = true;
    this.schedule();
  }

  /** Forgets the batch and deletes the saved checkpoint (after any write in flight). */
  discard(): Promise<void> {
    this.gen++;
    this.file = null;
    this.fileNeeded = false;
    this.pending = [];
    this.progress = null;
    this.clearTimer();
    this.retryAt = 0;
    return this.enqueue(() => deleteCheckpoint());
  }

  /** Resolves once nothing is left to write, or only a retry after an error waits (tests, measurements). */
  async idle(): Promise<void> {
    for (;;) {
      const c = this.chain;
      await c;
      if (c !== this.chain) continue;
      if (!this.writing && (this.progress === null || this.retryAt > performance.now())) return;
      const gap = this.writing ? 0 : this.lastStart + this.gapMs - performance.now();
      await new Promise((r) => setTimeout(r, Math.max(0, gap) + 1));
    }
  }

  private enqueue(op: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(op, op).catch(() => undefined);
    return this.chain;
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.writing) return;
    this.clearTimer();
    const now = performance.now();
    const wait = Math.max(this.retryAt - now, this.urgent ? 0 : this.lastStart + this.gapMs - now);
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.schedule();
      }, wait);
      return;
    }
    this.writing = true;
    this.urgent = false;
    this.lastStart = now;
    void this.enqueue(() => this.writeOnce());
  }

  private async writeOnce(): Promise<void> {
    const progress = this.progress;
    const rows = this.pending;
    const file = this.fileNeeded ? this.file : null;
    const gen = this.gen;
    this.pending = [];
    this.progress = null;
    try {
      if (!progress || !this.file) return;
      const t = await writeCheckpoint(file, rows, progress);
      if (gen === this.gen) this.fileNeeded = false;
      const s = this.stats;
      this.stats = { writes: s.writes + 1, rows: s.rows + rows.length, syncMs: s.syncMs + t.syncMs, commitMs: s.commitMs + t.commitMs, maxSyncMs: Math.max(s.maxSyncMs, t.syncMs) };
      this.hooks.onSaved(this.stats, progress);
    } catch (e) {
      // Nothing of this write landed: its rows go back in front of what came since.
      if (progress && gen === this.gen) {
        this.pending = [...rows, ...this.pending];
        this.progress ??= progress;
        if (progress.status !== 'running') this.urgent = true;
        this.retryAt = performance.now() + this.retryMs;
      }
      this.hooks.onError(checkpointErrorSentence(e));
    } finally {
      this.writing = false;
      if (this.progress) this.schedule();
    }
  }
}
