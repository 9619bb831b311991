import { IDBFactory } from 'fake-indexeddb';
import { act, fireEvent, render, screen } from '@testing-library/react';
import { App } from '../../src/app/App';
import type { EngineWorkerApi } from '../../src/engine/protocol';
import { loadModel, setEngine } from '../../src/state/actions';
import { cancelBatch, checkpointsWritten } from '../../src/state/batchActions';
import { closeCheckpointDb, readCheckpoint, type Checkpoint } from '../../src/state/batchCheckpoint';
import { ownBatchKey } from '../../src/state/batchClaim';
import { initialBatch, useBatchStore } from '../../src/state/batchStore';

/**
 * What the batch view's jsdom tests share (each test file imports './setup' and
 * 'fake-indexeddb/auto' first): a clean batch store and an empty IndexedDB per test, the app booted
 * on an engine with the Batch tab open, a file picked, and the metrics table read back.
 */

/** Stops any batch, lets its checkpoint writes finish, and starts the next test on an empty IndexedDB. */
export async function resetBatch(): Promise<void> {
  cancelBatch();
  await checkpointsWritten();
  await closeCheckpointDb();
  globalThis.indexedDB = new IDBFactory();
  sessionStorage.clear();
  useBatchStore.setState({ ...initialBatch });
}

/** The checkpoint of the batch this "tab" ran last (its key is in sessionStorage). */
export function ownCheckpoint(): Promise<Checkpoint | null> {
  const key = ownBatchKey();
  return key === null ? Promise.resolve(null) : readCheckpoint(key);
}

/** Renders the app on `api`, loads its model and opens the Batch tab. */
export async function bootBatch(api: EngineWorkerApi): Promise<void> {
  render(<App />);
  await act(async () => {
    setEngine(api);
    await loadModel();
  });
  await act(async () => {
    fireEvent.click(screen.getByRole('tab', { name: 'Batch' }));
    await new Promise((r) => setTimeout(r, 20));
  });
}

/** Picks a file in the Batch tab's file input. */
export async function openBatchFile(text: string, name = 'traces.jsonl'): Promise<void> {
  await act(async () => {
    fireEvent.change(screen.getByLabelText('JSON lines or CSV file of traces'), { target: { files: [new File([text], name)] } });
    await new Promise((r) => setTimeout(r, 10));
  });
}

export const batchProgress = (): HTMLElement => screen.getByTestId('batch-progress');

/** The metrics table as `scorer.metric` → the cell's data-value. */
export function metricValues(): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const td of screen.getByTestId('batch-metrics').querySelectorAll('td[data-metric]')) {
    out[`${td.closest('tr')?.getAttribute('data-scorer')}.${td.getAttribute('data-metric')}`] = td.getAttribute('data-value');
  }
  return out;
}
