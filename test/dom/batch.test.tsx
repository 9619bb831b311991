import './setup';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app/App';
import { evaluateRows, type BatchRow } from '../../src/core/batchEval';
import { createFakeEngine, fakeReasoning } from '../../src/engine/fake';
import type { EngineWorkerApi } from '../../src/engine/protocol';
import { loadModel, setEngine } from '../../src/state/actions';
import { cancelBatch } from '../../src/state/batchActions';
import { initialBatch, useBatchStore } from '../../src/state/batchStore';
import { useStore } from '../../src/state/store';

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
  const input = screen.getByLabelText('JSON lines or CSV file of traces');
  await act(async () => {
    fireEvent.change(input, { target: { files: [new File([text], name)] } });
    await new Promise((r) => setTimeout(r, 10));
  });
}

function progress(): HTMLElement {
  return screen.getByTestId('batch-progress');
}

beforeEach(() => {
  cancelBatch();
  useBatchStore.setState({ ...initialBatch });
});

describe('the batch view with the fake engine', () => {
  it('lists malformed lines, scores every trace and shows the metrics the CLI computes', async () => {
    render(<App />);
    const api = await withEngine(createFakeEngine());
    await openBatch();
    expect(screen.getByTestId('batch-file').textContent).toMatch(/6 traces, 1 malformed/);
    expect(screen.getByTestId('batch-bad').textContent).toMatch(/line 3: "prompt" must be a string/);
    fireEvent.click(screen.getByRole('button', { name: 'Score all' }));
    await waitFor(() => expect(progress().getAttribute('data-status')).toBe('done'));
    expect(progress().getAttribute('data-done')).toBe('6');
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
    for (const [k, s] of Object.entries(m.metrics)) {
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
    await waitFor(() => expect(progress().getAttribute('data-status')).toBe('done'));
    const lines = () => within(screen.getByTestId('batch-results')).getAllByRole('row').slice(1).map((r) => Number(r.getAttribute('data-line')));
    expect(lines()).toEqual([1, 2, 4, 5, 6, 7]);
    fireEvent.change(screen.getByLabelText('Show label'), { target: { value: '0' } });
    expect(lines()).toEqual([2, 5, 7]);
    fireEvent.change(screen.getByLabelText('Show label'), { target: { value: 'all' } });
    fireEvent.click(screen.getByRole('button', { name: 'perplexity' }));
    const byPpl = lines();
    const ppl = byPpl.map((l) => useBatchStore.getState().scored.find((s) => s.row.line === l)?.row.scores.perplexity as number);
    expect([...ppl].sort((a, b) => b - a)).toEqual(ppl);
    fireEvent.click(screen.getByRole('button', { name: 'perplexity' }));
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
    await waitFor(() => expect(Number(progress().getAttribute('data-done'))).toBeGreaterThanOrEqual(1));
    fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
    expect(progress().getAttribute('data-status')).toBe('paused');
    await act(async () => {
      await new Promise((r) => setTimeout(r, 600));
    });
    const held = Number(progress().getAttribute('data-done'));
    expect(held).toBeLessThan(6);
    await act(async () => {
      await new Promise((r) => setTimeout(r, 300));
    });
    expect(Number(progress().getAttribute('data-done'))).toBe(held);
    fireEvent.click(screen.getByRole('button', { name: 'Resume' }));
    await waitFor(() => expect(Number(progress().getAttribute('data-done'))).toBeGreaterThan(held));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(progress().getAttribute('data-status')).toBe('cancelled');
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
    await waitFor(() => expect(progress().getAttribute('data-status')).toBe('done'));
    expect(screen.getByTestId('batch-metrics-note').textContent).toMatch(/no labels/);
  });
});
