import { useEffect, useMemo, useState, type DragEvent } from 'react';
import { evaluateRows, VERDICT_KEY, VERDICT_NAME, type BatchRow, type MetricsLine, type ScorerMetrics } from '../core/batchEval';
import { scoreName, scorerInfo, SHOWN_SCORE_KEYS } from '../core/scores/index';
import { ErrorNote } from '../components/ErrorNote';
import {
  batchRate,
  cancelBatch,
  checkSavedBatch,
  discardSaved,
  loadBatchError,
  loadBatchText,
  openInInspector,
  pauseBatch,
  resumeBatch,
  resumeSaved,
  setLabelFilter,
  setMaxTokens,
  setSort,
  showSaved,
  startBatch,
} from '../state/batchActions';
import { batchTotal, useBatchStore, type LabelFilter, type SavedBatch, type SortKey } from '../state/batchStore';
import { formatScore, toCsv, toJsonl, toTraceJsonl, visibleRows } from '../views/Batch/batchData';
import { RocChart } from '../views/Batch/RocChart';
import { BatchCalibration, useRowsWithVerdict } from '../views/Verdict/BatchCalibration';
import { CalibrationCells } from '../views/Verdict/MetricsCells';
import '../views/Batch/batch.css';

/** The file's text (FileReader: jsdom's File has no text()). */
function fileText(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error ?? new Error(`cannot read ${file.name}`));
    r.readAsText(file);
  });
}

async function readFile(file: File): Promise<void> {
  try {
    loadBatchText(file.name, await fileText(file));
  } catch (e) {
    loadBatchError(file.name, e);
  }
}

function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Re-renders every half second while running, so traces/s stays current between traces. */
function useTick(on: boolean): void {
  const [, setT] = useState(0);
  useEffect(() => {
    if (!on) return;
    const h = setInterval(() => setT((t) => t + 1), 500);
    return () => clearInterval(h);
  }, [on]);
}

function Progress() {
  const s = useBatchStore();
  const { cursor, status, checkpointStats: cs } = s;
  const total = batchTotal(s);
  useTick(status === 'running');
  if (status === 'empty') return null;
  const rate = batchRate();
  // What the checkpoints cost (main-thread ms per saved row, commit latency per write), for measurement.
  const perRow = cs.rows > 0 ? cs.syncMs / cs.rows : 0;
  const perWrite = cs.writes > 0 ? cs.commitMs / cs.writes : 0;
  const unit = s.mode === 'prompts' ? 'prompts' : 'traces';
  return (
    <div
      className="progress-row"
      data-testid="batch-progress"
      data-done={cursor}
      data-total={total}
      data-status={status}
      data-checkpoint-writes={cs.writes}
      data-checkpoint-rows={cs.rows}
      data-checkpoint-sync-ms={cs.syncMs.toFixed(3)}
      data-checkpoint-commit-ms={cs.commitMs.toFixed(3)}
      data-checkpoint-max-sync-ms={cs.maxSyncMs.toFixed(3)}
      title={cs.writes > 0 ? `Checkpoints: ${cs.writes} writes, ${perRow.toFixed(2)} ms of page time per trace, ${perWrite.toFixed(1)} ms to commit each` : undefined}
    >
      <span className="progress-label">
        {status === 'ready' ? 'Not started' : status === 'done' ? 'Done' : status === 'paused' ? 'Paused' : status === 'cancelled' ? 'Cancelled' : 'Scoring'}
      </span>
      <progress aria-label={s.mode === 'prompts' ? 'Prompts answered' : 'Traces scored'} max={total} value={cursor} />
      <span className="progress-sizes">
        {cursor}/{total} {unit}
        {rate > 0 ? `, ${rate.toFixed(1)} ${unit}/s` : ''}
      </span>
    </div>
  );
}

