import type { ScaleSequential } from 'd3';
import { memo, useMemo, type ReactNode } from 'react';
import { metricValue, TINT_LABELS, type TokenRow } from '../../state/derive';
import type { TintMetric } from '../../state/slices';
import { fmt } from '../shared/format';
import { Legend } from '../shared/Legend';
import { SEQUENTIAL, textOn } from '../shared/palette';
import { ViewPanel } from '../shared/ViewPanel';
import { alignSteps, type AlignKind } from './align';
import { COMPARE_CAPTIONS } from './captions';
import { answerRows, meanOf, splitSteps, type Step } from './steps';

/**
 * The two reasoning texts step by step, aligned (equal steps on one row, a step only one run has
 * opposite a gap), every token tinted on one colour scale for both runs, with each step's mean.
 * It is a table: the aligned rows are tabular data, and a screen reader walks it as one.
 */
const KIND_MARK: Record<AlignKind, { sign: string; words: string }> = {
  same: { sign: '=', words: 'same step in both runs' },
  changed: { sign: '≈', words: 'similar step, changed' },
  'only-a': { sign: '−', words: 'only in run A' },
  'only-b': { sign: '+', words: 'only in run B' },
};

interface TintedProps {
  readonly rows: readonly TokenRow[];
  readonly metric: TintMetric;
  readonly scale: ScaleSequential<string>;
}

/** A run of tokens, each on its tint; text goes in as text, never as HTML. */
const Tinted = memo(function Tinted({ rows, metric, scale }: TintedProps) {
  return (
    <span className="cmp-tokens">
      {rows.map((r) => {
        const v = metricValue(r, metric);
        const text = r.text.replace(/\r?\n/g, '');
        if (text === '') return null;
        const bg = Number.isFinite(v) ? scale(v) : null;
        return (
          <span key={r.index} className={`tok${bg ? '' : ' no-value'}`} data-index={r.index} style={bg ? { background: bg, color: textOn(bg) } : undefined} title={`token ${r.index}: ${fmt(v)}`}>
            {text}
          </span>
        );
      })}
    </span>
  );
});

function MeanCell({ value, scale }: { readonly value: number; readonly scale: ScaleSequential<string> }) {
  const ok = Number.isFinite(value);
  return (
    <td className="num" data-value={ok ? value : 'null'}>
      {ok && <span className="swatch" style={{ background: scale(value) }} aria-hidden="true" />} {fmt(value)}
    </td>
  );
}

interface AlignedTextProps {
  readonly rows: readonly [readonly TokenRow[], readonly TokenRow[]];
  readonly names: readonly [string, string];
  readonly prompts: readonly [string, string];
  readonly metric: TintMetric;
  readonly domain: [number, number];
  readonly scale: ScaleSequential<string>;
  readonly controls: ReactNode;
}

