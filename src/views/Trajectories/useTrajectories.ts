import { useEffect, useReducer } from 'react';
import type { RunResult } from '../../engine/run';
import { peekProjection, projectRunCached, type TrajectoryResult } from './project';

/** Below this many kept floats the fit takes a few milliseconds: do it at once, no "pending" flash. */
const SYNC_FLOATS = 2_000_000;

/**
 * The run's trajectories: the worker's projection when the run carries one; otherwise fitted here.
 * A large run's PCA takes most of a second, so it is fitted after the other views have painted (a
 * timeout, then a re-render), and 'pending' is shown meanwhile.
 */
export function useTrajectories(result: RunResult | null): TrajectoryResult | 'pending' | null {
  const [, bump] = useReducer((x: number) => x + 1, 0);
  const states = result?.states ?? null;
  const p = result?.promptLength ?? 0;
  const n = result?.tokens.length ?? 0;
  const cached = states ? peekProjection(states, p, n) : undefined;
  const small = !states || (states.layers + 1) * states.tokens * states.dim <= SYNC_FLOATS;
  const deferred = result !== null && !result.projection && !small && cached === undefined;
  useEffect(() => {
    if (!deferred) return;
    const id = setTimeout(() => {
      projectRunCached(states, p, n);
      bump();
    }, 0);
    return () => clearTimeout(id);
  }, [deferred, states, p, n]);
  if (!result) return null;
  if (result.projection) return result.projection;
  if (cached) return cached;
  return deferred ? 'pending' : projectRunCached(states, p, n);
}
