import { useMemo } from 'react';
import { DEFAULT_COTK, type ScoreKey } from '../../core/scores/index';
import type { RunAnswer } from '../shared/answer';
import { fmt } from '../shared/format';
import { ViewPanel } from '../shared/ViewPanel';
import { COMPARE_CAPTIONS } from './captions';
import { orientationText, scoreRows } from './scores';

/** Every scorer's value for A and B, the difference B − A, and the run the score calls sounder. */
interface ScoreTableProps {
  readonly scores: readonly [Readonly<Record<ScoreKey, number | null>>, Readonly<Record<ScoreKey, number | null>>];
  readonly names: readonly [string, string];
  /** What each run answered (the first row of the table). */
  readonly answers: readonly [RunAnswer, RunAnswer];
  readonly gamma: number;
  /** True when either run's scores are a live estimate (the run ended before its result). */
  readonly provisional: boolean;
}

const num = (v: number | null) => (v === null ? 'null' : String(v));

function AnswerCell({ a, col }: { readonly a: RunAnswer; readonly col: 'a' | 'b' }) {
  return (
    <td className={a.kind === 'answer' ? 'cmp-answer' : 'cmp-answer cmp-no-answer'} data-col={col} data-value={a.kind === 'answer' ? a.text : ''} title={a.kind === 'none' ? a.why : undefined}>
      {a.kind === 'answer' ? a.text : a.kind === 'none' ? 'no answer' : 'not yet'}
    </td>
  );
}

export function ScoreTable({ scores, answers, names, gamma, provisional }: ScoreTableProps) {
  const rows = useMemo(() => scoreRows(scores[0], scores[1]), [scores]);
  const votes = { A: 0, B: 0 };
  for (const r of rows) if ((r.sounder === 'A' || r.sounder === 'B')) votes[r.sounder]++;
  const main = rows.find((r) => r.key === DEFAULT_COTK) ?? rows[0];
  const summary =
    (main.sounder === 'A' || main.sounder === 'B'
      ? `By the default CoT-Kinetics energy, run ${main.sounder} reads as sounder (B − A = ${fmt(main.diff)}, ${orientationText(main.orientation)}). `
      : main.sounder === 'tie'
        ? 'The default CoT-Kinetics energy is the same for both runs. '
        : 'The default CoT-Kinetics energy is missing for at least one run (no states or no reasoning). ') +
    `Answers: A ${answers[0].kind === 'answer' ? `“${answers[0].text}”` : 'none'}, B ${answers[1].kind === 'answer' ? `“${answers[1].text}”` : 'none'}. Of the ${rows.length} scorers, ${votes.A} favour A and ${votes.B} favour B. v1 numbers are at γ = ${fmt(gamma, 2)} for both runs.` +
    (provisional ? ' At least one run ended before its final result: its scores are estimates from the streamed tokens.' : '');
  return (
    <ViewPanel title="Scores, A against B" testId="compare-scores" caption={COMPARE_CAPTIONS.scores} summary={summary}>
      <div className="table-scroll">
        <table className="scores cmp-scores">
          <caption className="visually-hidden">Every scorer for run A and run B, the difference B − A, and the run it calls sounder</caption>
          <thead>
            <tr>
              <th scope="col">Scorer</th>
              <th scope="col">Direction</th>
              <th scope="col" title={names[0]}>
                A
              </th>
              <th scope="col" title={names[1]}>
                B
              </th>
              <th scope="col">B − A</th>
              <th scope="col">Sounder by this score</th>
            </tr>
          </thead>
          <tbody>
            <tr data-score="answer" className="cmp-answer-row">
              <th scope="row">Answer</th>
              <td>what the run answered</td>
              <AnswerCell a={answers[0]} col="a" />
              <AnswerCell a={answers[1]} col="b" />
              <td data-col="diff">{answers[0].kind === 'answer' && answers[1].kind === 'answer' ? (answers[0].text === answers[1].text ? 'same' : 'differ') : '—'}</td>
              <td data-col="sounder">—</td>
            </tr>
            {rows.map((r) => (
              <tr key={r.key} data-score={r.key}>
                <th scope="row">{r.label}</th>
                <td>
                  <span aria-hidden="true">{r.orientation === 'lower-is-correct' ? '↓ ' : '↑ '}</span>
                  {orientationText(r.orientation)}
                </td>
                <td className="num" data-col="a" data-value={num(r.a)}>
                  {fmt(r.a, 4)}
                </td>
                <td className="num" data-col="b" data-value={num(r.b)}>
                  {fmt(r.b, 4)}
                </td>
                <td className="num" data-col="diff" data-value={num(r.diff)}>
                  {r.diff !== null && r.diff > 0 ? '+' : ''}
                  {fmt(r.diff, 4)}
                </td>
                <td data-col="sounder" data-value={r.sounder ?? 'null'}>
                  {r.sounder === 'A' || r.sounder === 'B' ? `${r.sounder}` : r.sounder === 'tie' ? 'equal' : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="note">
        A: {names[0]}. B: {names[1]}. “—” where a score is undefined for a run (an empty segment, or no states for the state-based scores).
      </p>
    </ViewPanel>
  );
}