export function AlignedText({ rows, names, prompts, metric, domain, scale, controls }: AlignedTextProps) {
  const steps = useMemo(() => [splitSteps(rows[0], metric), splitSteps(rows[1], metric)] as const, [rows, metric]);
  const aligned = useMemo(() => alignSteps(steps[0].map((s) => s.text), steps[1].map((s) => s.text)), [steps]);
  const answers = useMemo(() => [answerRows(rows[0]), answerRows(rows[1])] as const, [rows]);
  const counts: Record<AlignKind, number> = { same: 0, changed: 0, 'only-a': 0, 'only-b': 0 };
  for (const r of aligned) counts[r.kind]++;
  const label = TINT_LABELS[metric];
  const stepCell = (s: Step | null, run: 'A' | 'B') =>
    s ? (
      <>
        <td className="cmp-stepno">{s.index + 1}</td>
        <td className="cmp-text" data-run={run}>
          <Tinted rows={s.rows} metric={metric} scale={scale} />
        </td>
        <MeanCell value={s.mean} scale={scale} />
      </>
    ) : (
      <>
        <td className="cmp-stepno" />
        <td className="cmp-gap">
          <span className="visually-hidden">no step in run {run}</span>
        </td>
        <td />
      </>
    );
  const summary =
    `A has ${steps[0].length} ${steps[0].length === 1 ? 'step' : 'steps'}, B has ${steps[1].length}: ${counts.same} the same, ${counts.changed} changed, ` +
    `${counts['only-a']} only in A, ${counts['only-b']} only in B. Both texts are tinted on one scale (${fmt(domain[0])} to ${fmt(domain[1])}).`;
  return (
    <ViewPanel title="Texts, steps aligned" testId="compare-text" caption={COMPARE_CAPTIONS.text} controls={controls} summary={summary}>
      <div className="cmp-prompts">
        {(['A', 'B'] as const).map((run, k) => (
          <p key={run} className="prompt-text">
            <span className="label">
              {run}: {names[k]}
            </span>{' '}
            {prompts[k]}
          </p>
        ))}
      </div>
      {steps[0].length + steps[1].length === 0 && <p className="note">Neither run has reasoning steps (lines of reasoning): only the answers are compared.</p>}
      <div className="table-scroll cmp-aligned-scroll">
        <table className="cmp-aligned" data-testid="compare-steps">
          <caption className="visually-hidden">Reasoning steps of runs A and B, aligned; each step with its mean {label}</caption>
          <thead>
            <tr>
              <th scope="col" title="= same, ≈ changed, − only in A, + only in B">
                <span aria-hidden="true">⇄</span>
                <span className="visually-hidden">Alignment</span>
              </th>
              <th scope="col">A #</th>
              <th scope="col">Run A</th>
              <th scope="col">A mean</th>
              <th scope="col">B #</th>
              <th scope="col">Run B</th>
              <th scope="col">B mean</th>
              <th scope="col">B − A</th>
            </tr>
          </thead>
          <tbody>
            {aligned.map((r, i) => {
              const sa = r.a === null ? null : steps[0][r.a];
              const sb = r.b === null ? null : steps[1][r.b];
              const diff = sa && sb ? sb.mean - sa.mean : NaN;
              return (
                <tr key={i} className={`cmp-row cmp-${r.kind}`} data-kind={r.kind}>
                  <th scope="row" className="cmp-kind" title={KIND_MARK[r.kind].words}>
                    <span aria-hidden="true">{KIND_MARK[r.kind].sign}</span>
                    <span className="visually-hidden">{KIND_MARK[r.kind].words}</span>
                  </th>
                  {stepCell(sa, 'A')}
                  {stepCell(sb, 'B')}
                  <td className="num" data-value={Number.isFinite(diff) ? diff : 'null'}>
                    {fmt(diff)}
                  </td>
                </tr>
              );
            })}
            <tr className="cmp-row cmp-answer" data-kind="answer">
              <th scope="row" className="cmp-kind">
                <span aria-hidden="true">⟹</span>
                <span className="visually-hidden">answer</span>
              </th>
              <td className="cmp-stepno">ans.</td>
              <td className="cmp-text" data-run="A">{answers[0].length > 0 ? <Tinted rows={answers[0]} metric={metric} scale={scale} /> : <span className="note">no answer</span>}</td>
              <MeanCell value={meanOf(answers[0], metric)} scale={scale} />
              <td className="cmp-stepno">ans.</td>
              <td className="cmp-text" data-run="B">{answers[1].length > 0 ? <Tinted rows={answers[1]} metric={metric} scale={scale} /> : <span className="note">no answer</span>}</td>
              <MeanCell value={meanOf(answers[1], metric)} scale={scale} />
              <td className="num">{fmt(meanOf(answers[1], metric) - meanOf(answers[0], metric))}</td>
            </tr>
          </tbody>
        </table>
      </div>
      <Legend label={`${label}, one scale for both runs`} domain={domain} interpolator={SEQUENTIAL} lowNote="(low)" highNote="(high)" />
      <p className="note">
        Rows: = the same step, ≈ a similar step that changed, − a step only A has, + a step only B has. A step is one line of the reasoning; hover a token for its value.
      </p>
    </ViewPanel>
  );
}
