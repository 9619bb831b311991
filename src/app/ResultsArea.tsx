import { selectResult, selectRun, useRunView } from '../state/selectors';
import { useStore } from '../state/store';
import { ConfidencePanel } from '../views/Confidence/ConfidencePanel';
import { EnergyStrip } from '../views/EnergyStrip/EnergyStrip';
import { LayerHeatmap } from '../views/LayerHeatmap/LayerHeatmap';
import { LogitLens } from '../views/LogitLens/LogitLens';
import { MethodPanel } from '../views/Method/MethodPanel';
import { TextView } from '../views/TextView/TextView';
import { Trajectories } from '../views/Trajectories/Trajectories';
import { AnswerLine } from '../views/AnswerLine/AnswerLine';
import { VerdictPanel } from '../views/Verdict/VerdictPanel';
import { ExportMenu } from './ExportMenu';
import { TokenDetail } from './TokenDetail';

/** The views, linked by the store's selection; the method panel shows before any run too. */
export function ResultsArea() {
  const run = useStore(selectRun);
  const result = useStore(selectResult);
  const view = useRunView();
  return (
    <section className="panel results" aria-labelledby="results-heading">
      <h2 id="results-heading">Results</h2>
      {!run || !view ? (
        <p className="empty" data-testid="results-empty">
          No run yet. Ask a question or paste a trace: the reasoning appears here, each token tinted by its energy, next to the token trajectories
          through the layers and the answer’s confidence.
        </p>
      ) : view.rows.length === 0 ? (
        <>
          <p className="empty" data-testid="results-waiting">
            {run.status === 'running' ? 'Waiting for the first token…' : 'The run produced no output tokens.'}
          </p>
          {/* A run without tokens (stopped at once, or opened from such a file) still exports: an empty table, a report that says so. */}
          {run.status !== 'running' && run.status !== 'stopping' && <ExportMenu />}
        </>
      ) : (
        <>
          <AnswerLine />
          <VerdictPanel />
          {view.notes.length > 0 && (
            <ul className="notices" aria-label="Notes about how the trace was split">
              {view.notes.map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
          )}
          <ExportMenu />
          <TokenDetail view={view} />
          <div className="views">
            <TextView view={view} prompt={run.prompt} />
            <ConfidencePanel view={view} status={run.status} />
            <Trajectories view={view} result={result} />
            <EnergyStrip view={view} />
            <LayerHeatmap view={view} />
            <LogitLens view={view} result={result} />
          </div>
        </>
      )}
      <MethodPanel />
    </section>
  );
}
