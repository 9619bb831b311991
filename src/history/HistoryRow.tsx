import { useState, type KeyboardEvent } from 'react';
import { formatBytes } from '../storage/size';
import { scoreName } from '../core/scores/index';
import { formatScore } from '../views/Batch/batchData';
import type { RunAnswer } from '../views/shared/answer';
import type { HistoryEntry } from './store';

export interface RowActions {
  readonly onReopen: (e: HistoryEntry) => void;
  /** Resolves with a sentence when the name was refused or could not be written, null when renamed. */
  readonly onRename: (e: HistoryEntry, name: string) => Promise<string | null>;
  readonly onDelete: (e: HistoryEntry) => void;
  readonly onToggleCompare: (e: HistoryEntry) => void;
}

interface RowProps extends RowActions {
  readonly entry: HistoryEntry;
  readonly open: boolean;
  readonly selected: 'A' | 'B' | null;
  readonly compareFull: boolean;
  readonly busy: boolean;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function when(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateFormat.format(d);
}

function kindLabel(e: HistoryEntry): string {
  const k = e.kind === 'generate' ? 'Asked' : 'Scored';
  return e.status === 'cancelled' ? `${k} (stopped)` : e.status === 'error' ? `${k} (failed midway)` : k;
}

/** The list's column heads, in the order HistoryRow writes its cells (each cell carries its head as data-label, for the narrow layout). */
export const HISTORY_COLUMNS = ['Compare', 'Name', 'Answer', 'Model', 'Kind', 'Date', scoreName('cotk'), 'Size', 'States', 'Actions'] as const;

/** The head row of the history list. */
export function HistoryHead() {
  return (
    <tr>
      {HISTORY_COLUMNS.map((c) => (
        <th key={c} scope="col">
          {c}
        </th>
      ))}
    </tr>
  );
}

/** The answer cell: the answer, or a muted "no answer" with the reason; "—" for entries saved before answers were kept. */
function AnswerCell({ answer }: { readonly answer: RunAnswer | undefined }) {
  if (!answer) return <td data-label="Answer" data-testid="history-answer" data-value="">—</td>;
  if (answer.kind === 'answer') {
    return (
      <td data-label="Answer" className="history-answer" data-testid="history-answer" data-value={answer.text}>
        {answer.text}
      </td>
    );
  }
  return (
    <td data-label="Answer" className="history-answer history-no-answer" data-testid="history-answer" data-value="" title={answer.kind === 'none' ? answer.why : undefined}>
      {answer.kind === 'none' ? `no answer (${answer.why})` : 'not yet'}
    </td>
  );
}

/** One saved run: its facts, and reopen / rename (inline) / delete (confirmed) / select for compare. */
export function HistoryRow({ entry: e, open, selected, compareFull, busy, onReopen, onRename, onDelete, onToggleCompare }: RowProps) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(e.name);
  const [renameError, setRenameError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);

  const startRename = () => {
    setDraft(e.name);
    setRenameError(null);
    setEditing(true);
  };
  const commit = async () => {
    const why = await onRename(e, draft);
    if (why) setRenameError(why);
    else setEditing(false);
  };
  const onKey = (ev: KeyboardEvent<HTMLInputElement>) => {
    if (ev.key === 'Enter') {
      ev.preventDefault();
      void commit();
    } else if (ev.key === 'Escape') {
      ev.preventDefault();
      setEditing(false);
      setRenameError(null);
    }
  };
  const errorId = `history-rename-error-${e.id}`;
  return (
    <tr data-testid="history-row" data-id={e.id} aria-current={open ? 'true' : undefined}>
      <td data-label="Compare">
        <input
          type="checkbox"
          aria-label={`Select “${e.name}” for compare`}
          checked={selected !== null}
          disabled={selected === null && compareFull}
          onChange={() => onToggleCompare(e)}
        />
        {selected && <span className="history-side"> {selected}</span>}
      </td>
      <td className="history-name" data-label="Name">
        {editing ? (
          <>
            <input
              type="text"
              // The input appears because the user asked to rename: focus belongs in it.
              autoFocus
              value={draft}
              aria-label={`New name for “${e.name}” (Enter saves, Escape cancels)`}
              aria-invalid={renameError ? true : undefined}
              aria-describedby={renameError ? errorId : undefined}
              onChange={(ev) => {
                setDraft(ev.target.value);
                setRenameError(null);
              }}
              onKeyDown={onKey}
              data-testid="history-rename-input"
            />
            {renameError && (
              <span className="history-rename-error" role="alert" id={errorId}>
                {renameError}
              </span>
            )}
          </>
        ) : (
          <span data-testid="history-name">{e.name}</span>
        )}
        {open && <span className="history-open"> (open now)</span>}
      </td>
      <AnswerCell answer={e.answer} />
      <td data-label="Model" title={[e.model.source, e.model.variant, e.model.backend].filter(Boolean).join(' · ')}>{e.model.name}</td>
      <td data-label="Kind">{kindLabel(e)}</td>
      <td data-label="Date">
        <time dateTime={e.createdAt}>{when(e.createdAt)}</time>
      </td>
      <td className="num" data-label={scoreName('cotk')} data-testid="history-cotk" data-value={e.cotk ?? ''}>
        {formatScore(e.cotk)}
      </td>
      <td className="num" data-label="Size" data-testid="history-size" data-value={e.size}>
        {formatBytes(e.size)}
      </td>
      <td data-label="States" data-testid="history-states" data-value={e.keptStates}>
        {e.keptStates ? 'kept' : 'no'}
      </td>
      <td className="history-actions" data-label="Actions">
        {confirming ? (
          <span role="group" aria-label={`Confirm deleting “${e.name}”`}>
            <span className="history-confirm">Delete it? This cannot be undone.</span>{' '}
            <button type="button" className="danger" disabled={busy} onClick={() => onDelete(e)}>
              Delete
            </button>{' '}
            <button type="button" onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </span>
        ) : (
          <>
            <button type="button" disabled={busy} onClick={() => onReopen(e)} aria-label={`Reopen “${e.name}”`}>
              Reopen
            </button>{' '}
            <button type="button" disabled={busy || editing} onClick={startRename} aria-label={`Rename “${e.name}”`}>
              Rename
            </button>{' '}
            <button type="button" disabled={busy} onClick={() => setConfirming(true)} aria-label={`Delete “${e.name}”`}>
              Delete
            </button>
          </>
        )}
      </td>
    </tr>
  );
}
