import { ProfileError, type CalibrationProfile, type ProfileKey } from './types';

/**
 * Which model a profile is for. A profile describes how one model's scores relate to correctness;
 * another model (or another dtype of it, whose scores shift) needs its own.
 */

/**
 * A graph's identity for {@link ProfileKey.revision} when there is no Hub revision: FNV-1a (64 bits,
 * as two 32-bit lanes) over the ONNX graph's bytes (before the hidden-state tap), with its length.
 * Not cryptographic: it tells graphs apart, it does not authenticate them.
 */
export function graphHash(bytes: Uint8Array): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < bytes.length; i++) {
    a = Math.imul(a ^ bytes[i], 0x01000193) >>> 0;
    b = Math.imul(b ^ bytes[i] ^ (i & 0xff), 0x01000193) >>> 0;
  }
  return `fnv1a:${a.toString(16).padStart(8, '0')}${b.toString(16).padStart(8, '0')}:${bytes.length}`;
}

/** The key of a loaded model from what the engine reports (the bundled model's " (bundled)" suffix dropped). */
export function profileKeyOf(info: { readonly name: string; readonly variant: string; readonly graphHash?: string; readonly revision?: string }): ProfileKey {
  return { model: info.name.replace(/ \(bundled\)$/, ''), revision: info.revision ?? info.graphHash ?? '', dtype: info.variant };
}

/** "tiny-reasoner (fp32-cpu, revision fnv1a:…)": a key as people read it. */
export function describeKey(k: ProfileKey): string {
  return `${k.model} (${k.dtype}${k.revision ? `, revision ${k.revision}` : ''})`;
}

/**
 * Why `profile` does not fit the model `key`, in one sentence naming both, or null when it does.
 * Model and dtype must be equal; the revision too when both sides know one.
 */
export function profileKeyMismatch(profile: CalibrationProfile, key: ProfileKey): string | null {
  const p = profile.key;
  const what =
    p.model !== key.model ? 'another model' : p.dtype !== key.dtype ? 'another variant of this model' : p.revision && key.revision && p.revision !== key.revision ? 'another revision of this model' : null;
  if (what === null) return null;
  return `This calibration profile is for ${describeKey(p)}, ${what}, and the loaded model is ${describeKey(key)}: its verdicts would not mean what they say, so it is refused (fit one for this model with cotk calibrate).`;
}

/** Throws ProfileError when `profile` is for another model than `key`. */
export function checkProfileKey(profile: CalibrationProfile, key: ProfileKey): void {
  const m = profileKeyMismatch(profile, key);
  if (m) throw new ProfileError(m);
}
