import { ErrorNote } from '../components/ErrorNote';
import { selectRun } from '../state/selectors';
import { useStore } from '../state/store';

/** Where the run stands, in words (polite live region: announced without interrupting). */
export function RunStatusLine() {
  const run = useStore(selectRun);
  if (!run) return null;
  const n = run.result?.tokens.length ?? run.events.length;
  const verb = run.kind === 'generate' ? 'Generating' : 'Scoring';
  const secs = run.result ? (run.result.timing.prefillMs + run.result.timing.decodeMs) / 1000 : null;
  const text =
    run.status === 'running'
      ? `${verb}… ${n} tokens so far.`
      : run.status === 'stopping'
        ? `Stopping after ${n} tokens…`
        : run.status === 'cancelled'
          ? `Stopped after ${n} tokens; what was produced stays inspectable below.`
          : run.status === 'error'
            ? `The run ended early after ${n} tokens; those stay inspectable below.`
            : `Done: ${n} tokens${secs !== null ? ` in ${secs.toFixed(1)} s` : ''}${run.result?.stop === 'max-tokens' ? ' (stopped at the token limit)' : ''}.`;
  return (
    <div className="run-status">
      <p role="status" aria-live="polite" data-testid="run-status" data-status={run.status}>
        {text}
      </p>
      <ErrorNote message={run.error} testId="run-error" />
    </div>
  );
}
