import './setup';
import 'fake-indexeddb/auto';
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { evaluateRows, type BatchRow } from '../../src/core/batchEval';
import { SHOWN_SCORE_KEYS } from '../../src/core/scores/index';
import { createFakeEngine, fakeReasoning } from '../../src/engine/fake';
import type { EngineWorkerApi } from '../../src/engine/protocol';
import { checkpointsWritten, checkSavedBatch } from '../../src/state/batchActions';
import { initialBatch, useBatchStore } from '../../src/state/batchStore';
import { batchProgress, bootBatch, metricValues, openBatchFile, ownCheckpoint, resetBatch } from './batchHelpers';
import { initialState, useStore } from '../../src/state/store';

/**
 * Checkpoints in the batch view, on fake-indexeddb: a page that dies mid-batch (its engine never
 * answers again) leaves a checkpoint; a fresh page offers it, Resume scores only what was left, and
 * the metrics equal an uninterrupted run's. A full disk is a sentence and the batch runs on.
 */

const PROMPTS = ['1+2=?', '(3+4)*2=?', '9-5=?', '6*7=?', '(8+1)*(2+2)=?', '12/4=?', '7*7=?', '(5-2)*9=?', '4+4+4=?', '30/6=?'];

function dataset(): string {
  return `${PROMPTS.map((p, i) => {
    const right = fakeReasoning(p);
    const output = i % 3 === 1 ? right.replace(/\n\n(-?\d+)<\|im_end\|>$/, '\n\n1$1<|im_end|>') : right;
    return JSON.stringify({ id: `t${i}`, prompt: p, output, label: i % 3 === 1 ? 0 : 1 });
  }).join('\n')}\n`;
}

/** A fake engine that records the prompts it scores and, after `freezeAfter` of them, never answers again (the page "dies"). */
function recordingEngine(freezeAfter = Infinity): { api: EngineWorkerApi; scored: string[] } {
  const inner = createFakeEngine({ delayMs: 2 });
  const scored: string[] = [];
  const api: EngineWorkerApi = {
    ...inner,
    score(runId, prompt, output, options, onTokens) {
      if (scored.length >= freezeAfter) return new Promise(() => undefined);
      scored.push(String(prompt));
      return inner.score(runId, prompt, output, options, onTokens);
    },
  };
  return { api, scored };
}

/** A new page: the DOM and both stores start over; IndexedDB (the browser's disk) stays. */
async function reload(api: EngineWorkerApi): Promise<void> {
  cleanup();
  useBatchStore.setState({ ...initialBatch });
  useStore.setState(initialState());
  await bootBatch(api);
}

async function expectedMetrics(): Promise<Record<string, string | null>> {
  const api = createFakeEngine();
  await api.load({ kind: 'bundled' });
  const rows: BatchRow[] = [];
  const lines = dataset().trim().split('\n');
  for (let i = 0; i < lines.length; i++) {
    const o = JSON.parse(lines[i]) as { id: string; prompt: string; output: string; label: 0 | 1 };
    const r = await api.score(`x${i}`, o.prompt, o.output, { stateCapBytes: 0 });
    rows.push({ id: o.id, line: i + 1, label: o.label, scores: { ...r.scores, cotk: r.scores.cotkV2 } });
  }
  const m = evaluateRows(rows, 'v2');
  if (typeof m === 'string') throw new Error(m);
  const out: Record<string, string | null> = {};
  // The table shows each scorer once (the default `cotk` key is not repeated as a row).
  for (const k of SHOWN_SCORE_KEYS) {
    const s = m.metrics[k];
    out[`${k}.n`] = String(s.n);
    out[`${k}.undefined`] = String(s.undefined);
    for (const f of ['auroc', 'aupr', 'fpr95'] as const) out[`${k}.${f}`] = s[f] === null ? 'null' : String(s[f]);
    // ECE and Brier need a calibration profile; the fake engine's model has none, so the cells say null.
    for (const f of ['ece', 'brier'] as const) out[`${k}.${f}`] = (s[f] ?? null) === null ? 'null' : String(s[f]);
  }
  return out;
}

beforeEach(resetBatch);

