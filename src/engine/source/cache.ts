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

/** The browser's Cache Storage (page or worker). Keys are the files' URLs. */
export class CacheStorageCache implements ByteCache {
  constructor(readonly cacheName = 'cotk-models') {}

  private open(): Promise<Cache> {
    if (typeof caches === 'undefined') throw new Error('Cache Storage is not available in this context');
    return caches.open(this.cacheName);
  }

  async get(key: string): Promise<Uint8Array | null> {
    const res = await (await this.open()).match(key);
    return res ? new Uint8Array(await res.arrayBuffer()) : null;
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const body = new Blob([data as Uint8Array<ArrayBuffer>]);
    await (await this.open()).put(key, new Response(body, { headers: { 'content-length': String(data.byteLength) } }));
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
