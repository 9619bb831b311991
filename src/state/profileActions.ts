import { explainStorageError, StorageUnavailableError } from '../storage/idb';
import { forgetProfile, storedProfile, storeProfile } from '../storage/profiles';
import {
  checkProfileKey,
  fitProfile,
  keyId,
  parseProfile,
  profileKeyMismatch,
  profileKeyOf,
  profileKeyText,
  serializeProfile,
  type CalibrationProfile,
  type CalibrationRow,
  type ProfileKey,
} from './calibration';
import { errorSentence } from './errors';
import type { ProfileOrigin, StoreState } from './slices';
import { useStore } from './store';

/**
 * The loaded model's calibration profile: looked up when a model finishes loading (a profile kept
 * in this browser first, else the bundled model's own `calibration.json`), imported from a file,
 * made from a labelled batch, exported, or forgotten. Every refusal is one sentence in
 * `calibration.error`; the profile in use, the run on screen and the drafts are never touched by one.
 */

/** The bundled model's profile file for the loaded model's key (null: none), read from its model folder. */
export type BundledProfileSource = (key: ProfileKey) => Promise<string | null>;

/** The name the bundled model's profile key carries (its folder in public/models). */
export const BUNDLED_MODEL = 'tiny-reasoner';

async function fetchText(url: string): Promise<string | null> {
  try {
    const res = await fetch(url);
    return res.ok ? await res.text() : null;
  } catch {
    return null;
  }
}

/** Its variant's folder first, then the model folder, under the page's own base (where public/models is served). */
const defaultBundled: BundledProfileSource = async (key) => {
  if (key.model !== BUNDLED_MODEL) return null;
  const base = document.baseURI;
  const dir = `models/${BUNDLED_MODEL}/`;
  return (await fetchText(new URL(`${dir}${encodeURIComponent(key.dtype)}/calibration.json`, base).href)) ?? (await fetchText(new URL(`${dir}calibration.json`, base).href));
};

let bundledSource: BundledProfileSource = defaultBundled;

/** Tests hand in their own bundled profile (the fake engine has no model folder). */
export function setBundledProfileSource(src: BundledProfileSource | null): void {
  bundledSource = src ?? defaultBundled;
}

function patch(p: Partial<StoreState['calibration']>): void {
  useStore.setState((s) => ({ calibration: { ...s.calibration, ...p } }));
}

/** The loaded model's key, or null. */
export function currentKey(): ProfileKey | null {
  return useStore.getState().model.status === 'ready' ? profileKeyOf(useStore.getState().model.info) : null;
}

let lookupSeq = 0;

/** Finds the profile for the loaded model (kept one first, then the bundled one); none is a state, not an error. */
export async function loadProfileForModel(): Promise<void> {
  const key = currentKey();
  const seq = ++lookupSeq;
  if (!key) {
    patch({ keyId: null, status: 'idle', profile: null, origin: null });
    return;
  }
  const id = keyId(key);
  patch({ keyId: id, status: 'loading', profile: null, origin: null, error: null, notice: null });
  let found: { profile: CalibrationProfile; origin: ProfileOrigin } | null = null;
  let problem: string | null = null;
  try {
    const kept = await storedProfile(key);
    if (kept) found = { profile: kept.profile, origin: 'stored' };
  } catch (e) {
    // No IndexedDB here (a private window): nothing can have been kept, which is no problem to report.
    if (!(e instanceof StorageUnavailableError)) problem = errorSentence(e, 'The calibration profile kept in this browser could not be read');
  }
  if (!found && useStore.getState().picker.source === 'bundled') {
    const text = await bundledSource(key);
    if (text !== null) {
      let p: CalibrationProfile | null = null;
      try {
        p = parseProfile(text);
      } catch (e) {
        problem = errorSentence(e, 'The calibration profile shipped with the bundled model could not be read');
      }
      // A bundled profile for another graph of the model (fp32-cpu while int4 runs) is simply not this model's.
      if (p && profileKeyMismatch(p, key) === null) found = { profile: p, origin: 'bundled' };
    }
  }
  if (seq !== lookupSeq) return;
  patch({ status: 'ready', profile: found?.profile ?? null, origin: found?.origin ?? null, error: problem });
}

