import './setup';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { App } from '../../src/app/App';
import { SCORERS } from '../../src/core/scores/index';
import { createFakeEngine } from '../../src/engine/fake';
import type { EngineWorkerApi } from '../../src/engine/protocol';
import { loadModel, setEngine } from '../../src/state/actions';
import { initialState, useStore } from '../../src/state/store';

async function withEngine(api: EngineWorkerApi = createFakeEngine()): Promise<EngineWorkerApi> {
  await act(async () => {
    setEngine(api);
    await loadModel();
  });
  return api;
}

/** The output tokens (the text view's options; the selects' options are not tokens). */
function tokens(): HTMLElement[] {
  return within(screen.getByRole('listbox', { name: /Output tokens/ })).getAllByRole('option');
}

function outputText(): string {
  return tokens()
    .map((o) => o.textContent)
    .join('');
}

describe('the app with the fake engine', () => {
  it('shows the model’s status, device and notices once loaded', async () => {
    render(<App />);
    expect(screen.getByTestId('engine-status').textContent).toBe('not connected');
    await withEngine();
    expect(screen.getByTestId('engine-status').textContent).toBe('ready');
    expect(screen.getByTestId('model-name').textContent).toMatch(/fake-reasoner/);
    expect(screen.getByTestId('model-backend').textContent).toMatch(/WebAssembly.*4 layers/);
    expect(screen.getByRole('list', { name: 'Notices about the model' }).textContent).toMatch(/Fake engine/);
  });

  it('asks with Ctrl+Enter, streams the reasoning and shows the answer in every view', async () => {
    render(<App />);
    await withEngine();
    const q = screen.getByLabelText('Question for the model');
    fireEvent.change(q, { target: { value: '(12+7)*3=?' } });
    fireEvent.keyDown(q, { key: 'Enter', ctrlKey: true });
    await waitFor(() => expect(screen.getByTestId('run-status').getAttribute('data-status')).toBe('done'));
    expect(outputText()).toContain('12+7=19');
    expect(outputText()).toContain('57');
    expect(screen.getByTestId('view-trajectories').querySelectorAll('g.traj').length).toBeGreaterThan(5);
    expect(screen.getByTestId('answer-confidence').textContent).toMatch(/%$/);
    expect(screen.getByTestId('trace-energy').textContent).not.toBe('—');
    expect(screen.getAllByRole('row').some((r) => /CoE-R/.test(r.textContent ?? ''))).toBe(true);
  });

  it('stops a run midway and keeps what was produced inspectable', async () => {
    render(<App />);
    await withEngine(createFakeEngine({ delayMs: 40, batch: 1 }));
    fireEvent.change(screen.getByLabelText('Question for the model'), { target: { value: '(12+7)*3=?' } });
    fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(useStore.getState().run?.events.length ?? 0).toBeGreaterThanOrEqual(3));
    // while it streams, the views and scores are live estimates
    expect(screen.getByTestId('view-confidence').textContent).toMatch(/Live estimate/);
    expect(screen.getByTestId('run-status').textContent).toMatch(/Generating… \d+ tokens so far/);
    fireEvent.click(screen.getByRole('button', { name: 'Stop' }));
    await waitFor(() => expect(screen.getByTestId('run-status').getAttribute('data-status')).toBe('cancelled'));
    const run = useStore.getState().run;
    expect(run?.result?.stop).toBe('cancelled');
    expect(run?.result?.tokens.length).toBeLessThan(20);
    expect(screen.getByTestId('run-status').textContent).toMatch(/Stopped after \d+ tokens/);
    expect(tokens().length).toBe(run?.result?.tokens.length);
    fireEvent.mouseOver(tokens()[1]);
    expect(screen.getByTestId('strip-cursor').getAttribute('data-index')).toBe('1');
  });

  it('lets the latest run win: starting another cancels the first and drops its late tokens', async () => {
    render(<App />);
    const fake = await withEngine(createFakeEngine({ delayMs: 30, batch: 1 }));
    const cancel = vi.spyOn(fake, 'cancel');
    const q = screen.getByLabelText('Question for the model');
    fireEvent.change(q, { target: { value: '(12+7)*3=?' } });
    fireEvent.keyDown(q, { key: 'Enter', ctrlKey: true });
    await waitFor(() => expect(useStore.getState().run?.events.length ?? 0).toBeGreaterThanOrEqual(2));
    const first = useStore.getState().run?.id;
    fireEvent.change(q, { target: { value: '2*3=?' } });
    fireEvent.keyDown(q, { key: 'Enter', ctrlKey: true });
    await waitFor(() => expect(screen.getByTestId('run-status').getAttribute('data-status')).toBe('done'));
    expect(cancel).toHaveBeenCalledWith(first);
    const run = useStore.getState().run;
    expect(run?.id).not.toBe(first);
    expect(run?.prompt).toBe('2*3=?');
    expect(run?.events.map((e) => e.text).join('')).toBe(run?.result?.text);
    expect(outputText()).toContain('2*3=6');
  });

  it('puts an engine error next to the input as a sentence and keeps what was typed', async () => {
    const fake = createFakeEngine();
    const failing: EngineWorkerApi = {
      ...fake,
      generate: () => Promise.reject(new Error("the prompt (300 tokens) plus the maximum output (1024 tokens) is 1324 tokens, more than the model's context of 256; shorten the prompt or ask for at most 0 tokens.")),
    };
    render(<App />);
    await withEngine(failing);
    fireEvent.change(screen.getByLabelText('Question for the model'), { target: { value: 'a very long question' } });
    fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(screen.getByTestId('run-error').textContent).toMatch(/^The run stopped with an error: the prompt \(300 tokens\).*at most 0 tokens\.$/));
    expect(screen.getByTestId('run-error').getAttribute('role')).toBe('alert');
    expect((screen.getByLabelText('Question for the model') as HTMLTextAreaElement).value).toBe('a very long question');
  });

  it('explains a failed load in the header and offers to load again', async () => {
    const fake = createFakeEngine();
    let fail = true;
    const flaky: EngineWorkerApi = { ...fake, load: (s, p) => (fail ? Promise.reject(new Error('model.onnx is truncated or corrupt (short read); download or copy it again.')) : fake.load(s, p)) };
    render(<App />);
    await withEngine(flaky);
    expect(screen.getByTestId('model-error').textContent).toBe('The model did not load: model.onnx is truncated or corrupt (short read); download or copy it again.');
    fail = false;
    fireEvent.click(screen.getByRole('button', { name: 'Load the model again' }));
    await waitFor(() => expect(screen.getByTestId('engine-status').textContent).toBe('ready'));
    expect(screen.queryByTestId('model-error')).toBeNull();
  });

  it('says why nothing runs without an engine, keeping the question', () => {
    render(<App />);
    fireEvent.change(screen.getByLabelText('Question for the model'), { target: { value: '1+1=?' } });
    fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    expect(screen.getByTestId('input-error').textContent).toMatch(/not connected/);
    expect(JSON.parse(localStorage.getItem('cotk-drafts') ?? '{}').state.question).toBe('1+1=?');
  });
});

