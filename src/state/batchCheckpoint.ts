import { connection, isQuotaError, request, transact } from '../storage/idb';
import type { BatchMode, BatchStatus, LineProblem, ScoredTrace } from './batchStore';

/**
 * Checkpoints of running batches in IndexedDB (database `cotk-batch`), so a reload loses nothing:
 * the file's text (re-read with the same parser on resume), how far the batch got and every row
 * scored so far. Every batch has its own checkpoint under its key (the file's hash, the model, the
 * formulation, the mode and generate mode's token cap: {@link batchKey}), so two tabs running two
 * batches never touch each other's records. Two object stores: `batches` holds one record per
 * batch (file and progress), `batchRows` one scored trace per input line under [key, line]. A
 * checkpoint is one readwrite transaction over both (the rows scored since the last one, then the
 * new progress), so a crash or an error mid-write leaves the previous checkpoint whole: IndexedDB
 * commits a transaction entirely or not at all. Each write carries only what is new, so its cost
 * does not grow with the rows already saved.
 *
 * Version 1 of the database had one slot per browser (`meta`/`rows`): the upgrade moves a saved
 * checkpoint into the new stores under its key (model unknown), so nothing saved is lost.
 */

export const DB_NAME = 'cotk-batch';
const DB_VERSION = 2;
const BATCHES = 'batches';
const ROWS = 'batchRows';
/** The layout of the records below; a checkpoint of another version is not resumed. */
export const CHECKPOINT_VERSION = 1;
/** Checkpoints kept beyond the tab's own: older ones are dropped when a batch starts. */
export const KEEP_CHECKPOINTS = 8;
/** The model of a checkpoint written before checkpoints named their model (database version 1). */
export const UNKNOWN_MODEL = '';

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
  /** The model that scored the rows ("name/variant"), or UNKNOWN_MODEL for a migrated checkpoint. */
  readonly model?: string;
  /** The CoT-Kinetics formulation the `cotk` column holds. */
  readonly formulation?: string;
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
  readonly key: string;
  readonly file: CheckpointFile;
  readonly progress: CheckpointProgress;
  /** In file order. */
  readonly rows: readonly ScoredTrace[];
}

/** A checkpoint without its rows (what a listing needs). */
export interface CheckpointSummary {
  readonly key: string;
  readonly file: CheckpointFile;
  readonly progress: CheckpointProgress;
}

interface BatchRecord {
  readonly file: CheckpointFile;
  readonly progress: CheckpointProgress | null;
}

/** 53-bit string hash (cyrb53): synchronous, so the database upgrade can key a migrated checkpoint. */
export function textHash(s: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36).padStart(11, '0');
}

/** The key of a batch: what made its rows. The same file under another model or formulation is another batch. */
export function batchKey(f: Pick<CheckpointFile, 'text' | 'mode' | 'maxTokens' | 'model' | 'formulation'>): string {
  return [textHash(f.text), f.text.length, f.mode, f.maxTokens ?? 'default', f.model ?? UNKNOWN_MODEL, f.formulation ?? 'v2'].join('|');
}

const rowRange = (key: string) => IDBKeyRange.bound([key, -Infinity], [key, Infinity]);

/** Moves version 1's single slot (meta: file, progress; rows by line) into the per-batch stores. */
function migrateV1(db: IDBDatabase, tx: IDBTransaction): void {
  const batches = db.createObjectStore(BATCHES);
  const rows = db.createObjectStore(ROWS);
  if (!db.objectStoreNames.contains('meta') || !db.objectStoreNames.contains('rows')) return;
  const meta = tx.objectStore('meta');
  const oldRows = tx.objectStore('rows');
  const fileReq = meta.get('file') as IDBRequest<CheckpointFile | undefined>;
  const progReq = meta.get('progress') as IDBRequest<CheckpointProgress | undefined>;
  const rowsReq = oldRows.getAll() as IDBRequest<ScoredTrace[]>;
  rowsReq.onsuccess = () => {
    const file = fileReq.result;
    if (file) {
      const migrated: CheckpointFile = { ...file, model: UNKNOWN_MODEL, formulation: 'v2' };
      const key = batchKey(migrated);
      batches.put({ file: migrated, progress: progReq.result ?? null } satisfies BatchRecord, key);
      for (const r of rowsReq.result) rows.put(r, [key, r.row.line]);
    }
    db.deleteObjectStore('meta');
    db.deleteObjectStore('rows');
  };
}

