import { brushX, select, type BrushBehavior, type D3BrushEvent } from 'd3';
import { useEffect, useRef, type RefObject } from 'react';

/**
 * d3-brush on an SVG group: the one place d3 touches the DOM for the strip. The brush reports only
 * user gestures (programmatic moves have no sourceEvent), and follows `selection` when it changes
 * elsewhere (a span cleared by Escape, a new run).
 */
export function useBrushX(
  ref: RefObject<SVGGElement | null>,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  selection: readonly [number, number] | null,
  onEnd: (sel: [number, number] | null) => void,
): void {
  const onEndRef = useRef(onEnd);
  const brushRef = useRef<BrushBehavior<unknown> | null>(null);
  useEffect(() => {
    onEndRef.current = onEnd;
  });
  useEffect(() => {
    const g = ref.current;
    if (!g || x1 <= x0 || y1 <= y0) return;
    const b = brushX<unknown>()
      .extent([
        [x0, y0],
        [x1, y1],
      ])
      .on('end', (ev: D3BrushEvent<unknown>) => {
        if (ev.sourceEvent) onEndRef.current(ev.selection as [number, number] | null);
      });
    const sel = select<SVGGElement, unknown>(g).call(b);
    brushRef.current = b;
    return () => {
      sel.on('.brush', null);
      sel.selectAll('*').remove();
      brushRef.current = null;
    };
  }, [ref, x0, y0, x1, y1]);
  const a = selection?.[0];
  const c = selection?.[1];
  useEffect(() => {
    const g = ref.current;
    const b = brushRef.current;
    if (!g || !b) return;
    select<SVGGElement, unknown>(g).call(b.move, a === undefined || c === undefined ? null : [a, c]);
  }, [ref, a, c, x0, y0, x1, y1]);
}
