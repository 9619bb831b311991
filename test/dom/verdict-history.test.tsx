import 'fake-indexeddb/auto';
import './setup';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app/App';
import { createFakeEngine } from '../../src/engine/fake';
import { useHistoryStatus } from '../../src/history/autosave';
import { useCompareSelection } from '../../src/history/compareSelection';
import { DB_NAME, getRun, listRuns, METAS, RUNS } from '../../src/history/store';
import { showView } from '../../src/history/view';
import { parseRunFile, serializeRun } from '../../src/record/serialize';
import { snapshotRun } from '../../src/record/snapshot';
import { loadModel, setEngine } from '../../src/state/actions';
import { setBundledProfileSource } from '../../src/state/profileActions';
import { useStore } from '../../src/state/store';
import { storedProfile, storeProfile } from '../../src/storage/profiles';
import { savedRun, wipeHistory } from '../unit/history/fixtures';
import { fakeProfile, wrongTrace } from './verdictFixtures';

/**
 * Verdicts in history, run files and Compare (fake engine, fake-indexeddb), and the history
 * database's upgrade to version 2 (the profiles store) keeping every saved run.
 */
let text: string;

beforeAll(async () => {
  text = JSON.stringify(await fakeProfile());
});

beforeEach(async () => {
  await wipeHistory();
  useHistoryStatus.setState({ available: null, unavailable: null, saving: null, lastSaved: null, failure: null, revision: 0 });
  useCompareSelection.getState().clear();
  showView('inspect');
  setBundledProfileSource(async () => text);
});

afterEach(() => setBundledProfileSource(null));

async function boot(): Promise<void> {
  render(<App />);
  await act(async () => {
    setEngine(createFakeEngine());
    await loadModel();
  });
  await waitFor(() => expect(useStore.getState().calibration.status).toBe('ready'));
}

async function finishAndSave(start: () => void): Promise<string> {
  const before = useHistoryStatus.getState().revision;
  start();
  await waitFor(() => expect(screen.getByTestId('run-status').getAttribute('data-status')).toBe('done'));
  await waitFor(() => expect(useHistoryStatus.getState().revision).toBeGreaterThan(before));
  return useStore.getState().run!.id;
}

describe('saved runs carry their verdict', () => {
  it('history keeps it, a run file round-trips it, and Compare shows both runs’ verdicts', async () => {
    await boot();
    const a = await finishAndSave(() => {
      fireEvent.change(screen.getByLabelText('Question for the model'), { target: { value: '(12+7)*3=?' } });
      fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    });
    const b = await finishAndSave(() => {
      fireEvent.click(screen.getByRole('tab', { name: 'Paste a trace' }));
      fireEvent.change(screen.getByLabelText(/Finished trace/), { target: { value: `(12+7)*3=?\n${wrongTrace('(12+7)*3=?')}` } });
      fireEvent.click(screen.getByRole('button', { name: 'Score trace' }));
    });
    const ra = await getRun(a);
    const rb = await getRun(b);
    expect(ra?.meta.verdict?.kind).toBe('calibrated');
    expect(ra?.meta.verdict?.headline).toMatch(/— \d+ % \(calibrated on 48 labelled traces/);
    expect(ra?.meta.verdict?.p).toBeGreaterThan(0.5);
    expect(rb?.meta.verdict).toMatchObject({ kind: 'written-elsewhere', departure: { index: 16, token: '8', wanted: '7', count: 1 } });
    // A run file keeps it exactly; a file without it (made before verdicts) still opens.
    // (Serialized from the page's snapshot: jsdom's typed arrays do not survive fake-indexeddb's clone as Float32Arrays.)
    const snap = snapshotRun(useStore.getState())!;
    expect(snap.meta.verdict).toEqual(rb!.meta.verdict);
    expect(parseRunFile(serializeRun(snap)).meta.verdict).toEqual(rb!.meta.verdict);
    const old = JSON.parse(serializeRun(snap)) as { meta: Record<string, unknown> };
    delete old.meta.verdict;
    expect(parseRunFile(JSON.stringify(old)).meta.verdict).toBeUndefined();
    const bad = JSON.parse(serializeRun(snap)) as { meta: { verdict: { p: number } } };
    bad.meta.verdict.p = 7;
    expect(() => parseRunFile(JSON.stringify(bad))).toThrow('meta.verdict.p: expected a probability between 0 and 1, got 7.');

    fireEvent.click(screen.getByRole('tab', { name: 'Compare' }));
    await waitFor(() => expect(screen.getByTestId('compare-verdicts')).toBeTruthy());
    expect(screen.getByTestId('compare-verdict-a').getAttribute('data-kind')).toBe('calibrated');
    expect(screen.getByTestId('compare-verdict-b').getAttribute('data-kind')).toBe('written-elsewhere');
    expect(screen.getByTestId('compare-verdict-b').textContent).toMatch(/Written elsewhere: this model would not have written this trace\..*written elsewhere \(departs at token 17\)/s);
  });

  it('a reopened run shows the verdict saved with it, whatever profile is loaded now', async () => {
    await boot();
    const id = await finishAndSave(() => {
      fireEvent.change(screen.getByLabelText('Question for the model'), { target: { value: '(12+7)*3=?' } });
      fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    });
    const saved = (await getRun(id))!;
    // No profile any more: the live verdict would be 'no-profile', the saved one stays.
    setBundledProfileSource(async () => null);
    await act(async () => {
      await loadModel();
    });
    await waitFor(() => expect(useStore.getState().calibration.profile).toBeNull());
    const { openSavedRun } = await import('../../src/record/open');
    act(() => openSavedRun({ ...saved, run: { ...saved.run, id: 'reopened' }, meta: { ...saved.meta, id: 'reopened' } }));
    expect(screen.getByTestId('verdict').getAttribute('data-kind')).toBe('calibrated');
    expect(screen.getByTestId('verdict').textContent).toMatch(/This is the verdict saved with the run/);
  });
});

describe('the history database’s upgrade to version 2', () => {
  it('adds the profiles store and keeps every run saved by version 1', async () => {
    const run = savedRun('old-run');
    await new Promise<void>((done, fail) => {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => {
        req.result.createObjectStore(METAS, { keyPath: 'id' });
        req.result.createObjectStore(RUNS);
      };
      req.onsuccess = () => {
        const db = req.result;
        const tx = db.transaction([METAS, RUNS], 'readwrite');
        tx.objectStore(METAS).put({ ...run.meta, kind: 'generate', status: 'done', tokens: 3, cotk: null, size: 100 });
        tx.objectStore(RUNS).put(run.run, run.meta.id);
        tx.oncomplete = () => {
          db.close();
          done();
        };
        tx.onerror = () => fail(tx.error);
      };
      req.onerror = () => fail(req.error);
    });
    expect((await listRuns()).map((e) => e.id)).toEqual(['old-run']);
    expect((await getRun('old-run'))?.run.events.length).toBe(run.run.events.length);
    const profile = JSON.parse(text);
    await storeProfile(profile, 'imported');
    expect((await storedProfile(profile.key))?.profile).toEqual(profile);
    expect((await listRuns()).map((e) => e.id)).toEqual(['old-run']);
  });
});
