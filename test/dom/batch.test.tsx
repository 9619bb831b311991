import './setup';
import 'fake-indexeddb/auto';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app/App';
import { evaluateRows, type BatchRow } from '../../src/core/batchEval';
import { createFakeEngine, fakeReasoning } from '../../src/engine/fake';
import type { EngineWorkerApi } from '../../src/engine/protocol';
import { loadModel, setEngine } from '../../src/state/actions';
import { useBatchStore } from '../../src/state/batchStore';
import { batchProgress, openBatchFile, resetBatch } from './batchHelpers';
import { useStore } from '../../src/state/store';
import { scoreName, type ScorerId } from '../../src/core/scores/index';

const PROMPTS = ['1+2=?', '(3+4)*2=?', '9-5=?', '6*7=?', '(8+1)*(2+2)=?', '12/4=?'];

function dataset(): string {
  const lines = PROMPTS.map((p, i) => {
    const right = fakeReasoning(p);
    const output = i % 2 === 0 ? right : right.replace(/\n\n(-?\d+)<\|im_end\|>$/, '\n\n99$1<|im_end|>');
    return JSON.stringify({ id: `t${i}`, prompt: p, output, label: i % 2 === 0 ? 1 : 0 });
  });
  lines.splice(2, 0, '{"id": "broken", "prompt": 3}');
  return `${lines.join('\n')}\n`;
}

async function withEngine(api: EngineWorkerApi): Promise<EngineWorkerApi> {
  await act(async () => {
    setEngine(api);
    await loadModel();
  });
  return api;
}

async function openBatch(text = dataset(), name = 'traces.jsonl'): Promise<void> {
  fireEvent.click(screen.getByRole('tab', { name: 'Batch' }));
  await openBatchFile(text, name);
}

beforeEach(resetBatch);

