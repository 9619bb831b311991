import 'fake-indexeddb/auto';
import './setup';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../src/app/App';
import { createFakeEngine } from '../../src/engine/fake';
import type { EngineWorkerApi } from '../../src/engine/protocol';
import { useHistoryStatus } from '../../src/history/autosave';
import { useCompareSelection } from '../../src/history/compareSelection';
import { useHistorySettings } from '../../src/history/settings';
import { closeHistoryDb, getRun, listRuns } from '../../src/history/store';
import { showView } from '../../src/history/view';
import { loadModel, setEngine } from '../../src/state/actions';
import { useStore } from '../../src/state/store';
import { wipeHistory } from '../unit/history/fixtures';

/**
 * History in the real App with the fake engine and IndexedDB (fake-indexeddb): runs saved as they
 * finish, listed, reopened, renamed, deleted, picked for compare; a quota failure explained.
 */

beforeEach(async () => {
  await wipeHistory();
  useHistoryStatus.setState({ available: null, unavailable: null, saving: null, lastSaved: null, failure: null, revision: 0 });
  useCompareSelection.getState().clear();
  useHistorySettings.setState({ keepStates: false });
  showView('inspect');
});

afterEach(() => {
  vi.restoreAllMocks();
});

async function withEngine(api: EngineWorkerApi = createFakeEngine()): Promise<void> {
  await act(async () => {
    setEngine(api);
    await loadModel();
  });
}

/** Asks a question and waits until the run is done and saved. */
async function ask(question: string): Promise<string> {
  showTab('Inspect a trace');
  const before = useHistoryStatus.getState().revision;
  fireEvent.change(screen.getByLabelText('Question for the model'), { target: { value: question } });
  fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
  await waitFor(() => expect(screen.getByTestId('run-status').getAttribute('data-status')).toBe('done'));
  const id = useStore.getState().run!.id;
  await waitFor(() => expect(useHistoryStatus.getState().revision).toBeGreaterThan(before));
  return id;
}

function showTab(name: string): void {
  fireEvent.click(screen.getByRole('tab', { name }));
}

function rows(): HTMLElement[] {
  return screen.queryAllByTestId('history-row');
}

function row(id: string): HTMLElement {
  const r = rows().find((x) => x.dataset.id === id);
  if (!r) throw new Error(`no history row for ${id}`);
  return r;
}

async function openHistory(n: number): Promise<void> {
  showTab('History');
  await waitFor(() => expect(rows().length).toBe(n));
}

const scoreShown = (k: string) => screen.getByTestId(`score-${k}`).getAttribute('data-value');

