import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The team's shared folder (design, fixtures, golden) beside the checkout; COTK_SHARED overrides. */
export const SHARED = resolve(process.env.COTK_SHARED ?? resolve(REPO_ROOT, '../shared'));

export function sharedPath(...parts: string[]): string {
  const p = resolve(SHARED, ...parts);
  if (!existsSync(p)) {
    throw new Error(`missing ${p}: the tests read the shared fixtures beside the checkout (set COTK_SHARED to their folder)`);
  }
  return p;
}

/** |a − b| relative to |b| (absolute below 1e-300). */
export function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
}