describe('the batch view with the fake engine', () => {
  it('lists malformed lines, scores every trace and shows the metrics the CLI computes', async () => {
    render(<App />);
    const api = await withEngine(createFakeEngine());
    await openBatch();
    expect(screen.getByTestId('batch-file').textContent).toMatch(/6 traces, 1 malformed/);
    expect(screen.getByTestId('batch-bad').textContent).toMatch(/line 3: "prompt" must be a string/);
    fireEvent.click(screen.getByRole('button', { name: 'Score all' }));
    await waitFor(() => expect(batchProgress().getAttribute('data-status')).toBe('done'), { timeout: 15_000 });
    expect(batchProgress().getAttribute('data-done')).toBe('6');
    expect(within(screen.getByTestId('batch-results')).getAllByRole('row')).toHaveLength(7);

    // The same traces scored directly, evaluated by the CLI's code.
    const rows: BatchRow[] = [];
    const lines = dataset().split('\n');
    for (let i = 0; i < lines.length; i++) {
      const o = JSON.parse(lines[i] || 'null') as { id: string; prompt: unknown; output: string; label: 0 | 1 } | null;
      if (!o || typeof o.prompt !== 'string') continue;
      const r = await api.score(`x${i}`, o.prompt, o.output, { stateCapBytes: 0 });
      rows.push({ id: o.id, line: i + 1, label: o.label, scores: { ...r.scores, cotk: r.scores.cotkV2 } });
    }
    const m = evaluateRows(rows, 'v2');
    if (typeof m === 'string') throw new Error(m);
    const table = screen.getByTestId('batch-metrics');
    // one row per scorer by its one name; the default formulation marked, no second `cotk` row
    expect(table.querySelector('tr[data-scorer="cotk"]')).toBeNull();
    expect(table.querySelector('tr[data-scorer="cotkV2"] th')?.textContent).toBe(scoreName('cotkV2'));
    expect(scoreName('cotkV2')).toMatch(/\(default\)$/);
    for (const [k, s] of Object.entries(m.metrics).filter(([k]) => k !== 'cotk')) {
      const tr = table.querySelector(`tr[data-scorer="${k}"]`) as HTMLElement;
      for (const f of ['auroc', 'aupr', 'fpr95'] as const) {
        expect(tr.querySelector(`[data-metric="${f}"]`)?.getAttribute('data-value')).toBe(s[f] === null ? 'null' : String(s[f]));
      }
      expect(tr.querySelector('[data-metric="n"]')?.getAttribute('data-value')).toBe(String(s.n));
    }
  });

  it('sorts, filters by label and opens a clicked trace in the inspector', async () => {
    render(<App />);
    await withEngine(createFakeEngine());
    await openBatch();
    fireEvent.click(screen.getByRole('button', { name: 'Score all' }));
    await waitFor(() => expect(batchProgress().getAttribute('data-status')).toBe('done'), { timeout: 15_000 });
    const lines = () => within(screen.getByTestId('batch-results')).getAllByRole('row').slice(1).map((r) => Number(r.getAttribute('data-line')));
    expect(lines()).toEqual([1, 2, 4, 5, 6, 7]);
    fireEvent.change(screen.getByLabelText('Show label'), { target: { value: '0' } });
    expect(lines()).toEqual([2, 5, 7]);
    fireEvent.change(screen.getByLabelText('Show label'), { target: { value: 'all' } });
    fireEvent.click(screen.getByRole('button', { name: 'Perplexity' }));
    const byPpl = lines();
    const ppl = byPpl.map((l) => useBatchStore.getState().scored.find((s) => s.row.line === l)?.row.scores.perplexity as number);
    expect([...ppl].sort((a, b) => b - a)).toEqual(ppl);
    fireEvent.click(screen.getByRole('button', { name: 'Perplexity' }));
    expect(lines()).toEqual([...byPpl].reverse());

    await act(async () => {
      fireEvent.click(within(screen.getByTestId('batch-results')).getAllByRole('row')[1]);
    });
    await waitFor(() => expect(screen.getByTestId('run-status').getAttribute('data-status')).toBe('done'));
    expect(useStore.getState().mode).toBe('paste');
    expect(useStore.getState().run?.prompt).toBe(useBatchStore.getState().scored.find((s) => s.row.line === byPpl[byPpl.length - 1])?.prompt);
  });

  it('pauses, resumes and cancels, keeping what was scored', async () => {
    render(<App />);
    await withEngine(createFakeEngine({ delayMs: 15, batch: 2 }));
    await openBatch();
    fireEvent.click(screen.getByRole('button', { name: 'Score all' }));
    await waitFor(() => expect(Number(batchProgress().getAttribute('data-done'))).toBeGreaterThanOrEqual(1));
    fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
    expect(batchProgress().getAttribute('data-status')).toBe('paused');
    await act(async () => {
      await new Promise((r) => setTimeout(r, 600));
    });
    const held = Number(batchProgress().getAttribute('data-done'));
    expect(held).toBeLessThan(6);
    await act(async () => {
      await new Promise((r) => setTimeout(r, 300));
    });
    expect(Number(batchProgress().getAttribute('data-done'))).toBe(held);
    fireEvent.click(screen.getByRole('button', { name: 'Resume' }));
    await waitFor(() => expect(Number(batchProgress().getAttribute('data-done'))).toBeGreaterThan(held));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(batchProgress().getAttribute('data-status')).toBe('cancelled');
    const kept = useBatchStore.getState().scored.length;
    expect(kept).toBeGreaterThan(0);
    await act(async () => {
      await new Promise((r) => setTimeout(r, 300));
    });
    expect(useBatchStore.getState().scored.length).toBe(kept);
    expect(screen.getByRole('button', { name: 'Export JSONL' })).not.toHaveProperty('disabled', true);
  });

  it('explains a file of another schema, an empty file and a missing model', async () => {
    render(<App />);
    await openBatch('{"question": "1+1"}\n', 'q.jsonl');
    expect(screen.getByTestId('batch-file-error').textContent).toMatch(/not batch input/);
    await openBatch('', 'e.csv');
    expect(screen.getByTestId('batch-file-error').textContent).toMatch(/empty/);
    await openBatch();
    fireEvent.click(screen.getByRole('button', { name: 'Score all' }));
    expect(screen.getByTestId('batch-error').textContent).toMatch(/not connected/);
  });

  it('shows a note instead of metrics when the traces have no labels', async () => {
    render(<App />);
    await withEngine(createFakeEngine());
    await openBatch('id,prompt,output\na,1+2=?,"<think>\n1+2=3\n</think>\n\n3"\n', 'u.csv');
    fireEvent.click(screen.getByRole('button', { name: 'Score all' }));
    await waitFor(() => expect(batchProgress().getAttribute('data-status')).toBe('done'), { timeout: 15_000 });
    expect(screen.getByTestId('batch-metrics-note').textContent).toMatch(/no labels/);
  });
});

