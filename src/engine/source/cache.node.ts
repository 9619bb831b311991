import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ByteCache } from './cache';

/**
 * A {@link ByteCache} in a folder, for the CLI. Each entry is `<sha256(key)>.bin` plus a `.key` file
 * naming it; data is written to a temporary name and renamed, so a crash never leaves a torn entry.
 */
export class FsCache implements ByteCache {
  constructor(readonly dir: string) {}

  private path(key: string): string {
    return join(this.dir, createHash('sha256').update(key).digest('hex'));
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      return new Uint8Array(await readFile(`${this.path(key)}.bin`));
    } catch {
      return null;
    }
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const p = this.path(key);
    const tmp = `${p}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, data);
    await writeFile(`${p}.key`, key);
    await rename(tmp, `${p}.bin`);
  }

  async delete(key: string): Promise<boolean> {
    const p = this.path(key);
    const had = (await this.get(key)) !== null;
    await rm(`${p}.bin`, { force: true });
    await rm(`${p}.key`, { force: true });
    return had;
  }

  async keys(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const bins = new Set(names.filter((n) => n.endsWith('.bin')).map((n) => n.slice(0, -4)));
    const keys: string[] = [];
    for (const n of names) {
      if (n.endsWith('.key') && bins.has(n.slice(0, -4))) keys.push(await readFile(join(this.dir, n), 'utf8'));
    }
    return keys;
  }
}
