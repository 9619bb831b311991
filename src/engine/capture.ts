import { COTK_V1_DEFAULT_GAMMA } from '../core/scores/cotKinetics';
import type { StatesCase } from '../core/states';
import { outputPositions } from '../core/trace/segment';
import { EngineInputError } from './errors';
import type { RunResult } from './run';

/**
 * A run in the golden states layout (SCORING.md): what `cotk capture` writes and `cotk states`
 * scores. It needs the whole run's states and the scored tokens' logits rows, so capture runs with
 * `stateCapBytes: Infinity, keepLogits: true`.
 */
export function toStatesCase(run: RunResult, vocab: number, gamma: number = COTK_V1_DEFAULT_GAMMA, name?: string): StatesCase {
  const s = run.states;
  const T = run.ids.length;
  if (!s || s.truncated || s.tokens !== T) {
    throw new EngineInputError(
      `the run kept states for ${s?.tokens ?? 0} of its ${T} positions; capture with stateCapBytes: Infinity on a tapped graph.`,
    );
  }
  if (!run.logits) throw new EngineInputError('the run kept no logits rows; capture with keepLogits: true.');
  const { layers: L, dim: d } = s;
  const hidden = s.residual.slice();
  hidden.set(s.finalNorm, L * T * d);
  const targets = outputPositions(run.segments.reasoning, run.segments.answer).map((p) => run.ids[p]);
  return {
    name,
    residual: { layers: L, tokens: T, dim: d, data: s.residual },
    hidden: { layers: L, tokens: T, dim: d, data: hidden },
    vocab,
    logits: run.logits,
    targets,
    reasoning: run.segments.reasoning,
    answer: run.segments.answer,
    gamma,
  };
}

/** The case as the JSON object `cotk states` reads (numbers, not typed arrays). */
export function statesCaseJson(c: StatesCase): Record<string, unknown> {
  return {
    ...(c.name !== undefined ? { name: c.name } : {}),
    layers: c.residual.layers,
    tokens: c.residual.tokens,
    dim: c.residual.dim,
    vocab: c.vocab,
    residual: Array.from(c.residual.data),
    hidden: Array.from(c.hidden.data),
    logits: Array.from(c.logits),
    targets: Array.from(c.targets),
    reasoning: [...c.reasoning],
    answer: [...c.answer],
    gamma: c.gamma,
  };
}
