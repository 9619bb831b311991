import { useEffect, useMemo, useState, type DragEvent } from 'react';
import { evaluateRows, METRIC_KEYS, type BatchRow } from '../core/batchEval';
import { ErrorNote } from '../components/ErrorNote';
import {
  batchRate,
  cancelBatch,
  loadBatchError,
  loadBatchText,
  openInInspector,
  pauseBatch,
  resumeBatch,
  setLabelFilter,
  setSort,
  startBatch,
} from '../state/batchActions';
import { useBatchStore, type LabelFilter, type SortKey } from '../state/batchStore';
import { formatScore, toCsv, toJsonl, visibleRows } from '../views/Batch/batchData';

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
  const { cursor, items, status } = useBatchStore();
  useTick(status === 'running');
  if (status === 'empty') return null;
  const rate = batchRate();
  return (
    <div className="progress-row" data-testid="batch-progress" data-done={cursor} data-total={items.length} data-status={status}>
      <span className="progress-label">
        {status === 'ready' ? 'Not started' : status === 'done' ? 'Done' : status === 'paused' ? 'Paused' : status === 'cancelled' ? 'Cancelled' : 'Scoring'}
      </span>
      <progress aria-label="Traces scored" max={items.length} value={cursor} />
      <span className="progress-sizes">
        {cursor}/{items.length} traces{rate > 0 ? `, ${rate.toFixed(1)} traces/s` : ''}
      </span>
    </div>
  );
}

function MetricsTable({ rows }: { readonly rows: readonly BatchRow[] }) {
  const m = useMemo(() => evaluateRows([...rows].sort((a, b) => a.line - b.line), 'v2'), [rows]);
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
        Metrics on {m.n} labelled traces (accuracy {(100 * m.accuracy).toFixed(1)}%); lower-is-correct scores negated first; cotk = cotkV2
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
        </tr>
      </thead>
      <tbody>
        {Object.entries(m.metrics).map(([k, s]) => (
          <tr key={k} data-scorer={k}>
            <th scope="row">{k}</th>
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
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ResultsTable() {
  const { scored, sortKey, sortDesc, labelFilter } = useBatchStore();
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
          <caption>Scored traces ({rows.length} shown); click a row to open it in the inspector</caption>
          <thead>
            <tr>
              {sortButton('line', 'Line')}
              <th scope="col">id</th>
              <th scope="col">Label</th>
              {METRIC_KEYS.map((k) => sortButton(k, k))}
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
                <td>{r.row.label ?? '—'}</td>
                {METRIC_KEYS.map((k) => (
                  <td key={k}>{formatScore(r.row.scores[k])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** The batch view: a JSONL/CSV file scored trace by trace in the worker, its scores and metrics. */
export function BatchPanel() {
  const { fileName, fileError, bad, failed, status, error, scored, items } = useBatchStore();
  const [over, setOver] = useState(false);
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const f = e.dataTransfer.files[0];
    if (f) void readFile(f);
  };
  const rows = useMemo(() => scored.map((s) => s.row), [scored]);
  const busy = status === 'running' || status === 'paused';
  return (
    <section className="panel batch" aria-labelledby="batch-heading" role="tabpanel" id="view-panel-batch">
      <h2 id="batch-heading">Batch</h2>
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
          }}
        />
        <p className="note">
          One trace per line: {'{"id", "prompt", "output", "label": 0|1}'}, or CSV with the header id,prompt,output,label. Or drop the file here.
        </p>
      </div>
      <ErrorNote message={fileError} testId="batch-file-error" />
      {fileName && !fileError && (
        <p className="note" data-testid="batch-file">
          {fileName}: {items.length} traces{bad.length ? `, ${bad.length} malformed line(s) skipped` : ''}
        </p>
      )}
      <LineNotices label="Malformed lines (skipped)" testId="batch-bad" items={bad} />
      <div className="buttons">
        <button type="button" className="primary" onClick={startBatch} disabled={status === 'empty' || busy}>
          {status === 'ready' ? 'Score all' : 'Score all again'}
        </button>
        <button type="button" onClick={status === 'paused' ? resumeBatch : pauseBatch} disabled={!busy}>
          {status === 'paused' ? 'Resume' : 'Pause'}
        </button>
        <button type="button" onClick={cancelBatch} disabled={!busy}>
          Cancel
        </button>
        <button type="button" onClick={() => download('scores.jsonl', toJsonl(scored), 'application/jsonl')} disabled={scored.length === 0}>
          Export JSONL
        </button>
        <button type="button" onClick={() => download('scores.csv', toCsv(scored), 'text/csv')} disabled={scored.length === 0}>
          Export CSV
        </button>
      </div>
      <ErrorNote message={error} testId="batch-error" />
      <Progress />
      <LineNotices label="Traces the engine could not score (skipped)" testId="batch-failed" items={failed} />
      {rows.length > 0 && <MetricsTable rows={rows} />}
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