describe('pasting a trace', () => {
  it('says what it found and what is missing before running, and runs nothing on bad input', async () => {
    render(<App />);
    const fake = await withEngine();
    const score = vi.spyOn(fake, 'score');
    fireEvent.click(screen.getByRole('tab', { name: 'Paste a trace' }));
    const box = screen.getByLabelText(/Finished trace/);
    fireEvent.change(box, { target: { value: '<think>\n12+7=19\n</think>\n\n57' } });
    const summary = screen.getByTestId('parse-summary');
    expect(summary.textContent).toMatch(/found reasoning \(7 characters\), answer \(2 characters\)/);
    expect(summary.textContent).toMatch(/No prompt found/);
    fireEvent.click(screen.getByRole('button', { name: 'Score trace' }));
    expect(screen.getByTestId('input-error').textContent).toMatch(/No prompt found/);
    expect(score).not.toHaveBeenCalled();
    expect((screen.getByLabelText(/Finished trace/) as HTMLTextAreaElement).value).toBe('<think>\n12+7=19\n</think>\n\n57');
  });

  it('scores a plain-text trace by teacher forcing', async () => {
    render(<App />);
    const fake = await withEngine();
    const score = vi.spyOn(fake, 'score');
    fireEvent.click(screen.getByRole('tab', { name: 'Paste a trace' }));
    fireEvent.change(screen.getByLabelText(/Finished trace/), { target: { value: '(12+7)*3=?\n<think>\n12+7=19\n19*3=57\n</think>\n\n57<|im_end|>' } });
    expect(screen.getByTestId('parse-summary').textContent).toMatch(/found prompt \(10 characters\), reasoning \(15 characters\), answer \(2 characters\)/);
    fireEvent.click(screen.getByRole('button', { name: 'Score trace' }));
    await waitFor(() => expect(screen.getByTestId('run-status').getAttribute('data-status')).toBe('done'));
    expect(score).toHaveBeenCalledWith(expect.any(String), '(12+7)*3=?', '<think>\n12+7=19\n19*3=57\n</think>\n\n57<|im_end|>', { gamma: 0.8 }, expect.any(Function));
    expect(outputText()).toContain('19*3=57');
  });

  it('takes separate fields', async () => {
    render(<App />);
    const fake = await withEngine();
    const score = vi.spyOn(fake, 'score');
    fireEvent.click(screen.getByRole('tab', { name: 'Paste a trace' }));
    fireEvent.click(screen.getByLabelText(/Separate prompt, reasoning and answer/));
    fireEvent.change(screen.getByLabelText('Prompt'), { target: { value: '2*3=?' } });
    fireEvent.change(screen.getByLabelText(/^Reasoning/), { target: { value: '2*3=6' } });
    fireEvent.change(screen.getByLabelText('Answer'), { target: { value: '6' } });
    fireEvent.keyDown(screen.getByLabelText('Answer'), { key: 'Enter', ctrlKey: true });
    await waitFor(() => expect(screen.getByTestId('run-status').getAttribute('data-status')).toBe('done'));
    expect(score.mock.calls[0][2]).toBe('<think>\n2*3=6\n</think>\n\n6');
  });
});

