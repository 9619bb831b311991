import { synthRun, type SynthRun } from '../../test/unit/views/fixtures';

/**
 * The benchmark's run: 4 000 output tokens through 28 decoder layers (29 states R[0..28], as
 * Qwen3-0.6B), built like the views' test fixtures (real scorer numbers on smooth synthetic
 * states), so Node and the browser page measure the same data. d = 256 keeps the kept states at
 * ~120 MB; the PCA fit is capped at 1 000 states, so d mostly moves the projection's cost.
 */
export const BENCH_TOKENS = 4000;
export const BENCH_LAYERS = 28;
export const BENCH_DIM = 256;

export function benchRun(): SynthRun {
  // Reasoning written as short steps ("12+7=19" then a newline), like the tiny-reasoner's.
  const step = ['1', '2', '+', '7', '=', '1', '9', '\n'];
  const reasoning = Array.from({ length: BENCH_TOKENS - 4 }, (_, i) => step[i % step.length]);
  return synthRun({ reasoning, answer: ['57'], layers: BENCH_LAYERS, dim: BENCH_DIM, promptLength: 12 });
}
