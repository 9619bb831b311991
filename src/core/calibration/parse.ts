import type { Orientation } from '../metrics';
import { kindOf, own, parseJsonFile, schemaReader, type Obj } from '../schema';
import { featureDef, keyOrientation } from './features';
import {
  CALIBRATION_FORMAT,
  CALIBRATION_VERSION,
  FEATURE_TRANSFORMS,
  MIN_TRACES,
  ProfileError,
  type CalibrationProfile,
  type HeldOutMetrics,
  type IsotonicMap,
  type ProfileKey,
  type ScorerCalibration,
  type VerdictFeature,
  type VerdictModel,
} from './types';

/**
 * Reading a calibration profile file, validated as run files are (src/core/schema.ts): one sentence
 * per problem, the field named by its path, a `__proto__` key anywhere refused, unknown keys ignored.
 * Beyond the schema it refuses what would make a verdict meaningless: a profile fitted on fewer than
 * 30 traces or on one label, and numbers that cannot come from a fit (a map that is not monotone, …).
 */
const R = schemaReader((m) => new ProfileError(m), 'a calibration profile');
const { problem, obj, str, bool, finite, int, oneOf, arr } = R;

const ORIENTATIONS: readonly Orientation[] = ['higher-is-correct', 'lower-is-correct'];

const finites = (v: unknown, path: string): number[] => arr(v, path).map((x, i) => finite(x, `${path}[${i}]`));

function unit(v: unknown, path: string): number {
  const x = finite(v, path);
  if (x < 0 || x > 1) problem(path, `expected a number between 0 and 1, got ${x}.`);
  return x;
}

function key(v: unknown, p: string): ProfileKey {
  const o = obj(v, p);
  const k = { model: str(own(o, 'model'), `${p}.model`), revision: str(own(o, 'revision'), `${p}.revision`), dtype: str(own(o, 'dtype'), `${p}.dtype`) };
  if (k.model.trim() === '') problem(`${p}.model`, 'is empty: a profile must say which model it is for.');
  return k;
}

function heldOut(v: unknown, p: string): HeldOutMetrics {
  const o = obj(v, p);
  return {
    auroc: unit(own(o, 'auroc'), `${p}.auroc`),
    aupr: unit(own(o, 'aupr'), `${p}.aupr`),
    fpr95: unit(own(o, 'fpr95'), `${p}.fpr95`),
    ece: unit(own(o, 'ece'), `${p}.ece`),
    brier: unit(own(o, 'brier'), `${p}.brier`),
    logLoss: finite(own(o, 'logLoss'), `${p}.logLoss`),
    folds: int(own(o, 'folds'), `${p}.folds`, 2),
    n: int(own(o, 'n'), `${p}.n`, 1),
    accuracy: unit(own(o, 'accuracy'), `${p}.accuracy`),
  };
}

function isotonic(v: unknown, p: string, orientation: Orientation): IsotonicMap {
  const o = obj(v, p);
  oneOf(own(o, 'kind'), `${p}.kind`, ['isotonic'] as const);
  const x = finites(own(o, 'x'), `${p}.x`);
  const ps = arr(own(o, 'p'), `${p}.p`).map((q, i) => unit(q, `${p}.p[${i}]`));
  if (x.length === 0) problem(`${p}.x`, 'is empty: a map needs at least one knot.');
  if (x.length !== ps.length) problem(p, `has ${x.length} knots but ${ps.length} probabilities.`);
  for (let i = 1; i < x.length; i++) {
    if (!(x[i] > x[i - 1])) problem(`${p}.x[${i}]`, `the knots must increase, but ${x[i]} follows ${x[i - 1]}.`);
    const up = orientation === 'higher-is-correct';
    if (up ? ps[i] < ps[i - 1] : ps[i] > ps[i - 1]) problem(`${p}.p[${i}]`, `a ${orientation} scorer's map must ${up ? 'rise' : 'fall'}, but ${ps[i]} follows ${ps[i - 1]}.`);
  }
  return { kind: 'isotonic', x, p: ps };
}

