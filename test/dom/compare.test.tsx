import 'fake-indexeddb/auto';
import './setup';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { ComparePanel } from '../../src/app/ComparePanel';
import { SCORERS, type ScoreKey } from '../../src/core/scores/index';
import { createFakeEngine } from '../../src/engine/fake';
import { useCompareSelection } from '../../src/history/compareSelection';
import { closeHistoryDb, DB_NAME, deleteRun, saveRun } from '../../src/history/store';
import { snapshotRun } from '../../src/record/snapshot';
import type { SavedRun } from '../../src/record/types';
import { generate, loadModel, setEngine } from '../../src/state/actions';
import { deriveRun, metricValue } from '../../src/state/derive';
import { DEFAULT_TINT } from '../../src/state/slices';
import { sharedTint } from '../../src/views/Compare/scale';
import { useStore } from '../../src/state/store';
import { answerText } from '../../src/views/shared/answer';

/**
 * The compare panel on real IndexedDB (fake-indexeddb) and runs made by the app's own actions on
 * the deterministic fake engine: the panel lists what history holds, loads the two runs picked and
 * shows them side by side.
 */
async function makeRun(question: string, opts: { keepStates?: boolean; name?: string; now?: Date } = {}): Promise<SavedRun> {
  await act(async () => {
    if (useStore.getState().model.status !== 'ready') {
      setEngine(createFakeEngine({ delayMs: 0 }));
      await loadModel();
    }
    useStore.setState({ question });
    await generate();
  });
  const saved = snapshotRun(useStore.getState(), { keepStates: opts.keepStates ?? true, name: opts.name ?? question, now: opts.now });
  if (!saved) throw new Error('the run did not finish');
  return saved;
}

const viewOf = (s: SavedRun) => deriveRun(s.run.events, s.run.result, useStore.getState().gamma);

async function save(...runs: SavedRun[]): Promise<void> {
  for (const r of runs) await saveRun(r);
}

beforeEach(async () => {
  await closeHistoryDb();
  await new Promise<void>((done, fail) => {
    const req = indexedDB.deleteDatabase(DB_NAME);
    req.onsuccess = () => done();
    req.onerror = () => fail(req.error);
  });
  useCompareSelection.getState().clear();
});

/** The score table's value cell, as a number (NaN for a missing value). */
function cell(key: ScoreKey, col: 'a' | 'b' | 'diff' | 'sounder'): string | null {
  return screen.getByTestId('compare-scores').querySelector(`tr[data-score="${key}"] [data-col="${col}"]`)?.getAttribute('data-value') ?? null;
}

const T0 = new Date('2025-01-01T10:00:00Z');
const T1 = new Date('2025-01-01T11:00:00Z');