describe('history in the app', () => {
  it('saves every finished run and lists it with its name, model, kind, score, size and states', async () => {
    render(<App />);
    await withEngine();
    showTab('History');
    await waitFor(() => expect(screen.getByTestId('history-empty')).toBeTruthy());
    const id = await ask('(12+7)*3=?');
    const result = useStore.getState().run!.result!;
    await openHistory(1);
    const r = row(id);
    // named by prompt, answer and time, so two runs of one prompt differ; the answer has its own column
    expect(within(r).getByTestId('history-name').textContent).toMatch(/^Asked: \(12\+7\)\*3=\? → 57 · \d\d:\d\d:\d\d$/);
    expect(within(r).getByTestId('history-answer').getAttribute('data-value')).toBe('57');
    expect(within(r).getByTestId('history-answer').textContent).toBe('57');
    expect(r.textContent).toMatch(/fake-reasoner/);
    expect(r.textContent).toMatch(/Asked/);
    expect(Number(within(r).getByTestId('history-cotk').getAttribute('data-value'))).toBe(result.scores.cotk);
    expect(Number(within(r).getByTestId('history-size').getAttribute('data-value'))).toBeGreaterThan(1000);
    expect(within(r).getByTestId('history-states').textContent).toBe('no'); // states not kept by default
    expect(r.getAttribute('aria-current')).toBe('true'); // the run on screen
    const storage = screen.getByTestId('history-storage');
    expect(storage.getAttribute('data-runs')).toBe('1');
    expect(storage.textContent).toMatch(/1 saved run, .* in all/);
    const saved = await getRun(id);
    expect(saved?.run.result?.states).toBeNull();
    expect(saved?.run.events.length).toBe(useStore.getState().run!.events.length);
  });

  it('keeps full states when ticked, says what they cost, and remembers the setting', async () => {
    render(<App />);
    await withEngine();
    const bare = await ask('2*3=?');
    showTab('History');
    const cost = await screen.findByTestId('history-keep-cost');
    // the fake model: 4 layers, hidden 8 → (4 + 2) × 8 × 4 = 192 B per token
    expect(cost.textContent).toMatch(/192 B per token on fake-reasoner/);
    expect(cost.textContent).toMatch(/The current run’s states are \d/);
    fireEvent.click(screen.getByTestId('history-keep-states'));
    expect(JSON.parse(localStorage.getItem('cotk-history-settings') ?? '{}').state.keepStates).toBe(true);
    const kept = await ask('2*3=?');
    await openHistory(2);
    expect(within(row(kept)).getByTestId('history-states').textContent).toBe('kept');
    const sizeOf = (id: string) => Number(within(row(id)).getByTestId('history-size').getAttribute('data-value'));
    const states = useStore.getState().run!.result!.states!;
    expect(sizeOf(kept) - sizeOf(bare)).toBeGreaterThanOrEqual(states.residual.byteLength + states.finalNorm.byteLength);
    const saved = await getRun(kept);
    expect(saved?.meta.keptStates).toBe(true);
    // (Array.from: the clone's Float32Array comes from Node's realm, jsdom's from its own)
    expect(Array.from(saved?.run.result?.states?.residual ?? [])).toEqual(Array.from(states.residual));
  });

  it('reopens a run: the same scores on screen, its question back in the input, the Inspect tab shown', async () => {
    render(<App />);
    await withEngine();
    const first = await ask('(12+7)*3=?');
    const firstScore = scoreShown('cotkV2');
    const shownText = () =>
      within(screen.getByRole('listbox', { name: /Output tokens/ }))
        .getAllByRole('option')
        .map((o) => o.textContent)
        .join('');
    const firstText = shownText();
    await ask('2*3=?');
    expect(scoreShown('cotkV2')).not.toBe(firstScore);
    fireEvent.change(screen.getByLabelText('Question for the model'), { target: { value: 'a draft I am writing' } });
    await openHistory(2);
    fireEvent.click(within(row(first)).getByRole('button', { name: /^Reopen/ }));
    await waitFor(() => expect(screen.getByRole('tab', { name: 'Inspect a trace' }).getAttribute('aria-selected')).toBe('true'));
    expect(useStore.getState().run?.id).toBe(first);
    expect(scoreShown('cotkV2')).toBe(firstScore);
    expect(screen.getByTestId('run-status').getAttribute('data-status')).toBe('done');
    expect(shownText()).toBe(firstText);
    expect((screen.getByLabelText('Question for the model') as HTMLTextAreaElement).value).toBe('(12+7)*3=?');
    // reopening is not a new run: nothing is saved again
    await act(async () => new Promise((r) => setTimeout(r, 50)));
    expect((await listRuns()).length).toBe(2);
  });

  it('renames inline: Enter saves, Escape cancels, an empty name is refused', async () => {
    render(<App />);
    await withEngine();
    const id = await ask('2*3=?');
    await openHistory(1);
    const rename = () => fireEvent.click(within(row(id)).getByRole('button', { name: /^Rename/ }));
    const input = () => within(row(id)).getByTestId('history-rename-input') as HTMLInputElement;

    rename();
    expect(document.activeElement).toBe(input());
    fireEvent.change(input(), { target: { value: '   ' } });
    fireEvent.keyDown(input(), { key: 'Enter' });
    expect((await within(row(id)).findByRole('alert')).textContent).toMatch(/needs a name/);
    expect(input().getAttribute('aria-invalid')).toBe('true');
    fireEvent.keyDown(input(), { key: 'Escape' });
    expect(within(row(id)).getByTestId('history-name').textContent).toMatch(/^Asked: 2\*3=\? → 6 · /);

    rename();
    fireEvent.change(input(), { target: { value: 'times table' } });
    fireEvent.keyDown(input(), { key: 'Escape' });
    expect(within(row(id)).getByTestId('history-name').textContent).toMatch(/^Asked: 2\*3=\? → 6 · /);

    rename();
    fireEvent.change(input(), { target: { value: '  times table  ' } });
    fireEvent.keyDown(input(), { key: 'Enter' });
    await waitFor(() => expect(within(row(id)).getByTestId('history-name').textContent).toBe('times table'));
    expect((await getRun(id))?.meta.name).toBe('times table');
  });

  it('deletes only after a confirmation', async () => {
    render(<App />);
    await withEngine();
    const a = await ask('2*3=?');
    const b = await ask('(12+7)*3=?');
    await openHistory(2);
    fireEvent.click(within(row(a)).getByRole('button', { name: /^Delete/ }));
    expect(row(a).textContent).toMatch(/cannot be undone/);
    fireEvent.click(within(row(a)).getByRole('button', { name: 'Keep it' }));
    expect(rows().length).toBe(2);
    fireEvent.click(within(row(a)).getByRole('button', { name: /^Delete/ }));
    fireEvent.click(within(row(a)).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(rows().map((r) => r.dataset.id)).toEqual([b]));
    expect(await getRun(a)).toBeUndefined();
    expect(await getRun(b)).toBeDefined();
  });

  it('picks two runs for compare and opens the Compare tab with them', async () => {
    render(<App />);
    await withEngine();
    const a = await ask('2*3=?');
    const b = await ask('(12+7)*3=?');
    const c = await ask('4+4=?');
    await openHistory(3);
    const go = screen.getByRole('button', { name: 'Compare the two selected runs' }) as HTMLButtonElement;
    expect(go.disabled).toBe(true);
    fireEvent.click(within(row(a)).getByRole('checkbox'));
    fireEvent.click(within(row(c)).getByRole('checkbox'));
    expect(useCompareSelection.getState()).toMatchObject({ a, b: c });
    // a third run cannot be added while two are picked
    expect((within(row(b)).getByRole('checkbox') as HTMLInputElement).disabled).toBe(true);
    expect(screen.getByTestId('history-compare').textContent).toMatch(/Compare A: “Asked: 2\*3=\? → 6 · [\d:]+” with B: “Asked: 4\+4=\? → 8 · [\d:]+”/);
    fireEvent.click(go);
    expect(screen.getByRole('tab', { name: 'Compare' }).getAttribute('aria-selected')).toBe('true');
    expect(document.getElementById('view-panel-compare')).toBeTruthy();
    // a deleted run leaves the selection
    showTab('History');
    await waitFor(() => expect(rows().length).toBe(3));
    fireEvent.click(within(row(a)).getByRole('button', { name: /^Delete/ }));
    fireEvent.click(within(row(a)).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(useCompareSelection.getState()).toMatchObject({ a: c, b: null }));
  });

  it('waits for a token batch that arrives after the result before saving', async () => {
    // In the browser the worker's last batch and its result travel on different ports: the batch
    // can land after the run is done. This engine delivers its last batch 100 ms after the result.
    const fake = createFakeEngine();
    const late: EngineWorkerApi = {
      ...fake,
      generate: async (runId, prompt, options, onTokens) => {
        const batches: Parameters<NonNullable<typeof onTokens>>[0][] = [];
        const result = await fake.generate(runId, prompt, options, (b) => batches.push(b));
        const last = batches.pop();
        for (const b of batches) onTokens?.(b);
        setTimeout(() => last && onTokens?.(last), 100);
        return result;
      },
    };
    render(<App />);
    await withEngine(late);
    const id = await ask('(12+7)*3=?');
    const run = useStore.getState().run!;
    expect(run.events.length).toBe(run.result!.tokens.length);
    const saved = await getRun(id);
    expect(saved?.run.events.length).toBe(run.result!.tokens.length);
    expect(saved?.run.events.map((e) => e.text).join('')).toBe(run.result!.text);
  });

  it('does not reopen a run over one that is still running', async () => {
    render(<App />);
    await withEngine();
    const id = await ask('2*3=?');
    await act(async () => {
      setEngine(createFakeEngine({ delayMs: 40, batch: 1 }));
      await loadModel();
    });
    fireEvent.change(screen.getByLabelText('Question for the model'), { target: { value: '(12+7)*3=?' } });
    fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(useStore.getState().run?.events.length ?? 0).toBeGreaterThan(1));
    const running = useStore.getState().run!.id;
    await openHistory(1);
    fireEvent.click(within(row(id)).getByRole('button', { name: /^Reopen/ }));
    expect((await screen.findByTestId('history-error')).textContent).toMatch(/A run is in progress: stop it or let it finish/);
    expect(useStore.getState().run?.id).toBe(running);
    await waitFor(() => expect(useStore.getState().run?.status).toBe('done'), { timeout: 10_000 });
  });

  it('leaves History and Compare for the Inspect and Batch tabs, and back', async () => {
    render(<App />);
    showTab('History');
    expect(screen.getByRole('heading', { name: 'History' })).toBeTruthy();
    showTab('Batch');
    expect(screen.getByRole('tab', { name: 'Batch' }).getAttribute('aria-selected')).toBe('true');
    expect(screen.queryByRole('heading', { name: 'History' })).toBeNull();
    showTab('Compare');
    expect(screen.getByRole('tab', { name: 'Compare' }).getAttribute('aria-selected')).toBe('true');
    showTab('Inspect a trace');
    expect(screen.getByLabelText('Question for the model')).toBeTruthy();
  });
});