describe('settings and accessibility basics', () => {
  it('switches themes and educator mode; arrows then step layers from anywhere', async () => {
    render(<App />);
    await withEngine();
    fireEvent.change(screen.getByLabelText(/Theme/), { target: { value: 'dark' } });
    expect(document.documentElement.dataset.theme).toBe('dark');
    fireEvent.change(screen.getByLabelText(/Theme/), { target: { value: 'system' } });
    expect(document.documentElement.dataset.theme).toBeUndefined();
    fireEvent.change(screen.getByLabelText('Question for the model'), { target: { value: '(12+7)*3=?' } });
    fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(screen.getByTestId('run-status').getAttribute('data-status')).toBe('done'));
    expect(screen.queryAllByRole('note').filter((n) => n.classList.contains('caption'))).toHaveLength(0);
    fireEvent.click(screen.getByLabelText(/Educator mode/));
    expect(screen.getAllByRole('note').filter((n) => n.classList.contains('caption')).length).toBeGreaterThanOrEqual(6);
    fireEvent.keyDown(document.body, { key: 'ArrowLeft' });
    expect(useStore.getState().layer).toBe(3);
    fireEvent.keyDown(document.body, { key: 'ArrowLeft' });
    expect(useStore.getState().layer).toBe(2);
    expect(screen.getByTestId('view-trajectories').textContent).toMatch(/[Ll]ayer 2 of 4\b/);
  });

  it('labels every control, links every formula, and offers each chart as a table', async () => {
    render(<App />);
    await withEngine();
    fireEvent.change(screen.getByLabelText('Question for the model'), { target: { value: '(12+7)*3=?' } });
    fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(screen.getByTestId('run-status').getAttribute('data-status')).toBe('done'));
    for (const el of Array.from(document.querySelectorAll('input, select, textarea'))) {
      const named = (el as HTMLInputElement).labels?.length || el.getAttribute('aria-label');
      expect(named, el.outerHTML.slice(0, 80)).toBeTruthy();
    }
    for (const b of screen.getAllByRole('button')) expect(b.textContent?.trim() || b.getAttribute('aria-label')).toBeTruthy();
    const conf = screen.getByTestId('view-confidence');
    const names = within(within(conf).getByRole('table')).getAllByRole('button');
    expect(names).toHaveLength(SCORERS.length);
    for (const b of names) {
      const tip = document.getElementById(b.getAttribute('aria-describedby') ?? '');
      expect(tip?.getAttribute('role')).toBe('tooltip');
      expect(tip?.textContent?.length).toBeGreaterThan(10);
    }
    // tabs follow the arrow keys
    const ask = screen.getByRole('tab', { name: 'Ask' });
    fireEvent.keyDown(ask, { key: 'ArrowRight' });
    expect(screen.getByRole('tab', { name: 'Paste a trace' }).getAttribute('aria-selected')).toBe('true');
    // every chart has a data table behind a disclosure
    const disclosures = screen.getAllByText(/Show the data as a table/);
    expect(disclosures.length).toBe(3);
    const details = disclosures[0].closest('details') as HTMLDetailsElement;
    details.open = true;
    fireEvent(details, new Event('toggle'));
    expect(within(details).getByRole('table').querySelector('caption')?.textContent).toBeTruthy();
  });
});

describe('drafts that survive a reload', () => {
  it('restores what was typed and ignores stored settings this build cannot use', async () => {
    localStorage.setItem(
      'cotk-drafts',
      JSON.stringify({ state: { mode: 'paste', question: 'kept?', trace: '<think>a</think>b', tint: 'no-such-tint', gamma: 7, theme: 'dark' }, version: 1 }),
    );
    await act(async () => {
      await useStore.persist.rehydrate();
    });
    const s = useStore.getState();
    expect([s.mode, s.question, s.trace, s.theme]).toEqual(['paste', 'kept?', '<think>a</think>b', 'dark']);
    expect(s.tint).toBe(initialState().tint);
    expect(s.gamma).toBe(0.8);
    render(<App />);
    expect((screen.getByLabelText(/Finished trace/) as HTMLTextAreaElement).value).toBe('<think>a</think>b');
  });
});
