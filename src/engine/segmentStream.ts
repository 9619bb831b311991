import type { SpecialIds } from '../core/trace/segment';

/**
 * `segmentTrace` (src/core/trace/segment.ts) decided one token at a time, for a reducer that must
 * know, as each output token arrives, whether it will count as reasoning or answer. The only token
 * it cannot place at once is one that comes before any `<think>`: it is reasoning if the first
 * marker turns out to be `</think>` or EOS (or never comes), and unscored if it is `<think>`; those
 * wait as 'pending' until {@link SegmentTracker.resolve} says which.
 */
export type TokenSegment = 'pending' | 'reasoning' | 'answer' | 'marker' | 'after';

export class SegmentTracker {
  private phase: 'pre' | 'reasoning' | 'answer' | 'done' = 'pre';
  /** What happened to the pending tokens, once known. */
  private pendingFate: 'reasoning' | 'dropped' | null = null;

  constructor(private readonly sp: SpecialIds) {}

  /** Classifies the next output token (call in order); `onResolve` fires once when pending tokens are settled. */
  next(id: number, onResolve: (fate: 'reasoning' | 'dropped') => void): TokenSegment {
    const eos = this.sp.eos.includes(id);
    switch (this.phase) {
      case 'pre':
        if (id === this.sp.think) {
          this.settle('dropped', onResolve);
          this.phase = 'reasoning';
          return 'marker';
        }
        if (id === this.sp.endThink || eos) {
          this.settle('reasoning', onResolve);
          this.phase = eos ? 'done' : 'answer';
          return 'marker';
        }
        return 'pending';
      case 'reasoning':
        if (id === this.sp.endThink || eos) {
          this.phase = eos ? 'done' : 'answer';
          return 'marker';
        }
        return 'reasoning';
      case 'answer':
        if (eos) {
          this.phase = 'done';
          return 'marker';
        }
        return 'answer';
      default:
        return 'after';
    }
  }

  /** At the end of the run: pending tokens with no marker after them are reasoning. */
  finish(onResolve: (fate: 'reasoning' | 'dropped') => void): void {
    if (this.phase === 'pre') this.settle('reasoning', onResolve);
  }

  get fate(): 'reasoning' | 'dropped' | null {
    return this.pendingFate;
  }

  private settle(fate: 'reasoning' | 'dropped', onResolve: (fate: 'reasoning' | 'dropped') => void): void {
    this.pendingFate = fate;
    onResolve(fate);
  }
}