describe('the ROC and precision–recall chart', () => {
  it('appears once both labels are scored, with each scorer’s AUROC as the metrics table shows it', async () => {
    render(<App />);
    await withEngine(createFakeEngine({ delayMs: 15, batch: 2 }));
    // Three correct traces first: after the first ones the chart waits for an incorrect one.
    const right = PROMPTS.slice(0, 3).map((p, i) => JSON.stringify({ id: `r${i}`, prompt: p, output: fakeReasoning(p), label: 1 }));
    const wrong = PROMPTS.slice(3).map((p, i) => JSON.stringify({ id: `w${i}`, prompt: p, output: fakeReasoning(p).replace(/\n\n(-?\d+)<\|im_end\|>$/, '\n\n7$1<|im_end|>'), label: 0 }));
    await openBatch([...right, ...wrong].join('\n'));
    fireEvent.click(screen.getByRole('button', { name: 'Score all' }));
    await waitFor(() => expect(Number(batchProgress().getAttribute('data-done'))).toBeGreaterThanOrEqual(1));
    fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
    await act(async () => {
      await new Promise((r) => setTimeout(r, 500));
    });
    expect(Number(batchProgress().getAttribute('data-done'))).toBeLessThanOrEqual(3);
    expect(screen.getByTestId('batch-roc-waiting').textContent).toMatch(/one correct and one incorrect/);
    expect(screen.queryByTestId('batch-roc')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Resume' }));
    await waitFor(() => expect(batchProgress().getAttribute('data-status')).toBe('done'), { timeout: 15_000 });
    await waitFor(() => expect(screen.getByTestId('batch-roc').querySelector('svg.roc-chart')?.getAttribute('data-rows')).toBe('6'));

    const chart = screen.getByTestId('batch-roc');
    const table = screen.getByTestId('batch-metrics');
    const legend = within(screen.getByTestId('roc-legend')).getAllByRole('button');
    expect(legend).toHaveLength(9);
    for (const b of legend) {
      const k = b.getAttribute('data-scorer') as string;
      const auroc = table.querySelector(`tr[data-scorer="${k}"] [data-metric="auroc"]`)?.getAttribute('data-value');
      expect(b.textContent).toContain(auroc === 'null' ? 'no curve' : `AUROC ${Number(auroc).toFixed(3)}`);
      // one name per scorer: the legend, the metrics table and the results table's header say the same
      expect(b.textContent).toContain(scoreName(k as ScorerId));
      expect(table.querySelector(`tr[data-scorer="${k}"] th`)?.textContent).toBe(scoreName(k as ScorerId));
      expect(b.getAttribute('aria-pressed')).toBe('true');
      if (auroc !== 'null') {
        expect(chart.querySelector(`[data-panel="roc"] [data-scorer="${k}"] .roc-line`)?.getAttribute('d')).toMatch(/^M/);
        expect(chart.querySelector(`[data-panel="pr"] [data-scorer="${k}"] .roc-line`)?.getAttribute('d')).toMatch(/^M/);
      }
    }
    expect(chart.querySelector('[data-testid="roc-chance-roc"]')).not.toBeNull();
    expect(chart.querySelector('[data-testid="roc-chance-pr"]')).not.toBeNull();
    expect(chart.querySelector('.view-summary')?.textContent).toMatch(/6 labelled traces \(3 correct, 3 incorrect\)/);

    // Focus (the keyboard's hover) highlights one scorer and dims the others; pressing hides its curves.
    const ppl = legend.find((b) => b.getAttribute('data-scorer') === 'perplexity') as HTMLElement;
    act(() => ppl.focus());
    expect(chart.querySelector('[data-panel="roc"] [data-scorer="perplexity"]')?.getAttribute('class')).toContain('roc-hover');
    expect(chart.querySelector('[data-panel="roc"] [data-scorer="coeR"]')?.getAttribute('class')).toContain('roc-dim');
    fireEvent.click(ppl);
    expect(ppl.getAttribute('aria-pressed')).toBe('false');
    expect(chart.querySelector('[data-scorer="perplexity"] .roc-line')).toBeNull();
    fireEvent.click(ppl);
    expect(chart.querySelector('[data-panel="pr"] [data-scorer="perplexity"] .roc-line')).not.toBeNull();
    act(() => ppl.blur());
    // Hovering a curve does the same.
    fireEvent.mouseEnter(chart.querySelector('[data-panel="pr"] [data-scorer="coeC"]') as Element);
    expect(chart.querySelector('[data-panel="roc"] [data-scorer="coeC"]')?.getAttribute('class')).toContain('roc-hover');
    expect(chart.querySelector('[data-panel="roc"] [data-scorer="maxProb"]')?.getAttribute('class')).toContain('roc-dim');

    // The table equivalent, one row per scorer.
    fireEvent.click(within(chart).getByText(/Show the data as a table/));
    const details = chart.querySelector('details') as HTMLDetailsElement;
    details.open = true;
    fireEvent(details, new Event('toggle'));
    await waitFor(() => expect(within(details).getAllByRole('row')).toHaveLength(10));
    expect(within(details).getByRole('rowheader', { name: 'Perplexity' })).toBeTruthy();
  });
});
