import { useId } from 'react';
import { DEFAULT_COTK, scorerInfo } from '../../core/scores/index';
import type { RunView } from '../../state/derive';
import type { RunStatus } from '../../state/slices';
import { selectGamma } from '../../state/selectors';
import { useStore } from '../../state/store';
import { CAPTIONS } from '../captions';
import { fmt } from '../shared/format';
import { ViewPanel } from '../shared/ViewPanel';
import { percent, scoreRows, type ScoreRow } from './layout';

/** A score's name that shows its formula on hover and on keyboard focus (and always to screen readers). */
function ScoreName({ row }: { row: ScoreRow }) {
  const id = useId();
  return (
    <span className="has-tip">
      <button type="button" className="link-like" aria-describedby={id}>
        {row.label}
      </button>
      <span role="tooltip" id={id} className="tip">
        {row.long}: {row.formula}
        <span className="tip-source"> — {row.source}</span>
      </span>
    </span>
  );
}

const STATUS_NOTE: Partial<Record<RunStatus, string>> = {
  running: 'Live estimate while the run streams; CoE needs the finished run.',
  stopping: 'Stopping…',
  cancelled: 'The run was stopped: these scores cover what was produced until then.',
  error: 'The run failed midway: these are estimates from the tokens that arrived.',
};

export function ConfidencePanel({ view, status }: { readonly view: RunView; readonly status: RunStatus }) {
  const gamma = useStore(selectGamma);
  const rows = scoreRows(view.scores);
  const conf = view.scores.answerConfidence;
  // The headline energy is the default formulation's; v1 (the γ one) stays in the table below.
  const main = scorerInfo(DEFAULT_COTK);
  const energy = view.scores[DEFAULT_COTK];
  const v = main.formulation ?? 'v1';
  const note = STATUS_NOTE[status];
  return (
    <ViewPanel
      title="Confidence and scores"
      testId="view-confidence"
      caption={CAPTIONS.confidence}
      summary={`Answer confidence ${percent(conf)}; trace energy (${v}) ${fmt(energy)}; v1 energy ${fmt(view.scores.cotkEnergy)} at γ = ${fmt(gamma, 2)}.${view.live ? ' Provisional.' : ''}`}
    >
      <div className="headline">
        <div className="big-number">
          <span className="big-label">Answer confidence ↑</span>
          <span className="big-value" data-testid="answer-confidence">
            {percent(conf)}
          </span>
          <span className="big-help">per-token probability of the answer, given the prompt and reasoning</span>
        </div>
        <div className="big-number">
          <span className="big-label">Trace energy ↓ ({v})</span>
          <span className="big-value" data-testid="trace-energy">
            {fmt(energy)}
          </span>
          <span className="big-help">{v === 'v2' ? 'highest surprisal barrier minus mean κ over the reasoning' : `mean E_t over the reasoning, γ = ${fmt(gamma, 2)}`}</span>
        </div>
      </div>
      {note && <p className="note">{note}</p>}
      <table className="scores">
        <caption className="visually-hidden">Every score of this trace, in the registry's order</caption>
        <thead>
          <tr>
            <th scope="col">Score</th>
            <th scope="col">Value</th>
            <th scope="col">Reads</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} data-scorer={r.id} data-testid={`score-${r.id}`} data-value={r.value !== null && Number.isFinite(r.value) ? r.value : ""}>
              <th scope="row">
                <ScoreName row={r} />
              </th>
              <td className="num">{r.shown}</td>
              <td>
                <span aria-hidden="true">{r.arrow} </span>
                {r.reads}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ViewPanel>
  );
}
