import { SCORERS } from '../core/scores/index';

export function ResultsArea() {
  return (
    <section className="panel results" aria-labelledby="results-heading">
      <h2 id="results-heading">Results</h2>
      <p className="empty" data-testid="results-empty">
        No run yet. Ask a question or paste a trace: the reasoning appears here, each token tinted by its energy,
        next to the token trajectories through the layers and the answer’s confidence.
      </p>
      <details className="method">
        <summary>How each score is computed</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Score</th>
              <th scope="col">Formula</th>
              <th scope="col">Reads</th>
            </tr>
          </thead>
          <tbody>
            {SCORERS.map((s) => (
              <tr key={s.id}>
                <th scope="row">{s.label}</th>
                <td>{s.formula}</td>
                <td>{s.orientation === 'higher-is-correct' ? '↑ higher = more likely correct' : '↓ lower = more likely correct'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}