describe('a save that fails', () => {
  it('explains a full store with the sizes, keeps the run on screen and every earlier run, and saves on retry', async () => {
    render(<App />);
    await withEngine();
    const first = await ask('2*3=?');
    const real = IDBObjectStore.prototype.put;
    const put = vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      if (this.name === 'runs') throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return real.call(this, value, key);
    });
    fireEvent.change(screen.getByLabelText('Question for the model'), { target: { value: '(12+7)*3=?' } });
    fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(screen.getByTestId('run-status').getAttribute('data-status')).toBe('done'));
    const notice = await screen.findByTestId('history-save-error');
    expect(notice.getAttribute('role')).toBe('alert');
    expect(notice.getAttribute('data-quota')).toBe('true');
    expect(notice.textContent).toMatch(/^“Asked: \(12\+7\)\*3=\? → 57 · [\d:]+” was not saved to history\. The browser’s storage for this site is full \(it needed about [\d.]+ kB\)/);
    expect(notice.textContent).toMatch(/earlier saved runs are untouched/);
    // the run is still on screen, whole
    const second = useStore.getState().run!;
    expect(second.status).toBe('done');
    expect(screen.getByTestId('run-status').getAttribute('data-status')).toBe('done');
    expect(screen.getAllByRole('option').length).toBeGreaterThan(5);
    // the earlier run is intact, the new one not half there
    expect((await listRuns()).map((e) => e.id)).toEqual([first]);
    expect(await getRun(second.id)).toBeUndefined();

    put.mockRestore();
    fireEvent.click(within(notice).getByRole('button', { name: /^Try again/ }));
    await waitFor(() => expect(screen.queryByTestId('history-save-error')).toBeNull());
    expect((await listRuns()).map((e) => e.id)).toEqual([second.id, first]);
  });

  it('offers to save without full states when they made the run too big', async () => {
    useHistorySettings.setState({ keepStates: true });
    render(<App />);
    await withEngine();
    const real = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      const run = value as { result?: { states?: unknown } } | null;
      if (this.name === 'runs' && run?.result?.states) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return real.call(this, value, key);
    });
    fireEvent.change(screen.getByLabelText('Question for the model'), { target: { value: '2*3=?' } });
    fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    const notice = await screen.findByTestId('history-save-error');
    fireEvent.click(within(notice).getByRole('button', { name: 'Save it without full states' }));
    await waitFor(() => expect(screen.queryByTestId('history-save-error')).toBeNull());
    const [entry] = await listRuns();
    expect(entry.keptStates).toBe(false);
    expect((await getRun(entry.id))?.run.result?.states).toBeNull();
    // the run on screen keeps its states
    expect(useStore.getState().run?.result?.states).not.toBeNull();
  });

  it('says so in History when the browser offers no IndexedDB', async () => {
    await closeHistoryDb();
    const idb = globalThis.indexedDB;
    // @ts-expect-error: removed to stand for a browser without IndexedDB
    delete globalThis.indexedDB;
    try {
      render(<App />);
      showTab('History');
      expect((await screen.findByTestId('history-unavailable')).textContent).toMatch(/no IndexedDB/);
    } finally {
      globalThis.indexedDB = idb;
    }
  });
});
