import { own, type SchemaReader } from '../core/schema';
import type { Departure, ProfileSummary, SavedVerdict, VerdictKind } from '../views/Verdict/verdict';

/**
 * The reader of a saved run's `meta.verdict` (docs/run-format.md): optional, added within run
 * format v1 (older files have none; older apps ignore it). Read with the run reader's own schema
 * reader `R`, so a problem is one RunFileError naming the field by its path.
 */
const KINDS: readonly VerdictKind[] = ['pending', 'unscored', 'no-profile', 'outside', 'written-elsewhere', 'calibrated'];

function profile(R: SchemaReader, v: unknown, p: string): ProfileSummary {
  const o = R.obj(v, p);
  return {
    model: R.str(own(o, 'model'), `${p}.model`),
    revision: R.str(own(o, 'revision'), `${p}.revision`),
    dtype: R.str(own(o, 'dtype'), `${p}.dtype`),
    dataset: R.str(own(o, 'dataset'), `${p}.dataset`),
    n: R.int(own(o, 'n'), `${p}.n`, 0),
    auroc: R.finite(own(o, 'auroc'), `${p}.auroc`),
    ece: R.finite(own(o, 'ece'), `${p}.ece`),
  };
}

function departure(R: SchemaReader, v: unknown, p: string): Departure {
  const o = R.obj(v, p);
  return {
    index: R.int(own(o, 'index'), `${p}.index`, 0),
    token: R.str(own(o, 'token'), `${p}.token`),
    wanted: R.nullable(own(o, 'wanted'), `${p}.wanted`, R.str),
    count: R.int(own(o, 'count'), `${p}.count`, 0),
    total: R.int(own(o, 'total'), `${p}.total`, 0),
  };
}

function probability(R: SchemaReader, v: unknown, p: string): number {
  const x = R.finite(v, p);
  return x >= 0 && x <= 1 ? x : R.problem(p, `expected a probability between 0 and 1, got ${x}.`);
}

/** `meta.verdict` of a run file as a SavedVerdict (null stays null). */
export function readSavedVerdict(R: SchemaReader, v: unknown, p: string): SavedVerdict | null {
  if (v === null) return null;
  const o = R.obj(v, p);
  return {
    kind: R.oneOf(own(o, 'kind'), `${p}.kind`, KINDS),
    headline: R.str(own(o, 'headline'), `${p}.headline`),
    p: R.nullable(own(o, 'p'), `${p}.p`, (x, q) => probability(R, x, q)),
    profile: R.nullable(own(o, 'profile'), `${p}.profile`, (x, q) => profile(R, x, q)),
    outside: R.strs(own(o, 'outside'), `${p}.outside`),
    unrepresentable: R.strs(own(o, 'unrepresentable'), `${p}.unrepresentable`),
    departure: R.nullable(own(o, 'departure'), `${p}.departure`, (x, q) => departure(R, x, q)),
  };
}
