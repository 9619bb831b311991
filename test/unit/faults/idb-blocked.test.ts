import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { connection, openDatabase, StorageBlockedError, StorageUnavailableError, explainStorageError } from '../../../src/storage/idb';
import { recordProbe } from '../../reliability';

/**
 * IndexedDB blocked by another tab's open upgrade (issue #14): another tab holds an older version
 * open and ignores `versionchange`. Opening must not hang with no word: it says history is off here
 * (a StorageUnavailableError, which the app shows as history off), and nothing is lost: the data of
 * the older version is there once the other tab lets go, and the next open succeeds.
 */
const raw = (name: string, version: number, upgrade?: (db: IDBDatabase) => void) =>
  new Promise<IDBDatabase>((resolve, reject) => {
    const r = indexedDB.open(name, version);
    r.onupgradeneeded = () => upgrade?.(r.result);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });

describe('IndexedDB blocked by another tab', () => {
  it('an upgrade blocked by a tab that keeps the old version open is refused with a sentence at once, and loses nothing', async () => {
    const other = await raw('blocked-db', 1, (db) => db.createObjectStore('s').put('kept', 'k'));
    other.onversionchange = () => undefined; // the other tab does not let go
    let blocked = 0;
    const err = await openDatabase({ name: 'blocked-db', version: 2, upgrade: (db) => db.createObjectStore('t'), onBlocked: () => blocked++ }).catch((e: unknown) => e);
    expect(blocked).toBe(1);
    expect(err).toBeInstanceOf(StorageBlockedError);
    expect(err).toBeInstanceOf(StorageUnavailableError);
    const said = explainStorageError(err);
    expect(said).toMatch(/^Another tab of this app still has its saved history open in an older version, so history is off in this tab until that tab is closed or reloaded\./);
    other.close();
    const db = await openDatabase({ name: 'blocked-db', version: 2, upgrade: (d) => { if (!d.objectStoreNames.contains('t')) d.createObjectStore('t'); } });
    expect(db.version).toBe(2);
    expect([...db.objectStoreNames].sort()).toEqual(['s', 't']);
    const kept = await new Promise((resolve) => {
      const r = db.transaction('s').objectStore('s').get('k');
      r.onsuccess = () => resolve(r.result);
    });
    expect(kept).toBe('kept');
    db.close();
    recordProbe({ area: 'history (IndexedDB)', input: 'another tab holds an older version open and ignores versionchange (blocked upgrade)', outcome: 'handled', said, kept: 'the older version’s data; the next open after that tab lets go upgrades it' });
  });

  it('a shared connection refused while blocked opens on the next call once the other tab lets go', async () => {
    const other = await raw('blocked-conn', 1, (db) => db.createObjectStore('s').put('kept', 'k'));
    other.onversionchange = () => undefined;
    const conn = connection({ name: 'blocked-conn', version: 2, upgrade: (db) => { if (!db.objectStoreNames.contains('t')) db.createObjectStore('t'); } });
    await expect(conn.get()).rejects.toBeInstanceOf(StorageBlockedError);
    other.close();
    const db = await conn.get();
    expect(db.version).toBe(2);
    expect([...db.objectStoreNames].sort()).toEqual(['s', 't']);
    await conn.close();
  });
});
