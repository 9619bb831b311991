import 'fake-indexeddb/auto';
import './setup';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app/App';
import { planParts } from '../../src/core/plan';
import { createFakeEngine } from '../../src/engine/fake';
import { DEFAULT_MAX_TOKENS } from '../../src/engine/generate';
import { DEFAULT_STATE_CAP_BYTES } from '../../src/engine/keep';
import { useHistoryStatus } from '../../src/history/autosave';
import { useHistorySettings } from '../../src/history/settings';
import { getRun } from '../../src/history/store';
import { showView } from '../../src/history/view';
import { loadModel, setEngine } from '../../src/state/actions';
import { shapeOfConfig, tokensUpperBound } from '../../src/state/runPlan';
import { useStore } from '../../src/state/store';
import { wipeHistory } from '../unit/history/fixtures';

/**
 * The planner's decision reaches history: with the budget between what a run needs without and
 * with the history copy of its states, the run completes and is saved without states; with room
 * for both, the same run is saved with them (so the test can tell the two apart).
 */
const QUESTION = '(12+7)*3=?';
const WEIGHTS = 2_000_000;

beforeEach(async () => {
  await wipeHistory();
  useHistoryStatus.setState({ available: null, unavailable: null, saving: null, lastSaved: null, failure: null, revision: 0 });
  useHistorySettings.setState({ keepStates: true });
  showView('inspect');
});

afterEach(() => {
  window.history.replaceState(null, '', '/');
});

async function askWithBudget(pick: (without: number, withStates: number) => number): Promise<{ id: string; keptStates: boolean }> {
  render(<App />);
  await act(async () => {
    setEngine(createFakeEngine());
    await loadModel();
  });
  const m = useStore.getState().model;
  const info = { ...m.info!, weightsBytes: WEIGHTS };
  useStore.setState({ model: { ...m, info } });
  const promptTokens = tokensUpperBound(QUESTION.length);
  const req = {
    shape: shapeOfConfig(info.config),
    weightsBytes: WEIGHTS,
    dtype: info.variant,
    promptTokens,
    maxTokens: Math.max(1, Math.min(DEFAULT_MAX_TOKENS, info.config.contextLength - promptTokens)),
    stateCapBytes: DEFAULT_STATE_CAP_BYTES,
    historyStates: true,
    lens: true,
    runtime: 'wasm' as const,
  };
  window.history.replaceState(null, '', `/?max-memory=${Math.round(pick(planParts(req, { historyStates: false }).total, planParts(req).total))}`);
  const before = useHistoryStatus.getState().revision;
  fireEvent.change(screen.getByLabelText('Question for the model'), { target: { value: QUESTION } });
  fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
  await waitFor(() => expect(screen.getByTestId('run-status').getAttribute('data-status')).toBe('done'));
  const id = useStore.getState().run!.id;
  await waitFor(() => expect(useHistoryStatus.getState().revision).toBeGreaterThan(before));
  const saved = await getRun(id);
  expect(saved?.run.result?.tokens.length).toBe(useStore.getState().run!.result!.tokens.length);
  return { id, keptStates: saved!.meta.keptStates };
}

describe('the memory plan and history', () => {
  it('a run whose states do not fit is completed and saved without them, with the sentence', async () => {
    const r = await askWithBudget((without, withStates) => (without + withStates) / 2);
    expect(r.keptStates).toBe(false);
    expect(screen.getByTestId('run-memory-plan').textContent).toMatch(/^This run: Not everything fits: .* it goes ahead saved in history without its states/);
    expect(useStore.getState().run!.result!.states).not.toBeNull(); // still kept in memory for the views
  });

  it('the same run with room for its states is saved with them', async () => {
    const r = await askWithBudget((_, withStates) => withStates * 2);
    expect(r.keptStates).toBe(true);
    expect(screen.queryByTestId('run-memory-plan')).toBeNull();
    expect(screen.getByTestId('memory-plan').getAttribute('data-verdict')).toBe('go');
  });
});
