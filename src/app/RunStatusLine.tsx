import { ErrorNote } from '../components/ErrorNote';
import { selectRun } from '../state/selectors';
import { useStore } from '../state/store';

/** "0.4 s", "12 s", "2 min 5 s": a duration a person reads. */
export function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.round(s)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - 60 * m)} s`;
}

/** Where the run stands, in words (polite live region: announced without interrupting). */
export function RunStatusLine() {
  const run = useStore(selectRun);
  const queued = useStore((s) => s.queued);
  if (queued) {
    return (
      <div className="run-status">
        <p role="status" aria-live="polite" data-testid="run-status" data-status="queued">
          {queued === 'generate' ? 'Your question' : 'Your trace'} will run as soon as the model is ready; Stop cancels the wait.
        </p>
      </div>
    );
  }
  if (!run) return null;
  const n = run.result?.tokens.length ?? run.events.length;
  const verb = run.kind === 'generate' ? 'Generating' : 'Scoring';
  // The page's own clock (click to result) when it has one; a reopened run has only the engine's.
  const ms = run.wallMs ?? (run.result ? run.result.timing.prefillMs + run.result.timing.decodeMs : null);
  const took = ms !== null && ms > 0 ? ` in ${formatDuration(ms)}` : '';
  const done = run.kind === 'generate' ? `Generated ${n} tokens${took}` : `Scored ${n} tokens${took}`;
  const text =
    run.status === 'running'
      ? `${verb}… ${n} tokens so far.`
      : run.status === 'stopping'
        ? `Stopping after ${n} tokens…`
        : run.status === 'cancelled'
          ? `Stopped after ${n} tokens; what was produced stays inspectable below.`
          : run.status === 'error'
            ? `The run ended early after ${n} tokens; those stay inspectable below.`
            : `${done}${run.result?.stop === 'max-tokens' ? ' (stopped at the token limit)' : ''}.`;
  return (
    <div className="run-status">
      <p role="status" aria-live="polite" data-testid="run-status" data-status={run.status}>
        {text}
      </p>
      <ErrorNote message={run.error} testId="run-error" />
    </div>
  );
}