function scorer(v: unknown, p: string, name: string): ScorerCalibration {
  const o = obj(v, p);
  const orientation = oneOf(own(o, 'orientation'), `${p}.orientation`, ORIENTATIONS);
  const known = keyOrientation(name);
  if (known !== null && known !== orientation) problem(`${p}.orientation`, `"${name}" is ${known}, not ${orientation}.`);
  const quantiles = finites(own(o, 'quantiles'), `${p}.quantiles`);
  if (quantiles.length < 2) problem(`${p}.quantiles`, `expected at least 2 quantiles, got ${quantiles.length}.`);
  for (let i = 1; i < quantiles.length; i++) if (quantiles[i] < quantiles[i - 1]) problem(`${p}.quantiles[${i}]`, `quantiles must not decrease, but ${quantiles[i]} follows ${quantiles[i - 1]}.`);
  const r = finites(own(o, 'range'), `${p}.range`);
  if (r.length !== 2 || r[1] < r[0]) problem(`${p}.range`, `expected [min, max] with min ≤ max, got [${r.join(', ')}].`);
  const margin = finite(own(o, 'margin'), `${p}.margin`);
  if (margin < 0) problem(`${p}.margin`, `expected a margin ≥ 0, got ${margin}.`);
  const ho = own(o, 'heldOut');
  return {
    orientation,
    n: int(own(o, 'n'), `${p}.n`, 1),
    missing: int(own(o, 'missing'), `${p}.missing`, 0),
    quantiles,
    range: [r[0], r[1]],
    margin,
    map: isotonic(own(o, 'map'), `${p}.map`, orientation),
    heldOut: ho === null ? null : heldOut(ho, `${p}.heldOut`),
  };
}

function feature(v: unknown, p: string): VerdictFeature {
  const o = obj(v, p);
  const k = str(own(o, 'key'), `${p}.key`);
  let def;
  try {
    def = featureDef(k);
  } catch (e) {
    problem(`${p}.key`, `${(e as Error).message}.`);
  }
  const transform = oneOf(own(o, 'transform'), `${p}.transform`, FEATURE_TRANSFORMS);
  if (def && transform !== def.transform) problem(`${p}.transform`, `"${k}" is read with the ${def.transform} transform, not ${transform}.`);
  const sd = finite(own(o, 'sd'), `${p}.sd`);
  if (!(sd > 0)) problem(`${p}.sd`, `expected a standard deviation > 0, got ${sd}.`);
  return { key: k, transform, mean: finite(own(o, 'mean'), `${p}.mean`), sd, indicator: bool(own(o, 'indicator'), `${p}.indicator`) };
}

function model(v: unknown, p: string): VerdictModel {
  const o = obj(v, p);
  const features = arr(own(o, 'features'), `${p}.features`).map((f, i) => feature(f, `${p}.features[${i}]`));
  if (features.length === 0) problem(`${p}.features`, 'is empty: the verdict model reads at least one feature.');
  const weights = finites(own(o, 'weights'), `${p}.weights`);
  const want = features.length + features.filter((f) => f.indicator).length;
  if (weights.length !== want) problem(`${p}.weights`, `expected ${want} weights (one per feature, one per missing-value indicator), got ${weights.length}.`);
  const l2 = finite(own(o, 'l2'), `${p}.l2`);
  if (!(l2 > 0)) problem(`${p}.l2`, `expected a penalty > 0, got ${l2}.`);
  const clip = finite(own(o, 'clip'), `${p}.clip`);
  if (!(clip > 0)) problem(`${p}.clip`, `expected a clip > 0, got ${clip}.`);
  return { features, weights, bias: finite(own(o, 'bias'), `${p}.bias`), l2, clip };
}

