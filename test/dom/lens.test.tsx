import './setup';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { ResultsArea } from '../../src/app/ResultsArea';
import { lensLogProbs, lensTopK } from '../../src/core/scores/logitLens';
import { createFakeEngine, FAKE_LENS_HEAD } from '../../src/engine/fake';
import type { EngineWorkerApi } from '../../src/engine/protocol';
import { generate, loadModel, setEngine, setHover, setQuestion } from '../../src/state/actions';
import { useStore } from '../../src/state/store';
import { pct } from '../../src/views/LogitLens/layout';
import { LENS_HOVER_DEBOUNCE_MS } from '../../src/views/LogitLens/useLensTarget';
import { settle, showRun } from './fixtures';

async function withEngine(api: EngineWorkerApi = createFakeEngine({ delayMs: 0, batch: 64 })): Promise<EngineWorkerApi> {
  await act(async () => {
    setEngine(api);
    await loadModel();
  });
  return api;
}

const lens = () => screen.getByTestId('view-lens');
const token = (i: number) => document.getElementById(`tok-${i}`) as HTMLElement;
const bodyRows = () => within(screen.getByTestId('lens-table')).getAllByRole('row').slice(1);

describe('the logit lens panel', () => {
  it('shows, for a picked token, each layer’s top prediction as the fake engine’s read-out computes it', async () => {
    const fake = await withEngine();
    const spy = vi.spyOn(fake, 'logitLens');
    render(<ResultsArea />);
    act(() => setQuestion('(12+7)*3=?'));
    await act(() => generate());
    const result = useStore.getState().run!.result!;
    const i = 5;
    fireEvent.click(token(i));
    await waitFor(() => expect(screen.getByTestId('lens-table')).toBeTruthy());
    const rows = bodyRows();
    expect(rows).toHaveLength(5); // L + 1 for the fake's 4 layers
    const p = result.promptLength + i;
    const next = result.ids[p + 1];
    expect(screen.getByTestId('lens-table').getAttribute('data-target-id')).toBe(String(next));
    const { layers: L, tokens: T, dim: d, residual } = result.states!;
    for (let l = 0; l <= L; l++) {
      const lp = lensLogProbs(FAKE_LENS_HEAD, residual, (l * T + p) * d);
      const top = lensTopK(lp, 5);
      const cells = rows[l].querySelectorAll('td');
      expect(rows[l].querySelector('.lens-top')?.getAttribute('data-id')).toBe(String(top[0].id));
      expect(cells[1].textContent).toBe(pct(Math.exp(top[0].logProb)));
      expect(cells[2].textContent).toBe(pct(Math.exp(lp[next])));
      expect([...rows[l].querySelectorAll('.lens-others [data-id]')].map((e) => Number(e.getAttribute('data-id')))).toEqual(top.slice(1).map((t) => t.id));
    }
    // the states sent were that token's R[0..L] at its own position, with the next token as every row's target
    const [states, hidden, targets, k] = spy.mock.calls[0];
    expect([hidden, k, states.length]).toEqual([d, 5, (L + 1) * d]);
    expect(targets).toEqual(new Array(L + 1).fill(next));
    // the kept states are still intact (the call got a copy)
    expect(result.states!.residual.length).toBe((L + 1) * T * d);
    expect(lens().textContent).toMatch(/Layer/);
  });

  it('follows the hover after a short rest, and caches per token', async () => {
    const fake = await withEngine();
    const spy = vi.spyOn(fake, 'logitLens');
    render(<ResultsArea />);
    act(() => setQuestion('2*3=?'));
    await act(() => generate());
    fireEvent.click(token(2));
    await waitFor(() => expect(screen.getByTestId('lens-table')).toBeTruthy());
    expect(screen.getByRole('table', { name: /after token 2 / })).toBeTruthy();
    act(() => setHover(3));
    await settle(LENS_HOVER_DEBOUNCE_MS / 3);
    expect(screen.getByRole('table', { name: /after token 2 / })).toBeTruthy(); // still resting
    await settle(LENS_HOVER_DEBOUNCE_MS + 50);
    await waitFor(() => expect(screen.getByRole('table', { name: /after token 3 / })).toBeTruthy());
    act(() => setHover(null));
    await waitFor(() => expect(screen.getByRole('table', { name: /after token 2 / })).toBeTruthy());
    act(() => setHover(3));
    await settle(LENS_HOVER_DEBOUNCE_MS + 50);
    expect(spy).toHaveBeenCalledTimes(2); // token 2 once, token 3 once: the second hover hit the cache
  });

  it('says the lens waits for the finished run, and needs kept states', async () => {
    const fake = await withEngine();
    const spy = vi.spyOn(fake, 'logitLens');
    render(<ResultsArea />);
    act(() => {
      useStore.setState({ run: { id: 'r', kind: 'generate', prompt: 'p', status: 'running', events: showRun().events, result: null, error: null } });
    });
    fireEvent.click(token(1));
    expect(screen.getByTestId('lens-note').textContent).toMatch(/once the run has finished/);
    showRun({ states: false, dim: 8 });
    act(() => useStore.setState({ selected: 1 }));
    await waitFor(() => expect(screen.getByTestId('lens-note').textContent).toMatch(/kept no hidden states/));
    showRun({ keptPositions: 8, dim: 8 });
    act(() => useStore.setState({ selected: 10, lens: {} }));
    await waitFor(() => expect(screen.getByTestId('lens-note').textContent).toMatch(/memory cap .* first 8 positions/));
    expect(spy).not.toHaveBeenCalled();
  });

  it('puts an engine failure in the panel as a sentence, and retries on the next request', async () => {
    const fake = createFakeEngine();
    let fail = true;
    const flaky: EngineWorkerApi = { ...fake, logitLens: (...a) => (fail ? Promise.reject(new Error('the lens ran out of memory')) : fake.logitLens(...a)) };
    await withEngine(flaky);
    render(<ResultsArea />);
    showRun({ dim: 8 });
    act(() => useStore.setState({ selected: 4 }));
    await waitFor(() => expect(screen.getByTestId('lens-error').textContent).toBe('The logit lens failed: the lens ran out of memory.'));
    fail = false;
    act(() => useStore.setState({ selected: 3 }));
    await waitFor(() => expect(screen.getByTestId('lens-table')).toBeTruthy());
    act(() => useStore.setState({ selected: 4 }));
    await waitFor(() => expect(screen.getByRole('table', { name: /after token 4 / })).toBeTruthy());
    // the engine spells every predicted id, the page's text the synthetic target ids: nothing is left as #id
    expect(lens().textContent).not.toMatch(/#\d+/);
    expect(lens().textContent).not.toMatch(/could not be spelled/);
  });
});
