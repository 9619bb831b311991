import { useMemo, useState } from 'react';
import type { SavedRun } from '../../record/types';
import { deriveRun, type RunView } from '../../state/derive';
import { DEFAULT_TINT, type TintMetric } from '../../state/slices';
import { AlignedText } from './AlignedText';
import { CompareStrips } from './CompareStrips';
import { sharedTint } from './scale';
import { ScoreTable } from './ScoreTable';
import { modelMismatch, variantNote } from './scores';
import { TrajectoryOverlay } from './TrajectoryOverlay';
import './compare.css';
import { MetricSelect } from '../shared/MetricSelect';
import { runAnswer } from '../shared/answer';
import { CompareVerdicts } from '../Verdict/CompareVerdicts';
import '../Verdict/verdict.css';

/**
 * Two saved runs side by side: aligned texts, strips on one scale, the score table and the
 * trajectories in one projection. Both runs are derived with the same γ (the page's), so their v1
 * numbers are comparable whatever γ each was made with.
 */

/** Why a run cannot be compared at all, as a sentence; null when it can. */
export function unusableReason(run: SavedRun, view: RunView, label: 'A' | 'B'): string | null {
  if (view.rows.length === 0) {
    return `Run ${label} (“${run.meta.name}”) has no output tokens${run.run.status === 'error' ? ': it failed before the model wrote anything' : ''}, so there is nothing of it to compare.`;
  }
  return null;
}

function statusNote(run: SavedRun, label: 'A' | 'B'): string | null {
  if (run.run.status === 'error') return `Run ${label} (“${run.meta.name}”) stopped with an error${run.run.error ? ` (${run.run.error})` : ''}: it is compared on the tokens it produced.`;
  if (run.run.status === 'cancelled') return `Run ${label} (“${run.meta.name}”) was stopped before it finished: it is compared on the tokens it produced.`;
  return null;
}

export function CompareView({ a, b, gamma }: { readonly a: SavedRun; readonly b: SavedRun; readonly gamma: number }) {
  const [metric, setMetric] = useState<TintMetric>(DEFAULT_TINT);
  const views = useMemo(() => [deriveRun(a.run.events, a.run.result, gamma), deriveRun(b.run.events, b.run.result, gamma)] as const, [a, b, gamma]);
  const rows = useMemo(() => [views[0].rows, views[1].rows] as const, [views]);
  const segments = useMemo(() => [rows[0].map((r) => r.segment), rows[1].map((r) => r.segment)] as const, [rows]);
  const tint = useMemo(() => sharedTint(rows, metric), [rows, metric]);
  const names = [a.meta.name, b.meta.name] as const;
  const scores = useMemo(() => [views[0].scores, views[1].scores] as const, [views]);
  const results = useMemo(() => [a.run.result, b.run.result] as const, [a, b]);
  const problems = [unusableReason(a, views[0], 'A'), unusableReason(b, views[1], 'B')].filter((p): p is string => p !== null);
  if (problems.length > 0) {
    return (
      <div className="cmp-problems" data-testid="compare-unusable">
        {problems.map((p) => (
          <p key={p} className="error-note" role="alert">
            {p}
          </p>
        ))}
      </div>
    );
  }
  const mismatch = modelMismatch(a.meta.model, b.meta.model);
  const notes = [
    a.meta.id === b.meta.id ? 'A and B are the same run: every difference is zero. Pick another run for one side.' : null,
    mismatch,
    variantNote(a.meta.model, b.meta.model),
    statusNote(a, 'A'),
    statusNote(b, 'B'),
  ].filter((n): n is string => n !== null);
  const controls = <MetricSelect label="Tint and plot by" value={metric} onChange={setMetric} />;
  return (
    <div className="cmp-views">
      {notes.length > 0 && (
        <ul className="notices cmp-notes" aria-label="Notes on this comparison" data-testid="compare-notes">
          {notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
      <CompareVerdicts a={a} b={b} />
      <AlignedText rows={rows} names={names} prompts={[a.run.prompt, b.run.prompt]} metric={metric} domain={tint.domain} scale={tint.scale} controls={controls} />
      <CompareStrips rows={rows} names={names} metric={metric} />
      <ScoreTable scores={scores} answers={[runAnswer(a.run), runAnswer(b.run)]} names={names} gamma={gamma} provisional={views[0].live || views[1].live} />
      <TrajectoryOverlay results={results} segments={segments} names={names} mismatch={mismatch} />
    </div>
  );
}
