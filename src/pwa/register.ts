/// <reference types="vite-plugin-pwa/vanillajs" />
import { usePwa } from './pwaState';

/**
 * Registers the service worker of the built app (vite-plugin-pwa, registerType 'prompt'): a new
 * version waits until the user clicks "Reload to update" in the header. Nothing happens in
 * `vite dev` (no service worker there) or where the browser has none.
 */
export async function startPwa(): Promise<void> {
  if (!import.meta.env.PROD || typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return;
  try {
    const { registerSW } = await import('virtual:pwa-register');
    const update = registerSW({
      // The page may already have loaded by the time this chunk arrives: register now, not on 'load'.
      immediate: true,
      onNeedRefresh: () => usePwa.setState({ needRefresh: true }),
      onOfflineReady: () => usePwa.setState({ offlineReady: true }),
      onRegisterError: (e: unknown) =>
        usePwa.setState({ registerError: `The app could not be saved for offline use (${e instanceof Error ? e.message : String(e)}); it still works online.` }),
    });
    usePwa.setState({ update: () => update(true) });
  } catch (e) {
    usePwa.setState({ registerError: `The app could not be saved for offline use (${(e as Error).message}); it still works online.` });
  }
}
