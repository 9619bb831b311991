import { historyDb, PROFILES } from '../history/store';
import { keyId, parseProfile, type CalibrationProfile, type ProfileKey } from '../state/calibration';
import type { ProfileOrigin } from '../state/slices';
import { request, transact } from './idb';

/**
 * Calibration profiles kept in this browser, one per model key, in the history database's
 * `profiles` store (added in its version 2). A record holds the profile as its JSON text, so reading
 * it back goes through the same validation as an imported file: a record written by a newer app,
 * or damaged, is refused with a sentence instead of being trusted.
 */
interface ProfileRecord {
  readonly keyId: string;
  readonly key: ProfileKey;
  readonly text: string;
  readonly origin: Exclude<ProfileOrigin, 'bundled' | 'stored'>;
  /** ISO 8601. */
  readonly savedAt: string;
}

export interface StoredProfile {
  readonly profile: CalibrationProfile;
  readonly origin: 'imported' | 'made';
  readonly savedAt: string;
}

/** Keeps `profile` for its own model key (replacing the one kept before for that key). */
export async function storeProfile(profile: CalibrationProfile, origin: 'imported' | 'made', now = new Date()): Promise<void> {
  const rec: ProfileRecord = { keyId: keyId(profile.key), key: { ...profile.key }, text: JSON.stringify(profile), origin, savedAt: now.toISOString() };
  const db = await historyDb();
  await transact(db, PROFILES, 'readwrite', (tx) => {
    tx.objectStore(PROFILES).put(rec);
  });
}

/** The profile kept for `key`, or undefined. Throws a ProfileError when the kept one cannot be read. */
export async function storedProfile(key: ProfileKey): Promise<StoredProfile | undefined> {
  const db = await historyDb();
  const rec = await transact(db, PROFILES, 'readonly', (tx) => request(tx.objectStore(PROFILES).get(keyId(key)) as IDBRequest<ProfileRecord | undefined>));
  if (!rec) return undefined;
  return { profile: parseProfile(rec.text), origin: rec.origin === 'imported' ? 'imported' : 'made', savedAt: rec.savedAt };
}

/** Forgets the profile kept for `key` (the bundled one, if any, applies again). */
export async function forgetProfile(key: ProfileKey): Promise<void> {
  const db = await historyDb();
  await transact(db, PROFILES, 'readwrite', (tx) => {
    tx.objectStore(PROFILES).delete(keyId(key));
  });
}
