import './setup';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ResultsArea } from '../../src/app/ResultsArea';
import { SCORERS, scoreName } from '../../src/core/scores/index';
import { createFakeEngine, FAKE_VOCAB } from '../../src/engine/fake';
import type { EngineWorkerApi } from '../../src/engine/protocol';
import { defaultRunName } from '../../src/record/snapshot';
import { generate, loadModel, scoreTrace, setEngine, setQuestion } from '../../src/state/actions';
import { setMode, setTrace } from '../../src/state/uiActions';
import { useStore } from '../../src/state/store';
import { trajectoryCaption } from '../../src/views/captions';
import { lensTable, pct } from '../../src/views/LogitLens/layout';
import { runAnswer } from '../../src/views/shared/answer';
import { showRun } from './fixtures';

/**
 * Issue #13's view parts with the fake engine in jsdom: the answer line (and its absence said in
 * words), the lens's spelling, percentages and settle layer, the newline chips, one name per scorer
 * in the inspector, and captions written from the run's own numbers.
 */
async function withEngine(api: EngineWorkerApi = createFakeEngine({ delayMs: 0, batch: 64 })): Promise<EngineWorkerApi> {
  await act(async () => {
    setEngine(api);
    await loadModel();
  });
  return api;
}

async function paste(trace: string): Promise<void> {
  act(() => {
    setMode('paste');
    setTrace(trace);
  });
  await act(() => scoreTrace());
}

describe('the answer in words', () => {
  it('says “Answer: 57” at the top of the results of an asked question', async () => {
    await withEngine();
    render(<ResultsArea />);
    act(() => setQuestion('(12+7)*3=?'));
    await act(() => generate());
    const line = screen.getByTestId('answer-line');
    expect(line.textContent).toBe('Answer: 57');
    expect(line.getAttribute('data-answer')).toBe('57');
    // the answer line comes before every view
    const results = line.closest('section') as HTMLElement;
    expect(results.querySelector('[data-testid="answer-line"] ~ .views, [data-testid="answer-line"] ~ * .views')).not.toBeNull();
  });

  it('says so when a trace never closed its reasoning, or stopped before answering', async () => {
    await withEngine();
    render(<ResultsArea />);
    await paste('What is 2+2?\n<think>\n2+2=4\nso the answer is');
    expect(screen.getByTestId('answer-line').textContent).toBe('No answer: the reasoning never closed (no </think>), so there is no answer.');
    const run = useStore.getState().run!;
    expect(runAnswer({ ...run, status: 'cancelled' })).toEqual({ kind: 'none', why: 'stopped before it answered (no </think>)' });
    expect(defaultRunName(run)).toBe('Scored: What is 2+2? → (no answer)');
    await paste('What is 2+2?\n<think>\n2+2=4\n</think>\n\n4');
    expect(screen.getByTestId('answer-line').textContent).toBe('Answer: 4');
    // two runs of one prompt are told apart by their answer and the time they were saved
    const at = new Date(2026, 11, 6, 14, 5, 32);
    expect(defaultRunName(useStore.getState().run!, at)).toBe('Scored: What is 2+2? → 4 · 14:05:32');
  });
});

