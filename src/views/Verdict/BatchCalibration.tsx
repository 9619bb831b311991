import { useMemo } from 'react';
import type { BatchRow } from '../../core/batchEval';
import { ErrorNote } from '../../components/ErrorNote';
import { profileKeyOf, profileKeyText, type CalibrationProfile } from '../../state/calibration';
import { makeProfileFromRows } from '../../state/profileActions';
import { useStore } from '../../state/store';
import { DataTable, type Column } from '../shared/DataTable';
import { fmt } from '../shared/format';
import { useElementWidth } from '../shared/useElementWidth';
import { ViewPanel } from '../shared/ViewPanel';
import { calibrationRows, heldOutOnRows, profileOnRows, withVerdicts, type VerdictMetrics } from './batchCalibration';
import { reliabilityBins, reliabilityLayout, type ReliabilityBin } from './reliabilityLayout';
import './verdict.css';

const CAPTION =
  'A reliability diagram asks: when the verdict says “70 % likely right”, are about 70 % of those traces right? The traces are sorted by the verdict’s probability and cut into ten groups of equal size; each dot is one group, placed at its average predicted probability (across) and the share of it that was really right (up). Dots on the dashed diagonal are well calibrated; below it the verdict is too confident, above it too cautious. Bigger dots hold more traces.';

interface Series {
  readonly id: 'held-out' | 'profile';
  readonly name: string;
  readonly color: string;
  readonly m: VerdictMetrics;
  readonly bins: readonly ReliabilityBin[];
}

interface BinRow {
  readonly series: string;
  readonly bin: ReliabilityBin;
}

const COLUMNS: Column<BinRow>[] = [
  { header: 'Verdict', rowHeader: true, cell: (r) => r.series },
  { header: 'Group', cell: (r) => r.bin.bin + 1 },
  { header: 'Traces', cell: (r) => r.bin.n },
  { header: 'Predicted (mean)', cell: (r) => fmt(r.bin.meanP) },
  { header: 'Predicted range', cell: (r) => `${fmt(r.bin.lo)} – ${fmt(r.bin.hi)}` },
  { header: 'Observed right', cell: (r) => fmt(r.bin.observed) },
];

/** The batch's rows with the loaded model's profile's verdict added (the rows themselves without a profile), for the metrics table. */
export function useRowsWithVerdict(rows: readonly BatchRow[]): { rows: readonly BatchRow[]; profile: CalibrationProfile | null } {
  const profile = useStore((s) => s.calibration.profile);
  return useMemo(() => ({ rows: withVerdicts(rows, profile), profile }), [profile, rows]);
}

function ReliabilityDiagram({ series }: { readonly series: readonly Series[] }) {
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const layouts = series.map((s) => ({ s, l: reliabilityLayout(s.bins, width || 360) }));
  const frame = layouts[0].l;
  const summary = series.map((s) => `${s.name}: ECE ${fmt(s.m.ece)}, Brier ${fmt(s.m.brier)}, AUROC ${fmt(s.m.auroc)} on ${s.m.n} traces.`).join(' ');
  const tableRows = series.flatMap((s) => s.bins.map((bin) => ({ series: s.name, bin })));
  return (
    <ViewPanel
      title="Reliability of the verdict"
      testId="batch-reliability"
      className="reliability"
      caption={CAPTION}
      summary={summary}
      table={<DataTable caption="Each group of traces: how many, the verdict's mean probability and the share really right" columns={COLUMNS} rows={tableRows} rowKey={(r) => `${r.series}-${r.bin.bin}`} />}
    >
      <div ref={ref} className="plot-wrap">
        <svg width={frame.width} height={frame.height} role="img" aria-label={`Reliability diagram: ${summary} The table below has the numbers.`}>
          {frame.ticks.map((t) => (
            <g key={t.value}>
              <line x1={frame.left} x2={frame.left + frame.size} y1={t.posY} y2={t.posY} className="gridline" />
              <text x={frame.left - 5} y={t.posY + 3} textAnchor="end" className="tick">
                {t.value}
              </text>
              <text x={t.pos} y={frame.top + frame.size + 14} textAnchor="middle" className="tick">
                {t.value}
              </text>
            </g>
          ))}
          <rect x={frame.left} y={frame.top} width={frame.size} height={frame.size} className="roc-frame" fill="none" />
          <path d={frame.diagonal} className="diag" fill="none" />
          <text x={frame.left + frame.size / 2} y={frame.top + frame.size + 32} textAnchor="middle" className="tick">
            predicted P(right)
          </text>
          <text transform={`translate(${frame.left - 32},${frame.top + frame.size / 2}) rotate(-90)`} textAnchor="middle" className="tick">
            observed share right
          </text>
          {layouts.map(({ s, l }) => (
            <g key={s.id} data-series={s.id}>
              <path d={l.path} fill="none" stroke={s.color} strokeWidth={1.5} />
              {l.points.map((p) => (
                <circle key={p.bin.bin} cx={p.x} cy={p.y} r={p.r} fill={s.color} fillOpacity={0.7} data-bin={p.bin.bin} />
              ))}
            </g>
          ))}
        </svg>
      </div>
      <ul className="roc-legend" aria-label="Series">
        {series.map((s) => (
          <li key={s.id} data-series={s.id}>
            <svg width={12} height={12} aria-hidden="true" focusable="false">
              <circle cx={6} cy={6} r={5} fill={s.color} />
            </svg>{' '}
            {s.name}
          </li>
        ))}
      </ul>
    </ViewPanel>
  );
}