describe('batch checkpoints', () => {
  it('a batch interrupted by a reload resumes where it was, scoring nothing twice, to the metrics of an uninterrupted run', async () => {
    const first = recordingEngine(4);
    await bootBatch(first.api);
    await openBatchFile(dataset());
    fireEvent.click(screen.getByRole('button', { name: 'Score all' }));
    await waitFor(() => expect(Number(batchProgress().getAttribute('data-done'))).toBe(4), { timeout: 15_000 });
    await act(() => checkpointsWritten());
    const saved = await ownCheckpoint();
    expect(saved?.progress).toMatchObject({ cursor: 4, status: 'running' });
    expect(saved?.rows.map((r) => r.row.line)).toEqual([1, 2, 3, 4]);

    const second = recordingEngine();
    await reload(second.api);
    const notice = await screen.findByTestId('batch-saved', {}, { timeout: 10_000 });
    expect(notice.textContent).toMatch(/A batch of 10 traces \(traces\.jsonl\) was interrupted at 4/);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Resume' }));
      await new Promise((r) => setTimeout(r, 10));
    });
    await waitFor(() => expect(batchProgress().getAttribute('data-status')).toBe('done'), { timeout: 15_000 });
    expect(screen.queryByTestId('batch-saved')).toBeNull();
    expect(second.scored).toEqual(PROMPTS.slice(4));
    expect(useBatchStore.getState().scored.map((s) => s.row.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(metricValues()).toEqual(await expectedMetrics());
    await act(() => checkpointsWritten());
    expect((await ownCheckpoint())?.progress).toMatchObject({ cursor: 10, status: 'done' });

    // A finished batch is kept too: the next page offers to show it.
    await reload(recordingEngine().api);
    expect((await screen.findByTestId('batch-saved', {}, { timeout: 10_000 })).textContent).toMatch(/The last batch of 10 traces \(traces\.jsonl\) finished/);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Show' }));
      await new Promise((r) => setTimeout(r, 10));
    });
    expect(batchProgress().getAttribute('data-status')).toBe('done');
    expect(metricValues()).toEqual(await expectedMetrics());
  });

  it('Discard deletes the checkpoint; a paused batch counts as interrupted', async () => {
    await bootBatch(createFakeEngine({ delayMs: 10 }));
    await openBatchFile(dataset());
    fireEvent.click(screen.getByRole('button', { name: 'Score all' }));
    await waitFor(() => expect(Number(batchProgress().getAttribute('data-done'))).toBeGreaterThanOrEqual(2), { timeout: 15_000 });
    fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
    await act(async () => {
      await new Promise((r) => setTimeout(r, 300));
      await checkpointsWritten();
    });
    const k = useBatchStore.getState().cursor;
    await reload(createFakeEngine());
    expect((await screen.findByTestId('batch-saved', {}, { timeout: 10_000 })).textContent).toMatch(new RegExp(`interrupted at ${k},`));
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Discard' }));
      await new Promise((r) => setTimeout(r, 10));
    });
    expect(screen.queryByTestId('batch-saved')).toBeNull();
    expect(await ownCheckpoint()).toBeNull();
    await reload(createFakeEngine());
    // What the mount ran, awaited: still nothing to offer.
    await act(() => checkSavedBatch());
    expect(useBatchStore.getState().saved).toBeNull();
    expect(screen.queryByTestId('batch-saved')).toBeNull();
  });

  it('a full disk is reported as a sentence and the batch runs on in memory', async () => {
    await bootBatch(createFakeEngine({ delayMs: 1 }));
    await openBatchFile(dataset());
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (this.name === 'batchRows') throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return put.apply(this, args);
    };
    try {
      fireEvent.click(screen.getByRole('button', { name: 'Score all' }));
      await waitFor(() => expect(batchProgress().getAttribute('data-status')).toBe('done'), { timeout: 15_000 });
      expect((await screen.findByTestId('batch-checkpoint-error', {}, { timeout: 10_000 })).textContent).toMatch(/^The checkpoint could not be saved: the browser's storage is full.*keeps running in memory/);
      expect(useBatchStore.getState().scored).toHaveLength(10);
      expect(metricValues()).toEqual(await expectedMetrics());
    } finally {
      IDBObjectStore.prototype.put = put;
    }
  });
});
