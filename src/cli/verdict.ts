import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VERDICT_KEY } from '../core/batchEval';
import { applyProfile, checkProfileKey, parseProfile, ProfileError, profileKeyOf, type CalibrationProfile } from '../core/calibration/index';
import type { Engine } from '../engine/index';
import { CliError, type ParsedArgs } from './io';

/**
 * The verdict in `cotk batch` and `cotk generate` (issue 12, docs/calibration.md): a calibration
 * profile, from --calibration FILE or by default the model folder's calibration.json, adds
 * "verdict" (calibrated P(correct)) to every trace's scores.
 *
 * An explicit profile that is corrupt, too new or for another model stops the command before any
 * work (exit 2). A default one that does not fit is skipped with a note on stderr: the run goes on
 * without a verdict rather than fail on a file the user did not name.
 */
export const CALIBRATION_USAGE = `  --calibration F calibration profile (cotk calibrate) that adds "verdict", P(correct), to each trace's scores;
                  default: calibration.json in the model's variant folder, else in the model folder; none = no verdict`;

/** The file name `cotk batch` and `cotk generate` look for in a model folder. */
export const PROFILE_FILE = 'calibration.json';

/** A profile named with --calibration, read and validated before the model loads (null for none or no flag). */
export function readNamedProfile(args: ParsedArgs): { profile: CalibrationProfile; path: string } | null {
  const v = args.flags.get('calibration');
  if (v === undefined || v === 'none') return null;
  if (typeof v !== 'string' || v === '') throw new CliError('--calibration needs a FILE (a profile written by cotk calibrate), or none');
  return { profile: readProfileFile(v), path: v };
}

function readProfileFile(path: string): CalibrationProfile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read the calibration profile ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  try {
    return parseProfile(text);
  } catch (e) {
    if (e instanceof ProfileError) throw new CliError(`${path}: ${e.message}`);
    throw e;
  }
}

/** Where a model folder's default profile may be: its variant's folder first, then the folder itself. */
export function defaultProfilePaths(modelDir: string, variant: string): string[] {
  return [join(modelDir, variant, PROFILE_FILE), join(modelDir, PROFILE_FILE)];
}

/**
 * The profile for this run and where it came from, checked against the loaded model: the named one
 * (a mismatch is a CliError), else the model folder's default when it fits (else a note), else null.
 */
export function resolveProfile(
  args: ParsedArgs,
  named: { profile: CalibrationProfile; path: string } | null,
  engine: Engine,
  note: (m: string) => void,
): { profile: CalibrationProfile; path: string } | null {
  const key = profileKeyOf(engine.info());
  if (named) {
    try {
      checkProfileKey(named.profile, key);
    } catch (e) {
      if (e instanceof ProfileError) throw new CliError(`${named.path}: ${e.message}`);
      throw e;
    }
    return named;
  }
  if (args.flags.get('calibration') === 'none') return null;
  const dir = args.flags.get('model');
  if (typeof dir !== 'string') return null;
  const path = defaultProfilePaths(dir, engine.info().variant).find((p) => existsSync(p));
  if (!path) return null;
  try {
    const p = readProfileFile(path);
    checkProfileKey(p, key);
    return { profile: p, path };
  } catch (e) {
    const msg = e instanceof CliError ? e.message : e instanceof ProfileError ? `${path}: ${e.message}` : null;
    if (msg === null) throw e;
    note(`no verdict: the model folder's profile is not used. ${msg}`);
    return null;
  }
}

/** One line saying which profile gives the verdict, with its held-out numbers. */
export function profileNote(r: { profile: CalibrationProfile; path: string }): string {
  const p = r.profile;
  return `verdict: calibration profile ${r.path} (${p.dataset.n} traces of "${p.dataset.name}"; held-out AUROC ${p.verdict.heldOut.auroc.toFixed(3)}, ECE ${p.verdict.heldOut.ece.toFixed(3)})`;
}

/** `scores` with "verdict" added (P(correct) under `profile`), or unchanged without a profile. */
export function withVerdict(scores: Record<string, number | null>, profile: CalibrationProfile | null): Record<string, number | null> {
  return profile ? { ...scores, [VERDICT_KEY]: applyProfile(profile, scores).p } : scores;
}
