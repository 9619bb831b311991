import { useEffect } from 'react';
import { stepLayer } from '../state/actions';
import { selectEducator } from '../state/selectors';
import { useStore } from '../state/store';
import { runViewOf } from '../state/selectors';
import { shareDataOf } from '../share/codec';
import { openShareLink } from '../share/state';

/** The chosen theme on <html data-theme>; "system" leaves it to prefers-color-scheme in the CSS. */
export function useThemeAttribute(): void {
  const theme = useStore((s) => s.theme);
  useEffect(() => {
    const root = document.documentElement;
    if (theme === 'system') delete root.dataset.theme;
    else root.dataset.theme = theme;
  }, [theme]);
}

/** Controls that use the arrow keys themselves (text fields, sliders, radios, selects). A checkbox or button does not. */
function ownsArrows(el: EventTarget | null): boolean {
  if (!(el instanceof HTMLElement)) return false;
  if (el instanceof HTMLInputElement) return !['checkbox', 'button', 'submit', 'reset'].includes(el.type);
  return el.isContentEditable || ['TEXTAREA', 'SELECT'].includes(el.tagName) || el.getAttribute('role') === 'tab';
}

/**
 * Educator mode: left/right arrows step the layers from anywhere on the page, unless a control
 * that uses the arrows itself has them (a view that handled the key marks it defaultPrevented).
 */
export function useEducatorKeys(): void {
  const educator = useStore(selectEducator);
  useEffect(() => {
    if (!educator) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || ownsArrows(e.target) || e.altKey || e.ctrlKey || e.metaKey) return;
      if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
      const s = useStore.getState();
      if (!s.run) return;
      const layers = runViewOf(s.run.events, s.run.result, s.gamma).layers;
      if (layers <= 0) return;
      e.preventDefault();
      stepLayer(e.key === 'ArrowRight' ? 1 : -1, layers);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [educator]);
}

/**
 * A share link (`#share=v1.…`) read when the page opens, or when one is pasted into the address
 * bar of an open page: its inputs go into the drafts and a banner asks before anything runs. The
 * fragment is removed from the address at once, so a reload does not restore and ask again.
 */
export function useShareLinkAtStart(): void {
  useEffect(() => {
    const read = () => {
      const data = shareDataOf(window.location.hash);
      if (data === null) return;
      window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
      openShareLink(data);
    };
    read();
    window.addEventListener('hashchange', read);
    return () => window.removeEventListener('hashchange', read);
  }, []);
}
