import { useState } from 'react';
import { formatBytes } from '../storage/size';
import { dismissSaveFailure, retryFailedSave, useHistoryStatus } from './autosave';
import './history.css';

/**
 * A run that could not be saved to history, said wherever the user is (the App renders this above
 * every tab): the reason with its sizes, and what can be done about it.
 */
export function SaveNotice() {
  const failure = useHistoryStatus((s) => s.failure);
  const [busy, setBusy] = useState(false);
  if (!failure) return null;
  const retry = async (withoutStates: boolean) => {
    setBusy(true);
    try {
      await retryFailedSave(withoutStates);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="history-save-error" role="alert" data-testid="history-save-error" data-quota={failure.quota}>
      <p>{failure.message}</p>
      <div className="buttons">
        {failure.keptStates && (
          <button type="button" disabled={busy} onClick={() => void retry(true)}>
            Save it without full states
          </button>
        )}
        <button type="button" disabled={busy} onClick={() => void retry(false)}>
          Try again ({formatBytes(failure.bytes)})
        </button>
        <button type="button" disabled={busy} onClick={dismissSaveFailure}>
          Dismiss
        </button>
      </div>
    </div>
  );
}