// Look the profile up whenever a model finishes loading (or another one replaces it).
useStore.subscribe((s, prev) => {
  if (s.model.info !== prev.model.info || (s.model.status === 'ready') !== (prev.model.status === 'ready')) void loadProfileForModel();
});

/** Larger than any profile by far (a profile is a few tens of kB). */
export const MAX_PROFILE_BYTES = 5_000_000;

async function keep(profile: CalibrationProfile, origin: 'imported' | 'made'): Promise<string | null> {
  try {
    await storeProfile(profile, origin);
    return null;
  } catch (e) {
    return explainStorageError(e);
  }
}

/**
 * Reads a profile file, checks it is for the loaded model and good enough, keeps it in this browser
 * and uses it. On any problem the profile in use stays and `calibration.error` says why.
 */
export async function importProfileFile(file: File): Promise<void> {
  const name = file.name || 'the file';
  const key = currentKey();
  const refuse = (why: string) => patch({ error: `Could not use “${name}” as a calibration profile: ${why}`, notice: null });
  if (!key) return refuse('no model is loaded, and a profile belongs to one model. Load the model first.');
  if (file.size > MAX_PROFILE_BYTES) return refuse(`it is ${Math.round(file.size / 1e6)} MB, far more than a profile (a few tens of kB).`);
  let profile: CalibrationProfile;
  try {
    profile = parseProfile(await file.text());
    checkProfileKey(profile, key);
  } catch (e) {
    return refuse(lowerFirst(errorSentence(e, '')));
  }
  const stored = await keep(profile, 'imported');
  patch({
    keyId: keyId(key),
    status: 'ready',
    profile,
    origin: 'imported',
    error: stored ? `The profile is in use on this page, but it could not be kept in this browser: ${stored}` : null,
    notice: `Using “${name}”: ${profile.dataset.n} labelled traces of ${profileKeyText(profile.key)}${stored ? '' : ', kept in this browser for this model'}.`,
  });
}

function lowerFirst(s: string): string {
  const t = s.replace(/^:\s*/, '');
  return t.charAt(0).toLowerCase() + t.slice(1);
}

/**
 * Fits a profile on labelled batch rows for the loaded model, keeps it and uses it. Returns the
 * sentence to show (an error when it could not be made).
 */
export async function makeProfileFromRows(rows: readonly CalibrationRow[], datasetName: string, unlabelled: number): Promise<void> {
  const key = currentKey();
  const refuse = (why: string) => patch({ error: `No calibration profile was made: ${why}`, notice: null });
  if (!key) return refuse('no model is loaded; a profile belongs to the model that scored the traces.');
  if (unlabelled > 0) return refuse(`${unlabelled} of the ${rows.length + unlabelled} traces have no label; a profile needs every trace labelled 0 (incorrect) or 1 (correct).`);
  let profile: CalibrationProfile;
  try {
    profile = fitProfile(rows, { key, datasetName });
  } catch (e) {
    return refuse(lowerFirst(errorSentence(e, '')));
  }
  const stored = await keep(profile, 'made');
  const h = profile.verdict.heldOut;
  patch({
    keyId: keyId(key),
    status: 'ready',
    profile,
    origin: 'made',
    error: stored ? `The profile is in use on this page, but it could not be kept in this browser: ${stored}` : null,
    notice: `Made a calibration profile for ${profileKeyText(key)} from ${profile.dataset.n} labelled traces of ${datasetName}: held-out AUROC ${h.auroc.toFixed(3)}, ECE ${h.ece.toFixed(3)}, Brier ${h.brier.toFixed(3)}${stored ? '' : '; kept in this browser'}.`,
  });
}

/** The profile in use as a file's text and a file name, or null when there is none. */
export function profileFile(): { name: string; text: string } | null {
  const p = useStore.getState().calibration.profile;
  if (!p) return null;
  const slug = `${p.key.model}-${p.key.dtype}`.replace(/[^A-Za-z0-9._-]+/g, '_');
  return { name: `calibration-${slug}.json`, text: serializeProfile(p) };
}

/** Forgets the profile kept for the loaded model; the bundled one (if any) applies again. */
export async function forgetStoredProfile(): Promise<void> {
  const key = currentKey();
  if (!key) return;
  try {
    await forgetProfile(key);
  } catch (e) {
    patch({ error: explainStorageError(e) });
    return;
  }
  await loadProfileForModel();
  patch({ notice: 'The profile kept in this browser for this model was removed.' });
}
