import { formatBytes } from './size';

/**
 * A small promise wrapper over IndexedDB. Every write resolves only once its transaction has
 * completed (the data is committed), and rejects when it aborts, so nothing half-written is ever
 * reported as saved. Several writes in one `transact` call are one transaction: all land or none.
 */

/** IndexedDB is missing or refused (an old browser, some private windows, a sandboxed frame). */
export class StorageUnavailableError extends Error {
  override readonly name: string = 'StorageUnavailableError';
}

/** Another tab holds an older version of the database open and does not let go (an open upgrade). */
export class StorageBlockedError extends StorageUnavailableError {
  override readonly name = 'StorageBlockedError';
}

export interface OpenOptions {
  readonly name: string;
  readonly version: number;
  /** Creates or migrates the object stores; runs inside the version-change transaction. */
  readonly upgrade: (db: IDBDatabase, oldVersion: number, tx: IDBTransaction) => void;
  /** Another tab keeps an older version open; it is asked to close (see onversionchange). */
  readonly onBlocked?: () => void;
  /** The factory (default: the global indexedDB). */
  readonly factory?: IDBFactory;
}

function globalFactory(): IDBFactory | undefined {
  return typeof indexedDB === 'undefined' ? undefined : indexedDB;
}

/** Opens (and creates or upgrades) a database. */
export function openDatabase(o: OpenOptions): Promise<IDBDatabase> {
  const factory = o.factory ?? globalFactory();
  if (!factory) {
    return Promise.reject(new StorageUnavailableError('This browser offers no IndexedDB here (it may be a private window or a sandboxed page), so runs cannot be kept between visits.'));
  }
  return new Promise((resolve, reject) => {
    let req: IDBOpenDBRequest;
    try {
      req = factory.open(o.name, o.version);
    } catch (e) {
      // SecurityError: storage refused for this origin (file://, a sandboxed frame, blocked cookies,
      // some private windows). Reported as unavailable storage, so history says it is off and the
      // rest of the app runs on.
      const name = e && typeof e === 'object' && 'name' in e ? String(e.name) : '';
      reject(name === 'SecurityError' || name === 'InvalidStateError' || name === 'TypeError' ? new StorageUnavailableError(explainStorageError(e)) : e);
      return;
    }
    req.onupgradeneeded = (ev) => {
      const tx = req.transaction;
      if (!tx) return;
      try {
        o.upgrade(req.result, ev.oldVersion, tx);
      } catch (e) {
        tx.abort();
        reject(e);
      }
    };
    // Blocked: another tab keeps an older version open and ignores the request to close. Waiting
    // would hang every history call with no word, so the caller hears at once that storage is off
    // here, with why; the request stays queued, and if it opens later that connection is closed
    // (the next call opens afresh, after the upgrade has run).
    let gaveUp = false;
    req.onblocked = () => {
      gaveUp = true;
      o.onBlocked?.();
      reject(new StorageBlockedError('Another tab of this app still has its saved history open in an older version, so history is off in this tab until that tab is closed or reloaded. Nothing else is affected.'));
    };
    req.onsuccess = () => {
      if (gaveUp) req.result.close();
      else resolve(req.result);
    };
    req.onerror = () => reject(req.error ?? new Error(`IndexedDB could not open ${o.name}`));
  });
}

export interface Connection {
  /** The open database, opened on first use and reopened after it was let go. */
  readonly get: () => Promise<IDBDatabase>;
  /** Closes it (tests delete the database between cases). */
  readonly close: () => Promise<void>;
}

/**
 * One connection to a database, shared by every caller. It lets go when another tab upgrades or
 * deletes the database (or the browser closes it) and when opening fails (the user may free space
 * or allow storage), so the next call opens it again.
 */
export function connection(o: OpenOptions): Connection {
  let current: Promise<IDBDatabase> | null = null;
  const get = (): Promise<IDBDatabase> => {
    if (current) return current;
    const p = openDatabase(o).then((db) => {
      db.onversionchange = () => {
        db.close();
        if (current === p) current = null;
      };
      db.onclose = () => {
        if (current === p) current = null;
      };
      return db;
    });
    current = p;
    p.catch(() => {
      if (current === p) current = null;
    });
    return p;
  };
  const close = async (): Promise<void> => {
    const p = current;
    current = null;
    if (p) (await p.catch(() => null))?.close();
  };
  return { get, close };
}

/** One request as a promise (use inside `transact`, where the transaction awaits its completion). */
export function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('an IndexedDB request failed'));
  });
}

/** Resolves when the transaction has committed; rejects with its error when it aborts. */
export function transactionDone(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    // A quota failure shows up here: the writes were accepted, then the commit failed and rolled back.
    // A failed request aborts the whole transaction (its error event is never prevented here), and
    // the abort reports it: tx.error is that request's error.
    tx.onabort = () => reject(tx.error ?? new DOMException('The storage transaction was aborted, so nothing was written.', 'AbortError'));
  });
}

/**
 * Runs `body` in one transaction over `stores` and resolves with its value once the transaction has
 * committed. When `body` throws (or a request in it fails) the transaction is aborted and the first
 * error is the one reported: every write in it is rolled back.
 */
