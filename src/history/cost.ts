import type { KeptStates } from '../engine/keep';
import type { RunState } from '../state/slices';
import { estimateSize } from '../storage/size';

/** Bytes of full states per position (prompt included): R[0..L] and the final-normed H[L], float32. */
export function statesBytesPerPosition(layers: number, hidden: number): number {
  return (layers + 2) * hidden * 4;
}

export function statesBytes(s: KeptStates | null | undefined): number {
  return s ? s.residual.byteLength + s.finalNorm.byteLength : 0;
}

/** What saving `run` costs without its states, and what its states would add. */
export function runCost(run: RunState): { withoutStates: number; states: number } {
  const states = statesBytes(run.result?.states);
  const bare: RunState = run.result ? { ...run, result: { ...run.result, states: null, logits: null, outputLogits: null } } : run;
  return { withoutStates: estimateSize(bare), states };
}
