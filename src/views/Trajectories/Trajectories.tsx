import { useEffect, useMemo, useState } from 'react';
import { setLayer } from '../../state/actions';
import type { RunView } from '../../state/derive';
import type { RunResult } from '../../engine/run';
import { selectActive, selectEducator, selectLayer, selectSelected } from '../../state/selectors';
import { useStore } from '../../state/store';
import { CAPTIONS, trajectoryCaption } from '../captions';
import { DataTable, type Column } from '../shared/DataTable';
import { fmt, tokenLabel } from '../shared/format';
import { SEGMENT_LABELS } from '../shared/palette';
import { useElementWidth } from '../shared/useElementWidth';
import { ViewPanel } from '../shared/ViewPanel';
import { trajectoryVector } from '../shared/chartExport';
import { markPath, trajectoryLayout, type TrajMark } from './layout';
import { segmentStroke, TrajectoryPlot } from './TrajectoryPlot';
import type { RowSegment } from '../../state/derive';
import { useTrajectories } from './useTrajectories';

const STEP_MS = 600;

/** The legend: every kind of mark the plot can draw (the segments present, the mean path, the picked token, the direction). */
function SegmentKey({ present, hasMean }: { readonly present: ReadonlySet<RowSegment>; readonly hasMean: boolean }) {
  const segs = (['reasoning', 'answer', 'other', 'pending'] as const).filter((s) => present.has(s));
  return (
    <ul className="segment-key" aria-label="Legend of the trajectory plot" data-testid="traj-legend">
      {segs.map((s) => (
        <li key={s} data-mark={s}>
          <svg width={14} height={14} aria-hidden="true" focusable="false">
            <path d={markPath(s, 60)} transform="translate(7,7)" fill={segmentStroke(s)} />
          </svg>
          {SEGMENT_LABELS[s]} token{s === 'other' ? ' (<think>, </think>, end of text)' : ''}
        </li>
      ))}
      {hasMean && (
        <li data-mark="mean">
          <span className="key-mean" aria-hidden="true" /> mean path of the reasoning tokens
        </li>
      )}
      <li data-mark="picked">
        <span className="key-picked" aria-hidden="true" /> picked or pointed-at token (labelled)
      </li>
      <li data-mark="direction">
        <span aria-hidden="true">→</span> direction: layer 0 to the layer shown
      </li>
    </ul>
  );
}

export function Trajectories({ view, result }: { readonly view: RunView; readonly result: RunResult | null }) {
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const active = useStore(selectActive);
  const selected = useStore(selectSelected);
  const educator = useStore(selectEducator);
  const storeLayer = useStore(selectLayer);
  const [playing, setPlaying] = useState(false);
  const [showAll, setShowAll] = useState(false);
  const got = useTrajectories(result);
  const traj = got === 'pending' ? null : got;
  const data = traj?.ok ? traj.data : null;
  const L = data?.layers ?? view.layers;
  const layer = Math.min(storeLayer ?? L, L);
  const segments = useMemo(() => view.rows.map((r) => r.segment), [view.rows]);
  const height = Math.round(Math.min(420, Math.max(240, width * 0.6)));
  const layout = useMemo(() => (data ? trajectoryLayout({ data, segments, width, height, layer }) : null), [data, segments, width, height, layer]);

  useEffect(() => {
    if (!playing) return;
    const id = setInterval(() => {
      const cur = useStore.getState().layer ?? L;
      if (cur >= L) setPlaying(false);
      else setLayer(cur + 1, L);
    }, STEP_MS);
    return () => clearInterval(id);
  }, [playing, L]);

  const play = () => {
    if (playing) return setPlaying(false);
    if (layer >= L) setLayer(0, L);
    setPlaying(true);
  };

  const controls = L > 0 && (
    <>
      <label className="inline">
        Layer shown{' '}
        <input
          type="range"
          min={0}
          max={L}
          step={1}
          value={layer}
          onChange={(e) => setLayer(Number(e.target.value), L)}
          aria-valuetext={`layer ${layer} of ${L}`}
        />
        <output>
          {layer} / {L}
        </output>
      </label>
      <button type="button" onClick={play} aria-pressed={playing} disabled={!data}>
        {playing ? 'Pause' : 'Play layers'}
      </button>
      <label className="inline">
        <input type="checkbox" checked={showAll} onChange={(e) => setShowAll(e.target.checked)} /> every path at full strength
      </label>
    </>
  );

  const columns: Column<TrajMark>[] = [
    { header: 'Token', rowHeader: true, cell: (m) => `${m.index} “${tokenLabel(view.rows[m.index]?.text ?? '')}”` },
    { header: 'Segment', cell: (m) => SEGMENT_LABELS[m.segment] },
    { header: 'x at layer 0', cell: (m) => fmt(layout?.x.invert(m.points[0][0])) },
    { header: 'y at layer 0', cell: (m) => fmt(layout?.y.invert(m.points[0][1])) },
    { header: `x at layer ${layer}`, cell: (m) => fmt(layout?.x.invert(m.x)) },
    { header: `y at layer ${layer}`, cell: (m) => fmt(layout?.y.invert(m.y)) },
  ];
  const pct = (v: number) => (Number.isFinite(v) ? `${Math.round(v * 100)} %` : 'an unknown share');
  const caption = useMemo(() => trajectoryCaption(layer, L, view.rows), [layer, L, view.rows]);
  const present = useMemo(() => new Set(layout?.marks.map((m) => m.segment) ?? []), [layout]);
  const reason =
    got === 'pending'
      ? 'Fitting the projection of the kept states…'
      : traj && !traj.ok
        ? traj.reason
        : 'Paths are drawn when the run finishes: the projection is fitted on all kept states at once.';
  const summary = data
    ? `${data.tokens.length} token paths through ${L} layers, drawn up to layer ${layer}. The axes are this run's first two principal components (PC 1, PC 2) of the unit-scaled states; they explain ${pct(data.explained[0])} and ${pct(data.explained[1])} of their variance. ${caption}` +
      (data.dropped > 0 ? ` ${data.dropped} later tokens have no path: the memory cap for kept states was reached.` : '') +
      (layout && layout.unplotted > 0 ? ` ${layout.unplotted} token(s) are not drawn: their projected position is not a number (NaN or infinite in the run).` : '')
    : 'No token paths are drawn for this run (see the note above).';
  return (
    <ViewPanel
      title="Trajectories through the layers"
      testId="view-trajectories"
      caption={CAPTIONS.trajectories}
      vector={layout?.canvas ? () => trajectoryVector(layout, active !== null) : undefined}
      controls={controls}
      summary={summary}
      table={layout && <DataTable caption="Projected position of each token at the first layer and the layer shown" columns={columns} rows={layout.marks} rowKey={(m) => m.index} />}
    >
      <div ref={ref} className="plot-wrap">
        {layout ? (
          <TrajectoryPlot
            layout={layout}
            active={active}
            selected={selected}
            layers={L}
            label={`Token paths, layer ${layer} of ${L}: left and right arrows step layers, up and down move between tokens`}
            tokenText={(i) => tokenLabel(view.rows[i]?.text ?? '')}
            showAll={showAll}
          />
        ) : (
          <p className="note" role="note" data-testid="trajectories-note">
            {reason}
          </p>
        )}
      </div>
      {layout && <SegmentKey present={present} hasMean={layout.mean.length > 0} />}
      {educator && L > 0 && (
        <p className="caption" aria-live="polite" data-testid="traj-caption">
          {caption}
        </p>
      )}
    </ViewPanel>
  );
}
