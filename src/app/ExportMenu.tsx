import { useState } from 'react';
import { ErrorNote } from '../components/ErrorNote';
import { formatBytes } from '../components/ProgressBar';
import { runToCsv } from '../record/csv';
import { downloadBlob, fileStem } from '../record/download';
import { withOpenedMeta } from '../record/open';
import { serializeRun } from '../record/serialize';
import { snapshotRun } from '../record/snapshot';
import type { SavedRun } from '../record/types';
import { errorSentence } from '../state/errors';
import { useStore } from '../state/store';
import './export.css';

type Kind = 'json' | 'json-states' | 'csv' | 'html';

const LABELS: Record<Kind, string> = {
  json: 'the run as JSON',
  'json-states': 'the run with its hidden states as JSON',
  csv: 'the per-token CSV',
  html: 'the HTML report',
};

async function fileOf(kind: Kind, saved: SavedRun): Promise<{ blob: Blob; name: string }> {
  const stem = fileStem(saved.meta.name);
  switch (kind) {
    case 'json':
    case 'json-states':
      return { blob: new Blob([serializeRun(saved)], { type: 'application/json' }), name: `${stem}${kind === 'json-states' ? '-states' : ''}.cotk.json` };
    case 'csv':
      return { blob: new Blob([runToCsv(saved)], { type: 'text/csv' }), name: `${stem}-tokens.csv` };
    case 'html': {
      // The report (and the renderer it embeds) loads only when asked for.
      const { buildReport } = await import('../report/report');
      return { blob: new Blob([await buildReport(saved, useStore.getState().tint)], { type: 'text/html' }), name: `${stem}-report.html` };
    }
  }
}

/**
 * Downloads of the run shown: its JSON (the documented run format, which Import reads back), with
 * or without the hidden states, the per-token CSV, and a self-contained HTML report.
 */
export function ExportMenu() {
  const run = useStore((s) => s.run);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<Kind | null>(null);
  if (!run) return null;
  const finished = run.status !== 'running' && run.status !== 'stopping';
  const states = run.result?.states ?? null;

  const save = async (kind: Kind) => {
    setError(null);
    setBusy(kind);
    try {
      const snap = snapshotRun(useStore.getState(), { keepStates: kind === 'json-states' });
      const saved = snap && withOpenedMeta(snap);
      if (!saved) throw new Error('the run is still going; export it once it has finished or been stopped');
      const { blob, name } = await fileOf(kind, saved);
      downloadBlob(blob, name);
    } catch (e) {
      setError(errorSentence(e, `Could not export ${LABELS[kind]}`));
    } finally {
      setBusy(null);
    }
  };

  const button = (kind: Kind, text: string, title?: string) => (
    <button type="button" onClick={() => void save(kind)} disabled={!finished || busy !== null} data-testid={`export-${kind}`} title={title}>
      {busy === kind ? 'Preparing…' : text}
    </button>
  );
  return (
    <div className="export-menu">
      <div role="group" aria-label="Export this run" className="buttons">
        <span className="label">Export</span>
        {button('json', 'Run (JSON)', 'The whole run in the documented run format; Import opens it again.')}
        {states &&
          button(
            'json-states',
            `With hidden states (JSON, ~${formatBytes(Math.ceil(((states.residual.length + states.finalNorm.length) * 16) / 3))})`,
            'Also the hidden states, so trajectories and the logit lens work after import.',
          )}
        {button('csv', 'Tokens (CSV)', 'One row per output token: its scores and per-layer speeds.')}
        {button('html', 'Report (HTML)', 'One file that shows the text, the energy strip and the scores, offline.')}
      </div>
      {!finished && <p className="note">Export is ready once the run has finished or been stopped.</p>}
      <ErrorNote message={error} testId="export-error" />
    </div>
  );
}