describe('the compare panel', () => {
  it('shows two saved runs side by side: aligned steps, two strips, the score table and the overlay', async () => {
    const a = await makeRun('(12+7)*3=?', { now: T0 });
    const b = await makeRun('(12+7)*3-5=?', { now: T1 });
    await save(a, b);
    render(<ComparePanel />);
    // with nothing picked in History, A is the older and B the newer of the two newest runs
    await waitFor(() => expect(screen.getByTestId('compare-scores')).toBeTruthy());
    expect((screen.getByTestId('compare-pick-A') as HTMLSelectElement).value).toBe(a.meta.id);
    expect((screen.getByTestId('compare-pick-B') as HTMLSelectElement).value).toBe(b.meta.id);

    // texts: B's extra step sits opposite a gap; the shared steps share rows
    const steps = screen.getByTestId('compare-steps');
    const kinds = [...steps.querySelectorAll('tbody tr')].map((r) => r.getAttribute('data-kind'));
    expect(kinds).toEqual(['same', 'same', 'only-b', 'answer']);
    const rows = steps.querySelectorAll('tbody tr');
    expect(rows[0].textContent).toContain('12+7=19');
    expect(rows[2].textContent).toContain('57-5=52');
    expect(within(rows[2] as HTMLElement).getByText('no step in run A')).toBeTruthy();
    // one colour scale for both texts: every token of either run is tinted by the scale fitted on both
    const { scale } = sharedTint([viewOf(a).rows, viewOf(b).rows], DEFAULT_TINT);
    const byIndex = (s: SavedRun) => new Map(viewOf(s).rows.map((r) => [r.index, r]));
    for (const [side, run] of [['A', a], ['B', b]] as const) {
      const tokens = [...steps.querySelectorAll(`td.cmp-text[data-run="${side}"] .tok`)] as HTMLElement[];
      expect(tokens.length).toBeGreaterThan(10);
      const rowsOf = byIndex(run);
      for (const t of tokens) {
        const row = rowsOf.get(Number(t.dataset.index));
        if (!row) throw new Error('a token with no row');
        expect(t.style.background, `${side} token ${row.index}`).toBe(scale(metricValue(row, DEFAULT_TINT)));
      }
    }
    // per-step means: the default metric (v2 token energy −Λ) over the step's tokens, its newline included
    const viewA = deriveRun(a.run.events, a.run.result, useStore.getState().gamma);
    const reasoning = viewA.rows.filter((r) => r.segment === 'reasoning');
    expect(reasoning[0].text).toBe('\n'); // the empty line after <think> is no step
    const step1 = reasoning.slice(1, 9);
    expect(step1.map((r) => r.text).join('')).toBe('12+7=19\n');
    const mean = step1.reduce((s, r) => s - r.lagrangian, 0) / step1.length;
    expect(Number(rows[0].querySelectorAll('td.num')[0].getAttribute('data-value'))).toBeCloseTo(mean, 9);

    // strips: two, on one domain, as long as each run
    const sa = screen.getByTestId('compare-strip-A');
    const sb = screen.getByTestId('compare-strip-B');
    expect(sa.getAttribute('data-domain')).toBe(sb.getAttribute('data-domain'));
    expect(Number(sa.getAttribute('data-tokens'))).toBe(a.run.events.length);
    expect(Number(sb.getAttribute('data-tokens'))).toBe(b.run.events.length);

    // the strips read both runs at one token from the keyboard, and have a table equivalent
    const surface = within(screen.getByTestId('compare-strips')).getByRole('group', { name: /runs A and B on one scale/ });
    fireEvent.keyDown(surface, { key: 'End' });
    expect(screen.getByTestId('compare-strip-cursor').getAttribute('data-index')).toBe(String(b.run.events.length - 1));
    expect(screen.getByTestId('compare-strip-readout').textContent).toMatch(/^Token \d+: A no token \(the run is shorter\); B “<\|im_end\|>” /);
    fireEvent.keyDown(surface, { key: 'Home' });
    expect(screen.getByTestId('compare-strip-readout').textContent).toMatch(/^Token 0: A “<think>” [-\d.e]+; B “<think>” [-\d.e]+\.$/);
    const details = screen.getByTestId('compare-strips').querySelector('details') as HTMLDetailsElement;
    details.open = true;
    fireEvent(details, new Event('toggle'));
    expect(within(details).getAllByRole('row')).toHaveLength(1 + b.run.events.length);

    // scores: every scorer, A and B as derived, B − A
    const viewB = deriveRun(b.run.events, b.run.result, useStore.getState().gamma);
    // one row per scorer (the default marked), none for the duplicate `cotk` key; the answers first
    expect(screen.getByTestId('compare-scores').querySelector('tr[data-score="cotk"]')).toBeNull();
    expect(cell('answer' as ScoreKey, 'a')).toBe(answerText(a.run));
    expect(cell('answer' as ScoreKey, 'b')).toBe(answerText(b.run));
    for (const key of SCORERS.map((s) => s.id) as ScoreKey[]) {
      const va = viewA.scores[key];
      const vb = viewB.scores[key];
      expect(cell(key, 'a'), key).toBe(String(va));
      expect(cell(key, 'b'), key).toBe(String(vb));
      if (va !== null && vb !== null) expect(Number(cell(key, 'diff'))).toBeCloseTo(vb - va, 12);
    }
    const v2a = viewA.scores.cotkV2 as number;
    const v2b = viewB.scores.cotkV2 as number;
    expect(cell('cotkV2', 'sounder')).toBe(v2b < v2a ? 'B' : v2b > v2a ? 'A' : 'tie');
    expect(screen.getByTestId('compare-scores').textContent).toMatch(/lower is sounder/);

    // trajectories: both runs' paths in one plot, with the legend
    const overlay = screen.getByTestId('compare-overlay');
    expect(overlay.querySelectorAll('g.traj[data-run="A"]')).toHaveLength(a.run.events.length);
    expect(overlay.querySelectorAll('g.traj[data-run="B"]')).toHaveLength(b.run.events.length);
    expect(screen.getByTestId('compare-legend').textContent).toMatch(/Run A: \(12\+7\)\*3=\?.*Run B: \(12\+7\)\*3-5=\?/);
  });

  it('says plainly when a run kept no states, and still compares the rest', async () => {
    const a = await makeRun('(2+3)*4=?', { now: T0 });
    const b = await makeRun('(2+3)*4+1=?', { now: T1, keepStates: false });
    await save(a, b);
    render(<ComparePanel />);
    const note = await screen.findByTestId('compare-trajectories-note');
    expect(note.textContent).toMatch(/^Run B kept no hidden states, so the token paths cannot be drawn/);
    expect(note.getAttribute('data-missing')).toBe('B');
    expect(screen.queryByTestId('compare-overlay')).toBeNull();
    // the rest is there: texts, strips, scores (the logit scores need no states)
    expect(screen.getByTestId('compare-steps')).toBeTruthy();
    expect(screen.getByTestId('compare-strip-B')).toBeTruthy();
    expect(cell('perplexity', 'b')).not.toBe('null');
  });

  it('does not overlay runs of different models, and explains why', async () => {
    const a = await makeRun('(2+3)*4=?', { now: T0 });
    const b0 = await makeRun('(2+3)*5=?', { now: T1 });
    const b: SavedRun = { ...b0, meta: { ...b0.meta, model: { ...b0.meta.model, name: 'onnx-community/Qwen3-0.6B-ONNX' } } };
    await save(a, b);
    render(<ComparePanel />);
    const note = await screen.findByTestId('compare-trajectories-note');
    expect(note.textContent).toMatch(/different models .* not comparable and are not overlaid/);
    expect(screen.getByTestId('compare-notes').textContent).toMatch(/different models/);
    expect(screen.getByTestId('compare-scores')).toBeTruthy();
  });

  it('starts from the runs picked in History, and lets the keyboard pickers and Swap change them', async () => {
    const r1 = await makeRun('1+1=?', { now: T0 });
    const r2 = await makeRun('2*3=?', { now: T1 });
    const r3 = await makeRun('(4+4)*2=?', { now: new Date('2025-01-01T12:00:00Z') });
    await save(r1, r2, r3);
    useCompareSelection.getState().set(r3.meta.id, r1.meta.id);
    render(<ComparePanel />);
    await screen.findByTestId('compare-scores');
    const pickA = screen.getByLabelText('Run A') as HTMLSelectElement;
    const pickB = screen.getByLabelText('Run B') as HTMLSelectElement;
    expect(pickA.value).toBe(r3.meta.id);
    expect(pickB.value).toBe(r1.meta.id);
    // every saved run is offered on each side
    expect([...pickA.options].map((o) => o.value).filter(Boolean).sort()).toEqual([r1.meta.id, r2.meta.id, r3.meta.id].sort());
    fireEvent.change(pickB, { target: { value: r2.meta.id } });
    expect(useCompareSelection.getState()).toMatchObject({ a: r3.meta.id, b: r2.meta.id });
    await waitFor(() => expect(screen.getByTestId('compare-strips').textContent).toContain('B: 2*3=?'));
    fireEvent.click(screen.getByRole('button', { name: 'Swap runs A and B' }));
    expect(useCompareSelection.getState()).toMatchObject({ a: r2.meta.id, b: r3.meta.id });
    await waitFor(() => expect(screen.getByTestId('compare-strips').textContent).toContain('A: 2*3=?'));
    // the same run on both sides is allowed, with a note
    fireEvent.change(pickB, { target: { value: r2.meta.id } });
    await waitFor(() => expect(screen.getByTestId('compare-notes').textContent).toMatch(/same run/));
    expect(cell('perplexity', 'diff')).toBe('0');
  });

  it('explains an empty history, a single run, and a run deleted since it was picked', async () => {
    const view = render(<ComparePanel />);
    expect((await screen.findByTestId('compare-empty')).textContent).toMatch(/No saved runs yet/);
    view.unmount();

    const r1 = await makeRun('1+2=?', { now: T0 });
    await save(r1);
    const v2 = render(<ComparePanel />);
    expect((await screen.findByTestId('compare-empty')).textContent).toMatch(/Only one run is saved/);
    v2.unmount();

    const r2 = await makeRun('3+4=?', { now: T1 });
    await save(r2);
    useCompareSelection.getState().set(r1.meta.id, 'gone-run');
    render(<ComparePanel />);
    expect((await screen.findByTestId('compare-error-b')).textContent).toMatch(/^Run B is no longer in history/);
    expect(screen.queryByTestId('compare-scores')).toBeNull();
    // a run deleted while the panel is open disappears from it with the same sentence
    useCompareSelection.getState().set(r1.meta.id, r2.meta.id);
    await screen.findByTestId('compare-scores');
    await act(async () => {
      await deleteRun(r2.meta.id);
    });
    fireEvent.click(screen.getByRole('button', { name: 'Refresh list' }));
    expect((await screen.findByTestId('compare-error-b')).textContent).toMatch(/no longer in history/);
  });

  it('says a run without output tokens cannot be compared', async () => {
    const a = await makeRun('1+2=?', { now: T0 });
    const empty: SavedRun = {
      meta: { ...a.meta, id: 'empty-run', name: 'Failed at once' },
      run: { ...a.run, id: 'empty-run', status: 'error', events: [], result: null, error: 'The run stopped with an error: out of memory.' },
    };
    await save(a, empty);
    useCompareSelection.getState().set(a.meta.id, 'empty-run');
    render(<ComparePanel />);
    const p = await screen.findByTestId('compare-unusable');
    expect(p.textContent).toBe('Run B (“Failed at once”) has no output tokens: it failed before the model wrote anything, so there is nothing of it to compare.');
  });

  it('compares a run that failed midway on the tokens it produced, and says so', async () => {
    const a = await makeRun('(12+7)*3=?', { now: T0 });
    const b0 = await makeRun('(12+7)*3-5=?', { now: T1 });
    // failed after the first 12 tokens: no result, only what streamed
    const failed: SavedRun = {
      meta: { ...b0.meta, keptStates: false, name: 'Half a run' },
      run: { ...b0.run, status: 'error', events: b0.run.events.slice(0, 12), result: null, error: 'The run stopped with an error: device lost.' },
    };
    await save(a, failed);
    render(<ComparePanel />);
    await screen.findByTestId('compare-scores');
    expect(screen.getByTestId('compare-notes').textContent).toContain('Run B (“Half a run”) stopped with an error (The run stopped with an error: device lost.): it is compared on the tokens it produced.');
    expect(screen.getByTestId('compare-scores').textContent).toMatch(/estimates from the streamed tokens/);
    expect(Number(screen.getByTestId('compare-strip-B').getAttribute('data-tokens'))).toBe(12);
    // its live perplexity is the one the inspector would show for those tokens
    const live = deriveRun(failed.run.events, null, useStore.getState().gamma).scores.perplexity;
    expect(cell('perplexity', 'b')).toBe(String(live));
    expect(screen.getByTestId('compare-trajectories-note').textContent).toMatch(/^Run B kept no hidden states/);
  });
});
