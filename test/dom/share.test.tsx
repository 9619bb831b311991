import './setup';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../src/app/App';
import { createFakeEngine } from '../../src/engine/fake';
import { decodeShare, encodeShare, shareDataOf } from '../../src/share/codec';
import { dismissShare } from '../../src/share/state';
import { loadModel, setEngine } from '../../src/state/actions';
import { useStore } from '../../src/state/store';

/** The share link in jsdom with the fake engine: restore into the drafts, ask, run only on Run. */
async function connect(): Promise<ReturnType<typeof createFakeEngine>> {
  const api = createFakeEngine({ delayMs: 0 });
  await act(async () => {
    setEngine(api);
    await loadModel();
  });
  return api;
}

afterEach(() => {
  act(() => dismissShare());
  window.history.replaceState(null, '', '/');
  vi.restoreAllMocks();
});

describe('share link', () => {
  it('opening a link restores the question, γ and tint, asks, and runs only on Run', async () => {
    useStore.setState({ question: 'my own draft' });
    const link = encodeShare({ mode: 'ask', question: '(12+7)*3=?', gamma: 0.25, tint: 'entropy', model: { source: 'bundled', variant: '' } });
    window.history.replaceState(null, '', `/?engine=fake#share=${link}`);
    render(<App />);
    const api = await connect();
    const generate = vi.spyOn(api, 'generate');
    expect(useStore.getState().question).toBe('(12+7)*3=?');
    expect(useStore.getState().gamma).toBe(0.25);
    expect(useStore.getState().tint).toBe('entropy');
    // the fragment is gone (a reload does not ask again); the query stays
    expect(window.location.hash).toBe('');
    expect(window.location.search).toBe('?engine=fake');
    const banner = screen.getByTestId('share-banner');
    expect(banner.textContent).toMatch(/This link restores a question\. Run it now with fake-reasoner \(deterministic\)\?/);
    expect(useStore.getState().run).toBeNull();
    expect(generate).not.toHaveBeenCalled();
    expect(screen.getByRole('button', { name: 'Put back what I had typed' })).toBeTruthy();
    fireEvent.click(screen.getByTestId('share-run'));
    await waitFor(() => expect(screen.getByTestId('run-status').getAttribute('data-status')).toBe('done'));
    expect(generate).toHaveBeenCalledOnce();
    expect(useStore.getState().run?.prompt).toBe('(12+7)*3=?');
    expect(screen.queryByTestId('share-banner')).toBeNull();
  });

  it('restores a three-field trace, names another model, and puts the user’s draft back on request', async () => {
    useStore.setState({ question: 'keep me', mode: 'ask', fieldPrompt: 'my prompt' });
    const link = encodeShare({
      mode: 'paste',
      pasteFormat: 'fields',
      fields: { prompt: '2+2=?', reasoning: '2+2=4', answer: '4' },
      gamma: 0.8,
      model: { source: 'hub', repo: 'onnx-community/Qwen3-0.6B-ONNX', dtype: 'q4f16', revision: '' },
    });
    useStore.setState({ picker: { ...useStore.getState().picker, source: 'bundled' } });
    window.history.replaceState(null, '', `/#share=${link}`);
    render(<App />);
    await connect();
    const s = useStore.getState();
    expect([s.mode, s.pasteFormat, s.fieldPrompt, s.fieldReasoning, s.fieldAnswer]).toEqual(['paste', 'fields', '2+2=?', '2+2=4', '4']);
    expect(s.picker.source).toBe('hub');
    expect(screen.getByTestId('share-banner').textContent).toMatch(/restores a trace\..*made with onnx-community\/Qwen3-0\.6B-ONNX \(q4f16\) from the Hub; the model picker is now set to it/);
    fireEvent.click(screen.getByRole('button', { name: 'Put back what I had typed' }));
    expect(useStore.getState().mode).toBe('ask');
    expect(useStore.getState().question).toBe('keep me');
    expect(useStore.getState().fieldPrompt).toBe('my prompt');
    expect(screen.queryByTestId('share-banner')).toBeNull();
  });

  it('a damaged or too-new link keeps the drafts and says why', async () => {
    for (const [data, re] of [
      ['v1.AAAA', /This share link is damaged: its (compressed data is corrupt|data is not the JSON)/],
      ['v9.abc', /made by a newer version of the app \(v9\); this app reads v1 links — update the app/],
      [`v1.${'A'.repeat(200_001)}`, /too long to read/],
    ] as const) {
      useStore.setState({ question: 'untouched', gamma: 0.6 });
      window.history.replaceState(null, '', `/#share=${data}`);
      const view = render(<App />);
      expect(screen.getByTestId('share-link-error').textContent).toMatch(re);
      expect(screen.getByTestId('share-link-error').querySelector('p')?.textContent).toMatch(/What you had typed is unchanged\.$/);
      expect(useStore.getState().question).toBe('untouched');
      expect(useStore.getState().gamma).toBe(0.6);
      expect(window.location.hash).toBe('');
      fireEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
      expect(screen.queryByTestId('share-link-error')).toBeNull();
      view.unmount();
    }
  });

  it('"Copy share link" makes the link of the current inputs, says its length and warns when long', async () => {
    render(<App />);
    fireEvent.click(screen.getByTestId('share-button'));
    expect(screen.getByTestId('share-error').textContent).toBe('Nothing to share yet: type a question first.');
    fireEvent.change(screen.getByLabelText('Question for the model'), { target: { value: '(12+7)*3=?' } });
    act(() => useStore.setState({ gamma: 0.4, tint: 'kappa' }));
    fireEvent.click(screen.getByTestId('share-button'));
    const url = await screen.findByTestId('share-url');
    const link = (url as HTMLInputElement).value;
    expect(decodeShare(shareDataOf(new URL(link).hash)!)).toEqual({ mode: 'ask', question: '(12+7)*3=?', gamma: 0.4, tint: 'kappa', model: { source: 'bundled', variant: '' } });
    const len = screen.getByTestId('share-length');
    expect(Number(len.getAttribute('data-length'))).toBe(link.length);
    expect(len.textContent).toMatch(new RegExp(`The link is ${link.length} characters long; it holds the inputs`));
    // A long, varied trace: over 8000 characters, the warning says so.
    const noise = Array.from({ length: 4000 }, (_, i) => ((i * 2654435761) % 1000003).toString(36)).join(' ');
    fireEvent.click(screen.getByRole('tab', { name: 'Paste a trace' }));
    act(() => useStore.setState({ pasteFormat: 'text', trace: `q\n<think>${noise}</think>a` }));
    fireEvent.click(screen.getByTestId('share-button'));
    await waitFor(() => expect(screen.getByTestId('share-length').className).toBe('warning'));
    expect(screen.getByTestId('share-length').textContent).toMatch(/over about 8,000, some chat apps/);
  });
});