const checkpoints = connection({
  name: DB_NAME,
  version: DB_VERSION,
  upgrade: (db, oldVersion, tx) => {
    if (oldVersion === 1) return migrateV1(db, tx);
    if (!db.objectStoreNames.contains(BATCHES)) db.createObjectStore(BATCHES);
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
 * One checkpoint of batch `key`, atomically: with `file`, everything saved before under this key is
 * dropped and the file record written first (the start of a batch); then `rows` and `progress`.
 * Other batches' records are never touched.
 */
export async function writeCheckpoint(key: string, file: CheckpointFile | null, rows: readonly ScoredTrace[], progress: CheckpointProgress): Promise<WriteTiming> {
  const db = await openCheckpointDb();
  const t0 = performance.now();
  let syncMs = 0;
  // A record that cannot be stored (a clone error, a quota the browser checks early) throws in the
  // body: transact aborts the transaction, so nothing of this checkpoint lands and the previous stays.
  await transact(db, [BATCHES, ROWS], 'readwrite', async (tx) => {
    const batches = tx.objectStore(BATCHES);
    const store = tx.objectStore(ROWS);
    let f = file;
    if (f) {
      store.delete(rowRange(key));
    } else {
      // The file record is this batch's own, written at its start; a batch whose record is gone
      // (discarded in another tab) has nothing to continue: the write says so and changes nothing.
      const rec = await request(batches.get(key) as IDBRequest<BatchRecord | undefined>);
      if (!rec) throw new Error('its saved record is gone (discarded in another tab?)');
      f = rec.file;
    }
    for (const r of rows) store.put(r, [key, r.row.line]);
    batches.put({ file: f, progress } satisfies BatchRecord, key);
    syncMs = performance.now() - t0;
  });
  return { syncMs, commitMs: performance.now() - t0 };
}

/** The saved checkpoint of batch `key`, or null when there is none (or one of another layout version). */
export async function readCheckpoint(key: string): Promise<Checkpoint | null> {
  const db = await openCheckpointDb();
  const [rec, rows] = await transact(db, [BATCHES, ROWS], 'readonly', (tx) =>
    Promise.all([request(tx.objectStore(BATCHES).get(key) as IDBRequest<BatchRecord | undefined>), request(tx.objectStore(ROWS).getAll(rowRange(key)) as IDBRequest<ScoredTrace[]>)]),
  );
  if (!rec?.progress || rec.file.version !== CHECKPOINT_VERSION) return null;
  // Keys are [key, line], so getAll returns the rows in file order already.
  return { key, file: rec.file, progress: rec.progress, rows };
}

/** Every saved checkpoint of this layout version, most recently saved first (without rows). */
export async function listCheckpoints(): Promise<CheckpointSummary[]> {
  const db = await openCheckpointDb();
  const [keys, recs] = await transact(db, BATCHES, 'readonly', (tx) =>
    Promise.all([request(tx.objectStore(BATCHES).getAllKeys()), request(tx.objectStore(BATCHES).getAll() as IDBRequest<BatchRecord[]>)]),
  );
  const out: CheckpointSummary[] = [];
  keys.forEach((k, i) => {
    const r = recs[i];
    if (r.progress && r.file.version === CHECKPOINT_VERSION) out.push({ key: String(k), file: r.file, progress: r.progress });
  });
  return out.sort((a, b) => b.progress.savedAt - a.progress.savedAt);
}

/** Drops the checkpoint of batch `key` (Discard); others stay. */
export async function deleteCheckpoint(key: string): Promise<void> {
  const db = await openCheckpointDb();
  await transact(db, [BATCHES, ROWS], 'readwrite', (tx) => {
    tx.objectStore(BATCHES).delete(key);
    tx.objectStore(ROWS).delete(rowRange(key));
  });
}

/** Drops all but the `keep` most recently saved checkpoints, never one in `spare` (batches open in a tab). */
export async function pruneCheckpoints(keep: number, spare: ReadonlySet<string>): Promise<void> {
  const all = await listCheckpoints();
  for (const c of all.filter((c) => !spare.has(c.key)).slice(keep)) await deleteCheckpoint(c.key);
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
  private key: string | null = null;
  /** Whether this tab holds the batch (batchClaim.ts): no write lands before it says yes. */
  private claim: Promise<boolean> = Promise.resolve(true);
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

  /** A new batch: the next write replaces whatever was saved under its key with this file and progress. */
  start(key: string, file: CheckpointFile, progress: CheckpointProgress, claim: Promise<boolean> = Promise.resolve(true)): void {
    this.gen++;
    this.claim = claim;
    this.key = key;
    this.file = file;
    this.fileNeeded = true;
    this.pending = [];
    this.progress = progress;
    this.stats = NO_STATS;
    this.urgent = true;
    this.schedule();
  }

  /** Continues a batch restored from the saved checkpoint (its file record is already there). */
  adopt(key: string, file: CheckpointFile): void {
    this.gen++;
    this.key = key;
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

  /** Stops writing for the batch (a new file replaced it, or another tab holds it); its checkpoint stays. */
  detach(): void {
    this.gen++;
    this.key = null;
    this.file = null;
    this.fileNeeded = false;
    this.pending = [];
    this.progress = null;
    this.clearTimer();
  }

  /** The key of the batch this writer writes, or null. */
  current(): string | null {
    return this.key;
  }

  /** Forgets the batch and deletes its saved checkpoint, or the one under `key` (after any write in flight). */
  discard(key: string | null = this.key): Promise<void> {
    this.gen++;
    this.key = null;
    this.file = null;
    this.fileNeeded = false;
    this.pending = [];
    this.progress = null;
    this.clearTimer();
    this.retryAt = 0;
    return this.enqueue(() => (key === null ? Promise.resolve() : deleteCheckpoint(key)));
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
    const key = this.key;
    this.pending = [];
    this.progress = null;
    try {
      if (!progress || !this.file || key === null) return;
      if (!(await this.claim) || gen !== this.gen) return;
      const t = await writeCheckpoint(key, file, rows, progress);
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
