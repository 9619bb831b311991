import { useEffect, useRef } from 'react';

/**
 * A canvas sized for the device's pixel ratio, redrawn whenever `draw` changes (callers memoise it
 * with useCallback). jsdom has no 2-D context: drawing is skipped there, and the SVG overlays
 * every canvas view keeps for its highlight are what DOM tests see.
 */
export function useCanvas(draw: (ctx: CanvasRenderingContext2D) => void, width: number, height: number) {
  const ref = useRef<HTMLCanvasElement | null>(null);
  useEffect(() => {
    const c = ref.current;
    if (!c) return;
    const dpr = typeof window !== 'undefined' ? window.devicePixelRatio || 1 : 1;
    c.width = Math.max(1, Math.round(width * dpr));
    c.height = Math.max(1, Math.round(height * dpr));
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    draw(ctx);
  }, [draw, width, height]);
  return ref;
}
