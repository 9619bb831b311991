import { useCallback, useEffect, useMemo, useState, type KeyboardEvent } from 'react';
import type { RunResult } from '../../engine/run';
import type { RowSegment } from '../../state/derive';
import { DataTable, type Column } from '../shared/DataTable';
import { fmt } from '../shared/format';
import { SEGMENT_LABELS } from '../shared/palette';
import { useCanvas } from '../shared/useCanvas';
import { useElementWidth } from '../shared/useElementWidth';
import { ViewPanel } from '../shared/ViewPanel';
import { markPath, pathOf, type TrajMark } from '../Trajectories/layout';
import { COMPARE_CAPTIONS } from './captions';
import { jointProjection, type JointResult } from './jointProjection';
import { drawOverlay, overlayLayout, RUN_COLORS, RUN_DASH, runOf, type OverlayLayout } from './overlay';

/** Below this many kept floats (both runs) the joint fit takes milliseconds: do it at once. */
const SYNC_FLOATS = 2_000_000;

function floats(r: RunResult | null): number {
  const s = r?.states;
  return s ? (s.layers + 1) * s.tokens * s.dim : 0;
}

/**
 * The joint projection of both runs, fitted after the other panels have painted when it is large
 * (a PCA on up to 1000 states of d = 1536 takes most of a second), at once when it is small.
 */
function useJointProjection(a: RunResult | null, b: RunResult | null, outputs: readonly [number, number], enabled: boolean): JointResult | 'pending' | null {
  const small = floats(a) + floats(b) <= SYNC_FLOATS;
  const compute = useCallback(
    () =>
      jointProjection(
        { states: a?.states ?? null, promptLength: a?.promptLength ?? 0, outputTokens: outputs[0] },
        { states: b?.states ?? null, promptLength: b?.promptLength ?? 0, outputTokens: outputs[1] },
      ),
    [a, b, outputs],
  );
  const syncResult = useMemo(() => (enabled && small ? compute() : null), [enabled, small, compute]);
  const [late, setLate] = useState<{ key: () => JointResult; value: JointResult } | null>(null);
  useEffect(() => {
    if (!enabled || small) return;
    const id = setTimeout(() => setLate({ key: compute, value: compute() }), 0);
    return () => clearTimeout(id);
  }, [enabled, small, compute]);
  if (!enabled) return null;
  if (small) return syncResult;
  return late && late.key === compute ? late.value : 'pending';
}

function Legend({ names }: { readonly names: readonly [string, string] }) {
  return (
    <ul className="segment-key cmp-legend" aria-label="Legend" data-testid="compare-legend">
      {(['A', 'B'] as const).map((run, k) => (
        <li key={run} data-run={run}>
          <svg width={26} height={10} aria-hidden="true" focusable="false">
            <line x1={1} x2={25} y1={5} y2={5} stroke={RUN_COLORS[run]} strokeWidth={2} strokeDasharray={RUN_DASH[run]} />
          </svg>
          Run {run}: {names[k]} ({run === 'A' ? 'solid' : 'dashed'})
        </li>
      ))}
      {(['reasoning', 'answer'] as const).map((s) => (
        <li key={s}>
          <svg width={14} height={14} aria-hidden="true" focusable="false">
            <path d={markPath(s, 60)} transform="translate(7,7)" fill="var(--muted)" />
          </svg>
          {SEGMENT_LABELS[s]} token
        </li>
      ))}
    </ul>
  );
}

interface PlotProps {
  readonly o: OverlayLayout;
  readonly layers: number;
  readonly setLayer: (l: number) => void;
}

function OverlayPlot({ o, layers, setLayer }: PlotProps) {
  const { layout } = o;
  const draw = useCallback((ctx: CanvasRenderingContext2D) => drawOverlay(ctx, o), [o]);
  const canvasRef = useCanvas(draw, layout.width, layout.height);
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowRight' || e.key === 'ArrowUp') {
      e.preventDefault();
      setLayer(Math.min(layers, layout.layer + 1));
    } else if (e.key === 'ArrowLeft' || e.key === 'ArrowDown') {
      e.preventDefault();
      setLayer(Math.max(0, layout.layer - 1));
    } else if (e.key === 'Home') {
      e.preventDefault();
      setLayer(0);
    } else if (e.key === 'End') {
      e.preventDefault();
      setLayer(layers);
    }
  };
  const mark = (m: TrajMark) => {
    const run = runOf(m.index, o.offset).run;
    return (
      <g key={m.index} className="traj" data-run={run} data-index={m.index}>
        <path d={m.d || pathOf(m.points)} fill="none" stroke={RUN_COLORS[run]} strokeWidth={1} strokeOpacity={0.7} strokeDasharray={RUN_DASH[run]} />
        <path className="traj-mark" d={markPath(m.segment, 30)} style={{ transform: `translate(${m.x}px, ${m.y}px)` }} fill={RUN_COLORS[run]} />
      </g>
    );
  };
  return (
    <div className="plot-stack" style={{ width: layout.width, height: layout.height }}>
      {layout.canvas && <canvas ref={canvasRef} style={{ width: layout.width, height: layout.height }} aria-hidden="true" />}
      <svg
        width={layout.width}
        height={layout.height}
        role="img"
        tabIndex={0}
        aria-label={`Token paths of runs A and B in one projection, layer ${layout.layer} of ${layers}: arrow keys step the layers`}
        className="plot-surface"
        onKeyDown={onKey}
        data-testid="compare-overlay"
      >
        {!layout.canvas && layout.marks.map(mark)}
      </svg>
    </div>
  );
}

