/**
 * Which batch checkpoints belong to this tab. A tab names the batch it runs in sessionStorage (per
 * tab, kept across a reload, so after a reload each tab offers its own batch) and holds a Web Lock
 * named after it while the batch is in its view (released by the browser when the tab closes or
 * reloads), so no other live tab offers, resumes or writes that batch. Where Web Locks are missing
 * (old browsers, jsdom) every claim succeeds: one tab is all such a browser can tell apart.
 */
const SESSION_KEY = 'cotk-batch-key';
const LOCK_PREFIX = 'cotk-batch:';

/** Releases of the locks this tab holds, by batch key. */
const held = new Map<string, () => void>();

function locks(): LockManager | null {
  return typeof navigator !== 'undefined' && navigator.locks ? navigator.locks : null;
}

/** The key of the batch this tab ran last (kept across reloads of this tab only), or null. */
export function ownBatchKey(): string | null {
  try {
    return sessionStorage.getItem(SESSION_KEY);
  } catch {
    return null;
  }
}

export function setOwnBatchKey(key: string | null): void {
  try {
    if (key === null) sessionStorage.removeItem(SESSION_KEY);
    else sessionStorage.setItem(SESSION_KEY, key);
  } catch {
    // sessionStorage refused (a sandboxed frame): this tab then offers the latest free batch after a reload
  }
}

/** Takes the batch for this tab; false when another live tab holds it. */
export async function claimBatch(key: string): Promise<boolean> {
  if (held.has(key)) return true;
  const lm = locks();
  if (!lm) return true;
  return new Promise<boolean>((resolve) => {
    lm.request(`${LOCK_PREFIX}${key}`, { ifAvailable: true }, (lock) => {
      if (!lock) {
        resolve(false);
        return undefined;
      }
      resolve(true);
      return new Promise<void>((release) => held.set(key, release));
    }).catch(() => resolve(true));
  });
}

export function releaseBatch(key: string): void {
  held.get(key)?.();
  held.delete(key);
}

/** Keys of the batches any live tab of this site holds (this one included). */
export async function heldBatches(): Promise<string[]> {
  const lm = locks();
  if (!lm) return [...held.keys()];
  try {
    const q = await lm.query();
    return (q.held ?? []).map((l) => l.name ?? '').filter((n) => n.startsWith(LOCK_PREFIX)).map((n) => n.slice(LOCK_PREFIX.length));
  } catch {
    return [...held.keys()];
  }
}