describe('the logit lens spelling and numbers', () => {
  it('spells every predicted id with the engine’s tokenizer, whitespace visible, in readable percentages', async () => {
    await withEngine();
    render(<ResultsArea />);
    act(() => setQuestion('2*3=?'));
    await act(() => generate());
    fireEvent.click(document.getElementById('tok-2') as HTMLElement);
    const table = await screen.findByTestId('lens-table');
    // the fake vocabulary holds ids the output never uses (letters, punctuation): all spelled
    expect(table.textContent).not.toMatch(/#\d+/);
    const chips = [...table.querySelectorAll('[data-id]')].map((e) => ({ id: Number(e.getAttribute('data-id')), text: e.querySelector('code')?.textContent }));
    expect(chips.length).toBeGreaterThan(5);
    for (const c of chips) {
      const raw = FAKE_VOCAB[c.id];
      const shown = raw === ' ' ? '␣' : raw === '\n' ? '↵' : raw;
      expect(c.text, `id ${c.id}`).toBe(shown);
    }
    for (const cell of within(table).getAllByRole('cell')) expect(cell.textContent).not.toMatch(/\de[-+]?\d/);
    expect(screen.getByTestId('view-lens').textContent).not.toMatch(/no vocabulary/);
  });

  it('writes percentages a person reads, and finds the layer where the final prediction settles', () => {
    expect(pct(4.87e-8)).toBe('< 0.01 %');
    expect(pct(0.00042)).toBe('0.04 %');
    expect(pct(0.0487)).toBe('4.87 %');
    expect(pct(0.573)).toBe('57.3 %');
    expect(pct(0)).toBe('0 %');
    expect(pct(null)).toBe('—');
    const row = (layer: number, top: number) => ({ layer, topIds: [top, 99], topProbs: [0.5, 0.1], targetProb: 0.1 });
    const vocab = new Map([
      [1, '-'],
      [2, ' '],
      [3, '\n'],
      [99, 'x'],
    ]);
    // top-1 by layer: 1 2 3 2 3 3 → settles at layer 4 (3 from there to the end), not at layer 2
    const t = lensTable([row(0, 1), row(1, 2), row(2, 3), row(3, 2), row(4, 3), row(5, 3)], 7, vocab);
    expect(t.settlesAt).toBe(4);
    expect(t.final?.label).toBe('↵');
    expect(t.rows.map((r) => r.top.label)).toEqual(['-', '␣', '↵', '␣', '↵', '↵']);
  });
});

describe('views', () => {
  it('shows a newline token as ↵ in its own text colour and breaks the line after it', async () => {
    await withEngine();
    render(<ResultsArea />);
    act(() => setQuestion('(12+7)*3=?'));
    await act(() => generate());
    const rows = useStore.getState().run!.events;
    const nl = rows.findIndex((e, i) => i > 1 && e.text === '\n');
    const tok = document.getElementById(`tok-${nl}`) as HTMLElement;
    expect(tok.textContent).toBe('↵');
    expect(tok.querySelector('.tok-newline')).not.toBeNull();
    // the line ends at the newline token: the next token starts a new line
    expect(tok.closest('.line')).not.toBe((document.getElementById(`tok-${nl + 1}`) as HTMLElement).closest('.line'));
  });

  it('names every scorer in the inspector by its one name, the default marked', () => {
    render(<ResultsArea />);
    showRun();
    for (const s of SCORERS) {
      const row = screen.getByTestId(`score-${s.id}`);
      expect(within(row).getByRole('button').textContent).toBe(scoreName(s.id));
    }
    expect(screen.getByTestId('score-cotkV2').textContent).toMatch(/\(default\)/);
    expect(screen.queryByTestId('score-cotk')).toBeNull();
  });

  it('writes the trajectory captions from the run’s own numbers', async () => {
    const s = showRun();
    render(<ResultsArea />);
    const rows = s.events.map((e, i) => ({ index: i, text: e.text, segment: 'reasoning', speeds: Array.from(e.speeds) }));
    const L = rows[0].speeds.length;
    const cap = trajectoryCaption(2, L, rows);
    const byStep = [...rows].sort((a, b) => b.speeds[1] - a.speeds[1]);
    expect(cap).toContain(`At layer 2 of ${L}`);
    expect(cap).toContain(`(token ${byStep[0].index})`);
    expect(cap).toContain(`(token ${byStep[1].index})`);
    expect(trajectoryCaption(0, L, rows)).toContain(`Layer 0, the embedding: each of the ${s.events.length} output tokens`);
    await waitFor(() => expect(screen.getByTestId('view-trajectories').textContent).toMatch(/PC 1, PC 2/));
  });
});
