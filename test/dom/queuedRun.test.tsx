import './setup';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { App } from '../../src/app/App';
import { createFakeEngine } from '../../src/engine/fake';
import { loadModel, setEngine } from '../../src/state/actions';
import { useStore } from '../../src/state/store';

/** A fake engine whose load waits until the test opens the gate (or fails it). */
function gatedEngine() {
  let open!: () => void;
  let fail!: (e: Error) => void;
  const gate = new Promise<void>((res, rej) => {
    open = res;
    fail = rej;
  });
  const api = createFakeEngine({ loadGate: () => gate });
  let loading!: Promise<void>;
  act(() => {
    setEngine(api);
    loading = loadModel();
  });
  return {
    api,
    open: async () => act(async () => (open(), await loading)),
    fail: async (e: Error) => act(async () => (fail(e), await loading)),
  };
}

function outputText(): string {
  return within(screen.getByRole('listbox', { name: /Output tokens/ }))
    .getAllByRole('option')
    .map((o) => o.textContent)
    .join('');
}

const runButton = () => screen.getByTestId('run-button');

describe('a click while the model loads is a request', () => {
  it('queues Generate, says so on the button, and runs by itself once the model is ready', async () => {
    render(<App />);
    const e = gatedEngine();
    const generate = vi.spyOn(e.api, 'generate');
    expect(screen.getByTestId('engine-status').textContent).toMatch(/loading/);
    fireEvent.change(screen.getByLabelText('Question for the model'), { target: { value: '(12+7)*3=?' } });
    fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    expect(runButton().textContent).toBe('Will run when the model is ready');
    expect(runButton().getAttribute('aria-disabled')).toBe('true');
    expect(screen.getByTestId('run-status').getAttribute('data-status')).toBe('queued');
    expect(screen.queryByTestId('input-error')).toBeNull();
    expect(screen.getByRole('button', { name: 'Stop' }).getAttribute('aria-disabled')).toBe('false');
    expect(generate).not.toHaveBeenCalled();
    await e.open();
    await waitFor(() => expect(screen.getByTestId('run-status').getAttribute('data-status')).toBe('done'));
    expect(generate).toHaveBeenCalledTimes(1);
    expect(outputText()).toMatch(/57<\|im_end\|>$/);
    expect(runButton().textContent).toBe('Generate');
    expect(screen.queryByTestId('input-error')).toBeNull();
  });

  it('queues Ctrl+Enter on a pasted trace the same way', async () => {
    render(<App />);
    const e = gatedEngine();
    const score = vi.spyOn(e.api, 'score');
    fireEvent.click(screen.getByRole('tab', { name: 'Paste a trace' }));
    const box = screen.getByLabelText(/Finished trace/);
    fireEvent.change(box, { target: { value: '(12+7)*3=?\n<think>\n12+7=19\n19*3=57\n</think>\n\n57<|im_end|>' } });
    fireEvent.keyDown(box, { key: 'Enter', ctrlKey: true });
    expect(runButton().textContent).toBe('Will run when the model is ready');
    expect(useStore.getState().queued).toBe('score');
    await e.open();
    await waitFor(() => expect(screen.getByTestId('run-status').getAttribute('data-status')).toBe('done'));
    expect(score).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId('run-status').textContent).toMatch(/^Scored \d+ tokens/);
  });

  it('Stop cancels the wait: nothing runs when the model becomes ready', async () => {
    render(<App />);
    const e = gatedEngine();
    const generate = vi.spyOn(e.api, 'generate');
    fireEvent.change(screen.getByLabelText('Question for the model'), { target: { value: '(12+7)*3=?' } });
    fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    expect(useStore.getState().queued).toBe('generate');
    fireEvent.click(screen.getByRole('button', { name: 'Stop' }));
    expect(useStore.getState().queued).toBeNull();
    expect(runButton().textContent).toBe('Generate');
    expect(screen.queryByTestId('run-status')).toBeNull();
    await e.open();
    expect(screen.getByTestId('engine-status').textContent).toBe('ready');
    await new Promise((r) => setTimeout(r, 50));
    expect(generate).not.toHaveBeenCalled();
    expect(useStore.getState().run).toBeNull();
    expect((screen.getByLabelText('Question for the model') as HTMLTextAreaElement).value).toBe('(12+7)*3=?');
  });

  it('an empty question is still an error at once, not a queued request', () => {
    render(<App />);
    gatedEngine();
    fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    expect(useStore.getState().queued).toBeNull();
    expect(screen.getByTestId('input-error').textContent).toMatch(/Type a question/);
  });

  it('a failed load drops the request with a sentence, and that sentence goes when the model loads again', async () => {
    render(<App />);
    const e = gatedEngine();
    fireEvent.change(screen.getByLabelText('Question for the model'), { target: { value: '(12+7)*3=?' } });
    fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    await e.fail(new Error('the network went away'));
    expect(useStore.getState().queued).toBeNull();
    expect(screen.getByTestId('input-error').textContent).toMatch(/did not load, so your question did not run/);
    expect((screen.getByLabelText('Question for the model') as HTMLTextAreaElement).value).toBe('(12+7)*3=?');
    // A click now, in the error state, says why; reloading the model ends that state and its note.
    fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    expect(screen.getByTestId('input-error').textContent).toMatch(/did not load/);
    await act(async () => {
      setEngine(createFakeEngine());
      await loadModel();
    });
    expect(screen.getByTestId('engine-status').textContent).toBe('ready');
    expect(screen.queryByTestId('input-error')).toBeNull();
  });
});

