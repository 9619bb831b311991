import { unrepresentableNote } from '../core/trace/representable';
import { EngineError, type Engine, type RunResult } from '../engine/index';

export interface BatchSummary {
  readonly scored: number;
  readonly skipped: number;
}

/**
 * Runs `handle` on each good record in order and reports each bad one; an engine error on one
 * record is reported and skipped too (unless the engine itself went away). Shared by scoring and
 * generate mode, so both count and skip alike.
 */
export async function forEachRecord<T>(
  records: ReadonlyArray<{ readonly line: number; readonly index: number; readonly item: T | string }>,
  report: (msg: string) => void,
  onRecord: (() => void) | undefined,
  /** `index`: the record's place among the file's records (what --shard counts), not in `records`. */
  handle: (item: T, line: number, index: number) => Promise<void>,
): Promise<BatchSummary> {
  let scored = 0;
  let skipped = 0;
  for (const r of records) {
    const item = r.item;
    if (typeof item === 'string') {
      report(`line ${r.line}: ${item} (skipped)`);
      skipped++;
    } else {
      try {
        await handle(item, r.line, r.index);
        scored++;
      } catch (e) {
        // A closed engine or damaged weights fail every record alike: stop instead of skipping them all.
        if (!(e instanceof EngineError) || e.code === 'engine-closed' || e.code === 'corrupt-model') throw e;
        report(`line ${r.line}: ${e.message} (skipped)`);
        skipped++;
      }
    }
    onRecord?.();
  }
  return { scored, skipped };
}

/** The stderr note for a run whose input holds characters the tokenizer cannot represent; nothing when it has none. */
export function noteUnrepresentable(engine: Engine, run: RunResult, line: number, onNote: ((msg: string) => void) | undefined): void {
  const note = unrepresentableNote(run.unrepresentable ?? [], engine.info().name);
  if (note) onNote?.(`line ${line}: ${note}`);
}
