import { useEffect, useState } from 'react';
import { selectHover, selectSelected } from '../../state/selectors';
import { useStore } from '../../state/store';

/** Hover waits this long before the lens follows it: sweeping across a trace asks for one lens, not forty. */
export const LENS_HOVER_DEBOUNCE_MS = 150;

/**
 * The output token the lens panel reads: the hovered one once the pointer has rested on it, else
 * the picked one (at once: a click or Enter is a deliberate choice).
 */
export function useLensTarget(): number | null {
  const hover = useStore(selectHover);
  const selected = useStore(selectSelected);
  const [rested, setRested] = useState<number | null>(null);
  useEffect(() => {
    const id = setTimeout(() => setRested(hover), hover === null ? 0 : LENS_HOVER_DEBOUNCE_MS);
    return () => clearTimeout(id);
  }, [hover]);
  if (hover === null) return selected;
  // Until the pointer rests, keep showing what was shown (the picked token, or the last rested one).
  return rested ?? selected;
}
