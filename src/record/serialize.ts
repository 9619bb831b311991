import { parseJsonFile } from '../core/schema';
import { emitJson } from './jsonText';
import { RUN_FORMAT, RUN_VERSION, type SavedRun } from './types';
import { RunFileError, validateRunFile } from './validate';

export { RunFileError } from './validate';

/**
 * A SavedRun as a run file and back (the format is docs/run-format.md). Writing is deterministic:
 * the same run gives the same bytes. Float32Arrays are tagged: {"$f32": [decimals]} for the
 * per-token data (readable, and exact: each decimal is the shortest that reads back as the same
 * float32), {"$f32b64": "..."} for the big blocks (hidden states, logits rows). Numbers JSON cannot
 * hold are the strings "NaN", "Infinity", "-Infinity" and "-0".
 */

/** Keys whose Float32Arrays are written as base64: the blocks that would be megabytes of decimals. */
const BASE64_KEYS: ReadonlySet<string> = new Set(['residual', 'finalNorm', 'logits', 'outputLogits']);

/**
 * JavaScript strings stop at about 512 M characters in Chromium; stay well below so the export
 * fails with a sentence rather than the tab crashing.
 */
export const MAX_RUN_FILE_CHARS = 300_000_000;

export class RunExportError extends Error {
  override readonly name = 'RunExportError';
}

/** Characters the run file of `saved` will have, roughly (the states dominate), to refuse one that cannot be written. */
export function estimateRunFileChars(saved: SavedRun): number {
  const s = saved.run.result?.states;
  const stateBytes = s ? (s.residual.length + s.finalNorm.length) * 4 : 0;
  const perToken = (saved.run.events.length + (saved.run.result?.tokens.length ?? 0)) * (250 + 24 * 2 * (saved.meta.model.layers + 1));
  return Math.ceil((stateBytes * 4) / 3) + perToken;
}

export function serializeRun(saved: SavedRun): string {
  const est = estimateRunFileChars(saved);
  if (est > MAX_RUN_FILE_CHARS) {
    throw new RunExportError(
      `This run is too large to write as one JSON file (about ${Math.round(est / 1e6)} MB, mostly its hidden states); export it without the hidden states.`,
    );
  }
  return emitJson({ format: RUN_FORMAT, version: RUN_VERSION, meta: saved.meta, run: saved.run }, { base64Keys: BASE64_KEYS, rootOrder: ['format', 'version', 'meta', 'run'] });
}

/**
 * A run file's text as a SavedRun. Throws RunFileError with one sentence: not JSON (and where),
 * not a run file, a newer version, or the first schema problem by its path.
 */
export function parseRunFile(text: string): SavedRun {
  const value = parseJsonFile(text, (m) => new RunFileError(m), {
    empty: 'a run file is JSON exported from this app.',
    notOurs: 'a run file exported from this app',
  });
  return validateRunFile(value);
}
