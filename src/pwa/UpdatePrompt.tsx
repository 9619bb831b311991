import { ErrorNote } from '../components/ErrorNote';
import { applyUpdate, dismissUpdate, usePwa } from './pwaState';
import './pwa.css';

/**
 * "Update available": a new version of the app is installed and waiting. It takes over only on the
 * user's click (the page reloads into it), so a run in progress is never cut short by an update.
 */
export function UpdatePrompt() {
  const needRefresh = usePwa((s) => s.needRefresh);
  const updating = usePwa((s) => s.updating);
  const error = usePwa((s) => s.updateError);
  if (!needRefresh) return null;
  return (
    <div className="pwa-update" role="status" data-testid="pwa-update">
      <span>Update available</span>
      <button type="button" className="primary" onClick={() => void applyUpdate()} disabled={updating}>
        {updating ? 'Reloading…' : 'Reload to update'}
      </button>
      <button type="button" onClick={dismissUpdate} disabled={updating}>
        Later
      </button>
      <ErrorNote message={error} testId="pwa-update-error" />
    </div>
  );
}