/** The table's rows: one per scorer by its shared name, then the calibrated verdict when the rows carry one. */
function shownMetricRows(m: MetricsLine): [string, string, string, ScorerMetrics][] {
  const out: [string, string, string, ScorerMetrics][] = SHOWN_SCORE_KEYS.map((k) => [k, scoreName(k), `${scorerInfo(k).label} (key ${k})`, m.metrics[k]]);
  const v = m.metrics[VERDICT_KEY];
  if (v) out.push([VERDICT_KEY, VERDICT_NAME, `The calibration profile's verdict model (key ${VERDICT_KEY})`, v]);
  return out;
}

/** The ROC chart over the rows with the loaded profile's verdict added, so the verdict gets its curve like every scorer. */
function BatchRoc({ rows, live }: { readonly rows: readonly BatchRow[]; readonly live: boolean }) {
  const calib = useRowsWithVerdict(rows);
  return <RocChart rows={calib.rows} live={live} />;
}

function MetricsTable({ rows }: { readonly rows: readonly BatchRow[] }) {
  const calib = useRowsWithVerdict(rows);
  const m = useMemo(() => evaluateRows([...calib.rows].sort((a, b) => a.line - b.line), 'v2', calib.profile), [calib]);
  if (typeof m === 'string') {
    return (
      <p className="note" data-testid="batch-metrics-note">
        {m}
      </p>
    );
  }
  return (
    <table className="batch-metrics" data-testid="batch-metrics" data-n={m.n} data-accuracy={m.accuracy}>
      <caption>
        Metrics on {m.n} labelled traces (accuracy {(100 * m.accuracy).toFixed(1)}%); lower-is-correct scores negated first; the default CoT-Kinetics formulation is marked (default)
      </caption>
      <thead>
        <tr>
          <th scope="col">Scorer</th>
          <th scope="col">Orientation</th>
          <th scope="col">n</th>
          <th scope="col">Undefined</th>
          <th scope="col">AUROC</th>
          <th scope="col">AUPR</th>
          <th scope="col">FPR95</th>
          <th scope="col" title="Expected calibration error of P(correct) through the profile's map for this scorer (10 equal-mass bins); needs a profile">
            ECE
          </th>
          <th scope="col" title="Brier score of P(correct) through the profile's map for this scorer; needs a profile">
            Brier
          </th>
        </tr>
      </thead>
      <tbody>
        {shownMetricRows(m).map(([k, name, title, s]) => (
          <tr key={k} data-scorer={k}>
            <th scope="row" title={title}>
              {name}
            </th>
            <td>{s.orientation}</td>
            <td data-metric="n" data-value={s.n}>
              {s.n}
            </td>
            <td data-metric="undefined" data-value={s.undefined}>
              {s.undefined}
            </td>
            {(['auroc', 'aupr', 'fpr95'] as const).map((f) => (
              <td key={f} data-metric={f} data-value={s[f] === null ? 'null' : String(s[f])}>
                {s[f] === null ? '—' : (s[f] as number).toFixed(3)}
              </td>
            ))}
            <CalibrationCells s={s} />
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ResultsTable() {
  const { scored, sortKey, sortDesc, labelFilter, mode } = useBatchStore();
  const graded = mode === 'prompts';
  const rows = useMemo(() => visibleRows(scored, sortKey, sortDesc, labelFilter), [scored, sortKey, sortDesc, labelFilter]);
  if (scored.length === 0) return null;
  const sortButton = (k: SortKey, label: string) => (
    <th key={k} scope="col" aria-sort={sortKey === k ? (sortDesc ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="link" onClick={() => setSort(k)}>
        {label}
      </button>
    </th>
  );
  return (
    <>
      <label htmlFor="batch-label-filter">Show label</label>{' '}
      <select id="batch-label-filter" value={labelFilter} onChange={(e) => setLabelFilter(e.target.value as LabelFilter)}>
        <option value="all">all</option>
        <option value="1">1 (correct)</option>
        <option value="0">0 (incorrect)</option>
      </select>
      <div className="batch-table-wrap">
        <table className="batch-results" data-testid="batch-results">
          <caption>
            {graded ? 'Answered and graded prompts' : 'Scored traces'} ({rows.length} shown); click a row to open it in the inspector
          </caption>
          <thead>
            <tr>
              {sortButton('line', 'Line')}
              <th scope="col">id</th>
              <th scope="col">Label</th>
              {graded && <th scope="col">Expected</th>}
              {graded && <th scope="col">Answer</th>}
              {SHOWN_SCORE_KEYS.map((k) => sortButton(k, scoreName(k)))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr
                key={r.row.line}
                data-line={r.row.line}
                tabIndex={0}
                onClick={() => void openInInspector(r.prompt, r.output)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') void openInInspector(r.prompt, r.output);
                }}
              >
                <td>{r.row.line}</td>
                <td>{typeof r.row.id === 'string' ? r.row.id : JSON.stringify(r.row.id)}</td>
                <td data-col="label">{r.row.label ?? '—'}</td>
                {graded && <td data-col="expected">{r.expected}</td>}
                {graded && <td data-col="answer">{r.answer ?? '(none)'}</td>}
                {SHOWN_SCORE_KEYS.map((k) => (
                  <td key={k} data-score={k}>{formatScore(r.row.scores[k])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function savedWhat(saved: SavedBatch): string {
  const unit = saved.mode === 'prompts' ? 'prompts' : 'traces';
  const when = new Date(saved.savedAt).toLocaleString();
  if (saved.status === 'running' || saved.status === 'paused') {
    return `A batch of ${saved.total} ${unit} (${saved.fileName}) was interrupted at ${saved.cursor}, saved ${when}. Another batch keeps its own checkpoint; this one stays until you resume or discard it.`;
  }
  const how = saved.status === 'done' ? 'finished' : `was cancelled at ${saved.cursor}`;
  return `The last batch of ${saved.total} ${unit} (${saved.fileName}) ${how}; its results are kept in this browser (saved ${when}).`;
}

/** A checkpoint left by an earlier page: resume (or show) it, or discard it. */
function SavedNotice({ saved }: { readonly saved: SavedBatch }) {
  const interrupted = saved.status === 'running' || saved.status === 'paused';
  return (
    <div className="batch-saved" role="status" data-testid="batch-saved" data-total={saved.total} data-cursor={saved.cursor} data-status={saved.status}>
      <p>{savedWhat(saved)}</p>
      <div className="buttons">
        <button type="button" className="primary" onClick={() => void (interrupted ? resumeSaved() : showSaved())}>
          {interrupted ? 'Resume' : 'Show'}
        </button>
        <button type="button" onClick={() => void discardSaved()}>
          Discard
        </button>
      </div>
    </div>
  );
}

/** The batch view: a JSONL/CSV file scored (or, for a prompt set, answered and graded) item by item in the worker, its scores and metrics. */
export function BatchPanel() {
  const s = useBatchStore();
  const { fileName, fileError, bad, failed, status, error, scored, mode, saved, checkpointError, maxTokens } = s;
  const [over, setOver] = useState(false);
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const f = e.dataTransfer.files[0];
    if (f) void readFile(f);
  };
  // A batch interrupted by a reload is offered back while nothing else is loaded here.
  useEffect(() => {
    const st = useBatchStore.getState();
    if (st.status === 'empty' && st.saved === null) void checkSavedBatch();
  }, []);
  const rows = useMemo(() => scored.map((r) => r.row), [scored]);
  const busy = status === 'running' || status === 'paused';
  const prompts = mode === 'prompts';
  const total = batchTotal(s);
  const exportJsonl = () => (prompts ? download('traces.jsonl', toTraceJsonl(scored), 'application/jsonl') : download('scores.jsonl', toJsonl(scored), 'application/jsonl'));
  const exportCsv = () => download(prompts ? 'traces.csv' : 'scores.csv', toCsv(scored), 'text/csv');
  return (
    <section className="panel batch" aria-labelledby="batch-heading" role="tabpanel" id="view-panel-batch">
      <h2 id="batch-heading">Batch</h2>
      {saved && <SavedNotice saved={saved} />}
      <div
        className={`dropzone${over ? ' over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
        data-testid="batch-drop"
      >
        <label htmlFor="batch-file">JSON lines or CSV file of traces</label>
        <input
          id="batch-file"
          type="file"
          accept=".jsonl,.json,.csv,.txt"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void readFile(f);
            e.target.value = '';
          }}
        />
        <p className="note">
          One trace per line: {'{"id", "prompt", "output", "label": 0|1}'}, or CSV with the header id,prompt,output,label. Or a prompt set for the model to answer:{' '}
          {'{"id", "prompt", "expected"}'} (CSV: id,prompt,expected). Or drop the file here.
        </p>
      </div>
      <ErrorNote message={fileError} testId="batch-file-error" />
      {fileName && !fileError && (
        <p className="note" data-testid="batch-file" data-mode={mode}>
          {prompts
            ? `${fileName}: a prompt set of ${total} prompt${total === 1 ? '' : 's'}. "Answer and grade" has the model answer each one (greedy) and grades its answer against "expected" by exact match (numbers compared as numbers), which labels the trace 1 (right) or 0 (wrong).`
            : `${fileName}: ${total} trace${total === 1 ? '' : 's'}`}
          {bad.length ? `${prompts ? ' ' : ', '}${bad.length} malformed line(s) skipped${prompts ? '.' : ''}` : ''}
        </p>
      )}
      <LineNotices label="Malformed lines (skipped)" testId="batch-bad" items={bad} />
      {prompts && (
        <p className="batch-options">
          <label htmlFor="batch-max-tokens">Max new tokens per answer</label>{' '}
          <input
            id="batch-max-tokens"
            type="number"
            min={1}
            step={1}
            placeholder="model default"
            value={maxTokens ?? ''}
            disabled={busy}
            onChange={(e) => setMaxTokens(e.target.value === '' ? null : Number(e.target.value))}
          />
        </p>
      )}
      <div className="buttons">
        <button type="button" className="primary" onClick={startBatch} disabled={status === 'empty' || busy}>
          {prompts ? (status === 'ready' ? 'Answer and grade' : 'Answer and grade again') : status === 'ready' ? 'Score all' : 'Score all again'}
        </button>
        <button type="button" onClick={status === 'paused' ? resumeBatch : pauseBatch} disabled={!busy}>
          {status === 'paused' ? 'Resume' : 'Pause'}
        </button>
        <button type="button" onClick={cancelBatch} disabled={!busy}>
          Cancel
        </button>
        <button type="button" onClick={exportJsonl} disabled={scored.length === 0}>
          Export JSONL
        </button>
        <button type="button" onClick={exportCsv} disabled={scored.length === 0}>
          Export CSV
        </button>
      </div>
      <ErrorNote message={error} testId="batch-error" />
      <ErrorNote message={checkpointError} testId="batch-checkpoint-error" />
      <Progress />
      <LineNotices label={prompts ? 'Prompts the engine could not answer (skipped)' : 'Traces the engine could not score (skipped)'} testId="batch-failed" items={failed} />
      {rows.length > 0 && <MetricsTable rows={rows} />}
      {rows.length > 0 && <BatchRoc rows={rows} live={status === 'running'} />}
      {rows.length > 0 && <BatchCalibration rows={rows} fileName={fileName} busy={busy} />}
      <ResultsTable />
    </section>
  );
}

/** Input lines that were skipped, each with its line number and why. */
function LineNotices({ label, testId, items }: { label: string; testId: string; items: readonly { line: number; message: string }[] }) {
  if (items.length === 0) return null;
  return (
    <ul className="notices" aria-label={label} data-testid={testId}>
      {items.map((b) => (
        <li key={b.line}>
          line {b.line}: {b.message}
        </li>
      ))}
    </ul>
  );
}