describe('the smaller first-minute items', () => {
  async function ready() {
    await act(async () => {
      setEngine(createFakeEngine());
      await loadModel();
    });
  }

  it('says how long a scored trace took, and keeps the end-of-sequence note for plain text only', async () => {
    render(<App />);
    await ready();
    fireEvent.click(screen.getByRole('tab', { name: 'Paste a trace' }));
    const box = screen.getByLabelText(/Finished trace/);
    fireEvent.change(box, { target: { value: '(12+7)*3=?\n<think>\n12+7=19\n19*3=57\n</think>\n\n57' } });
    fireEvent.click(screen.getByRole('button', { name: 'Score trace' }));
    await waitFor(() => expect(screen.getByTestId('run-status').getAttribute('data-status')).toBe('done'));
    expect(screen.getByTestId('run-status').textContent).toMatch(/^Scored \d+ tokens in \d+\.\d s\.$/);
    expect(screen.getByRole('list', { name: /how the trace was split/ }).textContent).toMatch(/No end-of-sequence token/);

    const first = useStore.getState().run?.id;
    const message = JSON.stringify({
      messages: [
        { role: 'user', content: '(12+7)*3=?' },
        { role: 'assistant', reasoning_content: '12+7=19\n19*3=57', content: '57' },
      ],
    });
    fireEvent.change(box, { target: { value: message } });
    expect(screen.getByTestId('parse-summary').textContent).toMatch(/prompt/);
    fireEvent.click(screen.getByRole('button', { name: 'Score trace' }));
    await waitFor(() => expect(useStore.getState().run?.id).not.toBe(first));
    await waitFor(() => expect(useStore.getState().run?.status).toBe('done'));
    expect(useStore.getState().run?.prompt).toBe('(12+7)*3=?');
    expect(useStore.getState().run?.result?.segments.notes.join(' ')).not.toMatch(/end-of-sequence/);
    expect(screen.queryByRole('list', { name: /how the trace was split/ })?.textContent ?? '').not.toMatch(/end-of-sequence/);
  });

  it('keeps educator mode over a reload', async () => {
    render(<App />);
    fireEvent.click(screen.getByRole('checkbox', { name: /Educator mode/ }));
    expect(JSON.parse(localStorage.getItem('cotk-drafts') ?? '{}').state.educator).toBe(true);
    useStore.setState({ educator: false });
    localStorage.setItem('cotk-drafts', JSON.stringify({ state: { educator: true }, version: 1 }));
    await act(async () => useStore.persist.rehydrate());
    expect(useStore.getState().educator).toBe(true);
    expect((screen.getByRole('checkbox', { name: /Educator mode/ }) as HTMLInputElement).checked).toBe(true);
  });
});
