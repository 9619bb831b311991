/**
 * Where downloaded model files are kept so that a model loads offline the second time. An entry is
 * written only after its download completed and was checked, so a broken download never leaves a
 * broken entry behind.
 */
export interface ByteCache {
  get(key: string): Promise<Uint8Array | null>;
  put(key: string, data: Uint8Array): Promise<void>;
  delete(key: string): Promise<boolean>;
  keys(): Promise<string[]>;
}

export class MemoryCache implements ByteCache {
  private readonly entries = new Map<string, Uint8Array>();

  async get(key: string): Promise<Uint8Array | null> {
    return this.entries.get(key) ?? null;
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    this.entries.set(key, data);
  }

  async delete(key: string): Promise<boolean> {
    return this.entries.delete(key);
  }

  async keys(): Promise<string[]> {
    return [...this.entries.keys()];
  }
}

/** The header that carries an entry's SHA-256 (hex), written by put() and checked by get(). */
const SHA_HEADER = 'x-cotk-sha256';

async function sha256(data: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The browser's Cache Storage (page or worker). Keys are the files' URLs. */
export class CacheStorageCache implements ByteCache {
  constructor(readonly cacheName = 'cotk-models') {}

  private open(): Promise<Cache> {
    if (typeof caches === 'undefined') throw new Error('Cache Storage is not available in this context');
    return caches.open(this.cacheName);
  }

  /**
   * The entry, checked before use against the size and SHA-256 that put() recorded with it: an entry
   * damaged or cut short since (disk errors, a cleaner, another tool editing Cache Storage) is
   * deleted and reported as missing, so the caller downloads it again instead of scoring with it.
   */
  async get(key: string): Promise<Uint8Array | null> {
    const cache = await this.open();
    const res = await cache.match(key);
    if (!res) return null;
    const data = new Uint8Array(await res.arrayBuffer());
    const size = res.headers.get('content-length');
    const sha = res.headers.get(SHA_HEADER);
    const bad = (size !== null && /^\d+$/.test(size) && Number(size) !== data.byteLength) || (sha !== null && sha !== (await sha256(data)));
    if (bad) {
      await cache.delete(key);
      this.damaged.push(key);
      return null;
    }
    return data;
  }

  /** Keys found damaged (and deleted) by get() so far, for the load's notice. */
  readonly damaged: string[] = [];

  async put(key: string, data: Uint8Array): Promise<void> {
    const body = new Blob([data as Uint8Array<ArrayBuffer>]);
    const headers = { 'content-length': String(data.byteLength), [SHA_HEADER]: await sha256(data) };
    await (await this.open()).put(key, new Response(body, { headers }));
  }

  async delete(key: string): Promise<boolean> {
    return (await this.open()).delete(key);
  }

  async keys(): Promise<string[]> {
    return (await (await this.open()).keys()).map((r) => r.url);
  }

  /**
   * Every entry with its size in bytes, for the "Models on this device" list: read from the
   * content-length that put() writes, so listing never reads a model into memory (an entry written
   * without one is measured by reading it).
   */
  async entries(): Promise<CachedEntry[]> {
    return cachedEntries(await this.open());
  }

  /** Deletes these keys; returns how many were there. */
  async deleteAll(keys: readonly string[]): Promise<number> {
    const cache = await this.open();
    let n = 0;
    for (const k of keys) if (await cache.delete(k)) n++;
    return n;
  }
}

export interface CachedEntry {
  readonly key: string;
  readonly bytes: number;
}

/** The entries of any Cache (also the service worker's precache) with their sizes. */
export async function cachedEntries(cache: Cache): Promise<CachedEntry[]> {
  const out: CachedEntry[] = [];
  for (const req of await cache.keys()) {
    const res = await cache.match(req);
    if (!res) continue; // deleted meanwhile
    const header = res.headers.get('content-length');
    const bytes = header !== null && /^\d+$/.test(header) ? Number(header) : (await res.blob()).size;
    out.push({ key: req.url, bytes });
  }
  return out;
}