/** What a parsed JSON value that is not a calibration profile looks like, in a few words. */
function notOurs(v: unknown): string {
  const base = 'This is not a calibration profile';
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${base}: a profile is a JSON object with "format": "${CALIBRATION_FORMAT}", and this file holds ${kindOf(v)}.`;
  const format = own(v as Obj, 'format');
  if (format === 'cotk-run') return `${base}: it is a run file exported from the app (open it with "Open a run file…").`;
  if (format !== undefined) return `${base}: its "format" is ${JSON.stringify(format).slice(0, 60)}, not "${CALIBRATION_FORMAT}".`;
  if (own(v as Obj, 'metrics') !== undefined) return `${base}: it looks like the metrics line of cotk batch; make a profile with cotk calibrate --in scored.jsonl.`;
  return `${base}: it has no "format": "${CALIBRATION_FORMAT}" field.`;
}

/** A parsed JSON value as a CalibrationProfile, or a ProfileError that says what is wrong and where. */
export function validateProfile(v: unknown): CalibrationProfile {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || own(v as Obj, 'format') !== CALIBRATION_FORMAT) throw new ProfileError(notOurs(v));
  const o = v as Obj;
  const version = own(o, 'version');
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new ProfileError(`This calibration profile has no usable version (expected "version": ${CALIBRATION_VERSION}, got ${kindOf(version)}).`);
  }
  if (version > CALIBRATION_VERSION) {
    throw new ProfileError(`This calibration profile was made by a newer version of the app (v${version}); this app reads v${CALIBRATION_VERSION} — update the app to use it.`);
  }
  R.refuseProtoKeys(v);
  const k = key(own(o, 'key'), 'key');
  const d = obj(own(o, 'dataset'), 'dataset');
  const dataset = {
    name: str(own(d, 'name'), 'dataset.name'),
    n: int(own(d, 'n'), 'dataset.n', 0),
    accuracy: unit(own(d, 'accuracy'), 'dataset.accuracy'),
    createdAt: str(own(d, 'createdAt'), 'dataset.createdAt'),
  };
  if (dataset.n < MIN_TRACES) problem('dataset.n', `the profile was fitted on ${dataset.n} traces; a profile needs at least ${MIN_TRACES}, so it is refused.`);
  if (dataset.accuracy === 0 || dataset.accuracy === 1) {
    problem('dataset.accuracy', `is ${dataset.accuracy}: the profile was fitted on ${dataset.accuracy === 1 ? 'correct' : 'incorrect'} traces only, so it cannot tell them apart and is refused.`);
  }
  const so = obj(own(o, 'scorers'), 'scorers');
  const scorers: Record<string, ScorerCalibration> = {};
  for (const name of Object.keys(so)) scorers[name] = scorer(so[name], `scorers.${name}`, name);
  const vo = obj(own(o, 'verdict'), 'verdict');
  const m = model(own(vo, 'model'), 'verdict.model');
  const names = arr(own(vo, 'features'), 'verdict.features').map((x, i) => str(x, `verdict.features[${i}]`));
  if (names.join('\u0000') !== m.features.map((f) => f.key).join('\u0000')) {
    problem('verdict.features', `lists ${names.join(', ') || 'nothing'}, but the model reads ${m.features.map((f) => f.key).join(', ')}.`);
  }
  return { format: CALIBRATION_FORMAT, version, key: k, dataset, scorers, verdict: { features: names, model: m, heldOut: heldOut(own(vo, 'heldOut'), 'verdict.heldOut') } };
}

/**
 * A profile file's text as a CalibrationProfile. Throws ProfileError with one sentence: empty, not
 * JSON (and where), truncated, not a profile, a newer version, or the first schema problem by its path.
 */
export function parseProfile(text: string): CalibrationProfile {
  const value = parseJsonFile(text, (m) => new ProfileError(m), {
    empty: 'a calibration profile is JSON written by cotk calibrate or exported from the app.',
    notOurs: 'a calibration profile',
  });
  return validateProfile(value);
}

/** A profile as file text: stable key order (as built), two-space indent, a final newline. */
export function serializeProfile(profile: CalibrationProfile): string {
  return `${JSON.stringify(profile, null, 1)}\n`;
}