export async function transact<T>(db: IDBDatabase, stores: string | readonly string[], mode: IDBTransactionMode, body: (tx: IDBTransaction) => T | Promise<T>): Promise<T> {
  const tx = db.transaction(typeof stores === 'string' ? stores : [...stores], mode);
  const done = transactionDone(tx);
  done.catch(() => undefined); // observed below; this keeps an early abort from counting as unhandled
  let value: T;
  try {
    value = await body(tx);
  } catch (e) {
    try {
      tx.abort();
    } catch {
      // already finished or aborted: the abort's own error is not the one to report
    }
    await done.catch(() => undefined);
    throw e;
  }
  await done;
  return value;
}

export function getOne<T>(db: IDBDatabase, store: string, key: IDBValidKey): Promise<T | undefined> {
  return transact(db, store, 'readonly', (tx) => request(tx.objectStore(store).get(key) as IDBRequest<T | undefined>));
}

export function getAll<T>(db: IDBDatabase, store: string): Promise<T[]> {
  return transact(db, store, 'readonly', (tx) => request(tx.objectStore(store).getAll() as IDBRequest<T[]>));
}

export async function putOne(db: IDBDatabase, store: string, value: unknown, key?: IDBValidKey): Promise<void> {
  await transact(db, store, 'readwrite', (tx) => {
    tx.objectStore(store).put(value, key);
  });
}

export async function deleteOne(db: IDBDatabase, store: string, key: IDBValidKey): Promise<void> {
  await transact(db, store, 'readwrite', (tx) => {
    tx.objectStore(store).delete(key);
  });
}

/** What the browser says it uses and allows for this site, or nulls where it does not say. */
export async function storageEstimate(): Promise<{ usage: number | null; quota: number | null }> {
  try {
    const est = typeof navigator !== 'undefined' && navigator.storage?.estimate ? await navigator.storage.estimate() : null;
    return { usage: est?.usage ?? null, quota: est?.quota ?? null };
  } catch {
    return { usage: null, quota: null };
  }
}

function errorName(e: unknown): string {
  if (e && typeof e === 'object' && 'name' in e && typeof e.name === 'string') return e.name;
  return '';
}

function errorCode(e: unknown): number | null {
  if (e && typeof e === 'object' && 'code' in e && typeof e.code === 'number') return e.code;
  return null;
}

function errorMessage(e: unknown): string {
  if (e && typeof e === 'object' && 'message' in e && typeof e.message === 'string') return e.message;
  return typeof e === 'string' ? e : '';
}

/** A quota failure, by any of its names: the standard one, the legacy code 22, Firefox's own. */
export function isQuotaError(e: unknown): boolean {
  const name = errorName(e);
  const code = errorCode(e);
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || code === 22 || code === 1014;
}

/** Sizes that make a storage sentence concrete; any may be unknown. */
export interface StorageSizes {
  /** What the failed write needed (its size estimate). */
  readonly needed?: number | null;
  readonly usage?: number | null;
  readonly quota?: number | null;
}

function sizesClause(s: StorageSizes): string {
  const parts: string[] = [];
  const known = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);
  if (known(s.needed)) parts.push(`it needed about ${formatBytes(s.needed)}`);
  if (known(s.usage) && known(s.quota)) parts.push(`the site uses ${formatBytes(s.usage)} of the ${formatBytes(s.quota)} the browser allows it`);
  else if (known(s.usage)) parts.push(`the site uses ${formatBytes(s.usage)}`);
  return parts.length ? ` (${parts.join('; ')})` : '';
}

/**
 * A storage failure as one clear sentence: what happened, in the user's terms, and what to do.
 * Quota errors come as DOMException 'QuotaExceededError' (code 22), as Firefox's
 * NS_ERROR_DOM_QUOTA_REACHED, and from Chrome on a full disk as 'UnknownError'.
 */
export function explainStorageError(e: unknown, sizes: StorageSizes = {}): string {
  const name = errorName(e);
  const msg = errorMessage(e);
  if (isQuotaError(e)) {
    return `The browser’s storage for this site is full${sizesClause(sizes)}. Delete older runs in History, or save without full states, and try again.`;
  }
  if (name === 'UnknownError') {
    return `The browser could not write to its storage${sizesClause(sizes)}; Chrome reports this when the disk is full or its database files are damaged. Free some disk space (or clear this site’s data) and try again.`;
  }
  if (e instanceof StorageUnavailableError) return e.message;
  if (name === 'SecurityError' || (name === 'InvalidStateError' && /mutation|private/i.test(msg))) {
    return 'This browser does not allow this page to store data (a private window, or site data blocked in the settings), so runs cannot be kept between visits.';
  }
  if (name === 'InvalidStateError') return 'The connection to the browser’s storage was closed (the site’s data may have been cleared in another tab); reload the page and try again.';
  if (name === 'VersionError') return 'The saved history was written by a newer version of this app; open the newer version (or clear this site’s data) to use it.';
  if (name === 'DataCloneError') return 'The run holds data the browser cannot store, so it was not saved; this is a bug in the app.';
  if (name === 'AbortError') return 'Saving was interrupted before it finished, so nothing was written; try again.';
  return `The browser’s storage failed${msg ? `: ${msg}` : ''}${/[.!?]$/.test(msg) ? '' : '.'}`;
}
