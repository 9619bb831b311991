import { useRef, useState, type DragEvent } from 'react';
import { ErrorNote } from '../components/ErrorNote';
import { openSavedRun } from '../record/open';
import { parseRunFile } from '../record/serialize';
import { checkRunConsistency } from '../record/validate';
import { errorSentence } from '../state/errors';

/** Larger than any run file the app writes without states by far; a states file may reach a few hundred MB. */
export const MAX_IMPORT_BYTES = 600_000_000;

export interface ImportOutcome {
  readonly error: string | null;
  readonly opened: string | null;
}

/**
 * Reads a run file and opens it: parsed and validated as data (src/record/validate.ts), never
 * run as code. On any problem the run shown and the drafts stay as they were.
 */
export async function importRunFile(file: File): Promise<ImportOutcome> {
  const name = file.name || 'the file';
  if (file.size > MAX_IMPORT_BYTES) {
    return { error: `Could not open “${name}”: it is ${Math.round(file.size / 1e6)} MB, more than the ${MAX_IMPORT_BYTES / 1e6} MB a run file can be.`, opened: null };
  }
  try {
    const saved = parseRunFile(await file.text());
    checkRunConsistency(saved);
    openSavedRun(saved);
    const n = saved.run.result?.tokens.length ?? saved.run.events.length;
    return { error: null, opened: `Opened “${saved.meta.name}” from ${name}: ${n} tokens, made with ${saved.meta.model.name}${saved.meta.keptStates ? ', hidden states included' : ''}.` };
  } catch (e) {
    return { error: errorSentence(e, `Could not open “${name}”`), opened: null };
  }
}

/** Files in a drag that may be a run file (the drop handler checks what they hold). */
function hasFiles(e: DragEvent): boolean {
  return Array.from(e.dataTransfer?.types ?? []).includes('Files');
}

/** Drag-and-drop of a run file onto the element these handlers go on, with the same outcome as the button. */
export function useRunFileDrop(onOutcome: (o: ImportOutcome) => void) {
  const [over, setOver] = useState(false);
  return {
    over,
    handlers: {
      onDragOver: (e: DragEvent) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
        setOver(true);
      },
      onDragLeave: (e: DragEvent) => {
        if (e.currentTarget === e.target) setOver(false);
      },
      onDrop: (e: DragEvent) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        setOver(false);
        const files = Array.from(e.dataTransfer.files);
        if (files.length !== 1) {
          onOutcome({ error: `Drop one run file at a time (${files.length} were dropped).`, opened: null });
          return;
        }
        void importRunFile(files[0]).then(onOutcome);
      },
    },
  };
}

/** "Open a run file…": a .json exported by this app (Export → Run (JSON)). */
export function ImportButton({ outcome, onOutcome }: { readonly outcome: ImportOutcome; readonly onOutcome: (o: ImportOutcome) => void }) {
  const input = useRef<HTMLInputElement | null>(null);
  return (
    <div className="import-run">
      <input
        ref={input}
        id="import-run-file"
        type="file"
        accept=".json,application/json"
        className="visually-hidden"
        tabIndex={-1}
        aria-label="Run file to open"
        data-testid="import-file"
        onChange={(e) => {
          const f = e.currentTarget.files?.[0];
          e.currentTarget.value = ''; // the same file can be picked again
          if (f) void importRunFile(f).then(onOutcome);
        }}
      />
      <button type="button" onClick={() => input.current?.click()} data-testid="import-button">
        Open a run file…
      </button>
      <span className="note"> or drop an exported .json here</span>
      <ErrorNote message={outcome.error} testId="import-error" />
      {outcome.opened && (
        <p className="note" role="status" data-testid="import-status">
          {outcome.opened}
        </p>
      )}
    </div>
  );
}
