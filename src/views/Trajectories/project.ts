import type { KeptStates } from '../../engine/keep';
import { projectRun, type TrajectoryResult } from '../../engine/projection';

export { MAX_FIT_ROWS, projectRun } from '../../engine/projection';
export type { TrajectoryData, TrajectoryResult } from '../../engine/projection';

/*
 * The engine worker fits the projection at the end of a run (RunResult.projection), off the page's
 * thread; these page-side fits serve runs that come without one (the fake engine, older results).
 */
const cache = new WeakMap<KeptStates, Map<string, TrajectoryResult>>();

/** A projection already computed for these states, if any (no work done). */
export function peekProjection(states: KeptStates, promptLength: number, outputTokens: number): TrajectoryResult | undefined {
  return cache.get(states)?.get(`${promptLength}:${outputTokens}`);
}

/** projectRun, memoised on the states object (a run's states never change once it has finished). */
export function projectRunCached(states: KeptStates | null, promptLength: number, outputTokens: number): TrajectoryResult {
  if (!states) return projectRun(null, promptLength, outputTokens);
  const key = `${promptLength}:${outputTokens}`;
  let m = cache.get(states);
  if (!m) cache.set(states, (m = new Map()));
  let r = m.get(key);
  if (!r) m.set(key, (r = projectRun(states, promptLength, outputTokens)));
  return r;
}