/**
 * The batch view's calibration part: "Make a calibration profile from these results" (for the
 * loaded model; needs every trace labelled, both labels, at least 30 traces) and the reliability
 * diagram of the verdict on these traces: cross-validated on the traces themselves (what a profile
 * made from them does on traces it did not see) and, when the loaded model has a profile, that
 * profile's verdict on them.
 */
export function BatchCalibration({ rows, fileName, busy }: { readonly rows: readonly BatchRow[]; readonly fileName: string | null; readonly busy: boolean }) {
  const cal = useStore((s) => s.calibration);
  const info = useStore((s) => (s.model.status === 'ready' ? s.model.info : null));
  const key = profileKeyOf(info);
  const labelled = useMemo(() => calibrationRows(rows), [rows]);
  const heldOut = useMemo(() => (busy ? null : heldOutOnRows(labelled.rows)), [labelled, busy]);
  const onProfile = useMemo(() => {
    const pos = labelled.rows.filter((r) => r.label === 1).length;
    return cal.profile && !busy && pos > 0 && pos < labelled.rows.length ? profileOnRows(cal.profile, labelled.rows) : null;
  }, [cal.profile, labelled, busy]);
  const series: Series[] = [];
  if (heldOut && typeof heldOut !== 'string') series.push({ id: 'held-out', name: 'Held out on these traces (5-fold, by id)', color: '#0b63c5', m: heldOut, bins: reliabilityBins(heldOut.p, heldOut.y) });
  if (onProfile) series.push({ id: 'profile', name: `The profile in use${cal.profile ? ` (${cal.profile.dataset.n} traces of ${cal.profile.dataset.name || 'its data set'})` : ''}`, color: '#c5520b', m: onProfile, bins: reliabilityBins(onProfile.p, onProfile.y) });
  const inSample = cal.profile && cal.origin === 'made' && cal.profile.dataset.name === fileName && cal.profile.dataset.n === labelled.rows.length;
  return (
    <div className="batch-calibration" data-testid="batch-calibration">
      <div className="buttons">
        <button
          type="button"
          disabled={busy || !key || labelled.rows.length === 0}
          data-testid="make-profile"
          onClick={() => void makeProfileFromRows(labelled.rows, fileName ?? 'batch', labelled.unlabelled)}
        >
          Make a calibration profile from these results
        </button>
      </div>
      <p className="note">
        {labelled.rows.length === 0
          ? 'A calibration profile needs labelled traces (a "label": 0 or 1 on every line, or a prompt set the model answers and is graded on).'
          : `Fits the verdict on these ${labelled.rows.length} labelled traces and keeps it in this browser for ${key ? profileKeyText(key) : 'the loaded model'}; the traces must have been scored by this same model.`}
      </p>
      <ErrorNote message={cal.error} testId="make-profile-error" />
      {cal.notice && (
        <p className="note" role="status" data-testid="make-profile-notice">
          {cal.notice}
        </p>
      )}
      {typeof heldOut === 'string' && labelled.rows.length > 0 && !busy && (
        <p className="note" data-testid="batch-reliability-note">
          No held-out reliability: {heldOut}
        </p>
      )}
      {inSample && <p className="note">The profile in use was fitted on these very traces, so its series is in-sample; the held-out series is the fair picture.</p>}
      {series.length > 0 && <ReliabilityDiagram series={series} />}
    </div>
  );
}