interface OverlayProps {
  readonly results: readonly [RunResult | null, RunResult | null];
  readonly segments: readonly [readonly RowSegment[], readonly RowSegment[]];
  readonly names: readonly [string, string];
  /** Why the runs cannot share a projection (different models), or null. */
  readonly mismatch: string | null;
}

export function TrajectoryOverlay({ results, segments, names, mismatch }: OverlayProps) {
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const outputs = useMemo(() => [segments[0].length, segments[1].length] as const, [segments]);
  const got = useJointProjection(results[0], results[1], outputs, mismatch === null);
  const joint = got !== null && got !== 'pending' && got.ok ? got.data : null;
  const L = joint?.layers ?? 0;
  const [layerPick, setLayerPick] = useState<number | null>(null);
  const layer = Math.min(layerPick ?? L, L);
  const height = Math.round(Math.min(460, Math.max(260, width * 0.6)));
  const o = useMemo(() => (joint ? overlayLayout(joint, segments, width, height, layer) : null), [joint, segments, width, height, layer]);

  const note = mismatch ?? (got === 'pending' ? 'Fitting one projection on both runs’ states…' : got && !got.ok ? got.reason : '');
  const pct = (v: number) => `${Math.round(v * 100)}%`;
  const summary = joint
    ? `${joint.runs[0].tokens.length} paths of A and ${joint.runs[1].tokens.length} of B through ${L} layers, drawn up to layer ${layer}, in one PCA fitted on both runs’ unit-scaled states (the axes explain ${pct(joint.explained[0])} and ${pct(joint.explained[1])} of their variance).` +
      (joint.runs[0].dropped + joint.runs[1].dropped > 0 ? ` Tokens past the state cap have no path (A: ${joint.runs[0].dropped}, B: ${joint.runs[1].dropped}).` : '')
    : 'No paths are overlaid (see the note above).';
  const columns: Column<TrajMark>[] = [
    { header: 'Run', rowHeader: true, cell: (m) => `${runOf(m.index, o?.offset ?? 0).run} token ${runOf(m.index, o?.offset ?? 0).token}` },
    { header: 'Segment', cell: (m) => SEGMENT_LABELS[m.segment] },
    { header: 'x at layer 0', cell: (m) => fmt(o?.layout.x.invert(m.points[0][0])) },
    { header: 'y at layer 0', cell: (m) => fmt(o?.layout.y.invert(m.points[0][1])) },
    { header: `x at layer ${layer}`, cell: (m) => fmt(o?.layout.x.invert(m.x)) },
    { header: `y at layer ${layer}`, cell: (m) => fmt(o?.layout.y.invert(m.y)) },
  ];
  const controls = joint && L > 0 && (
    <label className="inline">
      Layer shown{' '}
      <input type="range" min={0} max={L} step={1} value={layer} onChange={(e) => setLayerPick(Number(e.target.value))} aria-valuetext={`layer ${layer} of ${L}`} />
      <output>
        {layer} / {L}
      </output>
    </label>
  );
  return (
    <ViewPanel
      title="Trajectories overlaid"
      testId="compare-trajectories"
      caption={COMPARE_CAPTIONS.trajectories}
      controls={controls}
      summary={summary}
      table={o && <DataTable caption="Projected position of each token of A and B at layer 0 and the layer shown" columns={columns} rows={o.layout.marks} rowKey={(m) => m.index} />}
    >
      <div ref={ref} className="plot-wrap">
        {o ? (
          <OverlayPlot o={o} layers={L} setLayer={setLayerPick} />
        ) : (
          <p className="note" role="note" data-testid="compare-trajectories-note" data-missing={got && got !== 'pending' && !got.ok ? got.missing.join(',') : undefined}>
            {note}
          </p>
        )}
      </div>
      {o && <Legend names={names} />}
    </ViewPanel>
  );
}
