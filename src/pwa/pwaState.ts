import { create } from 'zustand';

/**
 * The service worker's state as the page sees it. src/pwa/register.ts fills it in the built app;
 * nothing does in `vite dev` or in tests, so no prompt shows there unless a test sets one.
 */
export interface PwaState {
  /** A new version is installed and waiting: it takes over only when the user asks. */
  readonly needRefresh: boolean;
  /** The app (and the bundled model) are in the precache: it works offline from now on. */
  readonly offlineReady: boolean;
  /** The user asked to update; the page reloads when the new version takes control. */
  readonly updating: boolean;
  /** A sentence, when applying the update failed (shown in the prompt). */
  readonly updateError: string | null;
  /** A sentence, when the service worker could not be registered (shown in "Models on this device"). */
  readonly registerError: string | null;
  /** Activates the waiting version and reloads (null until a service worker is registered). */
  readonly update: (() => Promise<void>) | null;
}

export const usePwa = create<PwaState>()(() => ({ needRefresh: false, offlineReady: false, updating: false, updateError: null, registerError: null, update: null }));

export function dismissUpdate(): void {
  usePwa.setState({ needRefresh: false });
}

/** Runs the waiting version; failures stay on screen as a sentence and the prompt stays usable. */
export async function applyUpdate(): Promise<void> {
  const { update } = usePwa.getState();
  if (!update) {
    usePwa.setState({ updateError: 'There is no new version to switch to: reload the page to look again.' });
    return;
  }
  usePwa.setState({ updating: true, updateError: null });
  try {
    await update();
  } catch (e) {
    usePwa.setState({ updating: false, updateError: `The update could not be applied (${(e as Error).message}); reload the page to try again.` });
  }
}
