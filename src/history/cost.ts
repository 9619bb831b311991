import type { KeptStates } from '../engine/keep';
import type { RunState } from '../state/slices';
import { estimateSize } from '../storage/size';

export { statesBytesPerPosition } from '../core/plan';

export function statesBytes(s: KeptStates | null | undefined): number {
  return s ? s.residual.byteLength + s.finalNorm.byteLength : 0;
}

/** What saving `run` costs without its states, and what its states would add. */
export function runCost(run: RunState): { withoutStates: number; states: number } {
  const states = statesBytes(run.result?.states);
  const bare: RunState = run.result ? { ...run, result: { ...run.result, states: null, logits: null, outputLogits: null } } : run;
  return { withoutStates: estimateSize(bare), states };
}
