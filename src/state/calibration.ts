/**
 * The app's one door to the calibration core (src/core/calibration): every import of it goes
 * through here, so a change in the core's API touches this file only. Also what the app adds
 * around it: the score record a profile reads for a run, and the loaded model's profile key.
 */
import {
  applyProfile,
  CALIBRATION_FORMAT,
  CALIBRATION_VERSION,
  checkProfileKey,
  crossValidatedVerdict,
  describeKey as profileKeyText,
  fitProfile,
  fitRefusal,
  keyOrientation,
  LAYER_ABLATION,
  MIN_TRACES,
  parseProfile,
  ProfileError,
  profileKeyMismatch,
  profileKeyOf as coreKeyOf,
  serializeProfile,
  v2Terms,
  V2_BARRIER,
  V2_KAPPA,
} from '../core/calibration/index';
import type { AblationCell, AblationNumbers, CalibrationProfile, CalibrationRow, HeldOutMetrics, ProfileKey, VerdictResult } from '../core/calibration/index';
import { binaryMetrics, brier, ece } from '../core/metrics';
import { COTK_V1_DEFAULT_GAMMA, DEFAULT_COTK, reweightCotk, type ScoreKey } from '../core/scores/index';
import type { RunResult } from '../engine/run';
import type { WorkerInfo } from '../engine/protocol';

export { applyProfile, binaryMetrics, brier, checkProfileKey, crossValidatedVerdict, ece, fitProfile, fitRefusal, keyOrientation, parseProfile, profileKeyMismatch, profileKeyText, ProfileError, serializeProfile, v2Terms };
export { LAYER_ABLATION, type AblationCell, type AblationNumbers };
export { CALIBRATION_FORMAT, CALIBRATION_VERSION, MIN_TRACES, V2_BARRIER, V2_KAPPA };
export type { CalibrationProfile, CalibrationRow, HeldOutMetrics, ProfileKey, VerdictResult };

/**
 * The scores a profile reads for one run, as `cotk batch` writes them: every scorer, `cotk`, and
 * the two v2 terms. The v1 energy is taken at the default γ (what profiles are fitted at) from the
 * run's stored per-token terms, whatever γ the page had when the run was made.
 */
export function profileScores(result: RunResult): Record<string, number | null> {
  const out: Record<string, number | null> = { ...result.scores };
  const v1 = result.detail.cotk;
  if (v1 && v1.kinetic.length > 0) {
    const e = reweightCotk(v1.kinetic, v1.curvature, COTK_V1_DEFAULT_GAMMA).traceEnergy;
    out.cotkEnergy = Number.isFinite(e) ? e : null;
  }
  out.cotk = out[DEFAULT_COTK] ?? null;
  return { ...out, ...v2Terms(result.detail.cotkV2) };
}

/** The score keys shown with a percentile, in the registry's order (the v2 terms after). */
export const SHOWN_KEYS: readonly string[] = ['cotkV2', 'cotkEnergy', 'coeR', 'coeC', 'perplexity', 'meanEntropy', 'selfCertainty', 'maxProb', 'answerConfidence', V2_BARRIER, V2_KAPPA] satisfies readonly (ScoreKey | string)[];

/**
 * The profile key of the loaded model: its name (the bundled folder's, the Hub repo, the picked
 * folder's), the revision the engine reports (a Hub revision or the graph's hash), and its variant.
 * Null while no model is loaded.
 */
export function profileKeyOf(info: WorkerInfo | null): ProfileKey | null {
  return info ? coreKeyOf(info) : null;
}

/** A stable text id of a key, for IndexedDB (and sameness). */
export function keyId(k: ProfileKey): string {
  return JSON.stringify([k.model, k.revision, k.dtype]);
}
