import './setup';
import 'fake-indexeddb/auto';
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakeEngine, fakeReasoning } from '../../src/engine/fake';
import type { GenerateOptions } from '../../src/engine/generate';
import type { EngineWorkerApi } from '../../src/engine/protocol';
import { cancelBatch, checkpointsWritten } from '../../src/state/batchActions';
import { initialBatch, useBatchStore } from '../../src/state/batchStore';
import { batchProgress, bootBatch, metricValues, openBatchFile, ownCheckpoint, resetBatch } from './batchHelpers';
import { initialState, useStore } from '../../src/state/store';

/**
 * Generate mode: a prompt set {id, prompt, expected} is answered by the (fake) model in the
 * worker, graded by exact match, and becomes labelled traces; their export reads back as a trace
 * file whose scores and metrics are the same. The fake model always computes the right result, so
 * the wrong labels come from expected answers that differ.
 */

const SET = [
  { id: 'a', prompt: '1+2=?', expected: '3' }, // right
  { id: 'b', prompt: '(3+4)*2=?', expected: '14.0' }, // right: numbers compared as numbers
  { id: 'c', prompt: '9-5=?', expected: '5' }, // wrong: the model says 4
  { id: 'd', prompt: '6*7=?' }, // no "expected": a bad line
  { id: 'e', prompt: '6*7=?', expected: 42 }, // right (a JSON number)
  { id: 'f', prompt: '12/4=?', expected: 'three' }, // wrong
];
const TEXT = `${SET.map((o) => JSON.stringify(o)).join('\n')}\n`;

function recordingEngine(freezeAfter = Infinity): { api: EngineWorkerApi; asked: string[]; options: GenerateOptions[] } {
  const inner = createFakeEngine({ delayMs: 2 });
  const asked: string[] = [];
  const options: GenerateOptions[] = [];
  const api: EngineWorkerApi = {
    ...inner,
    generate(runId, prompt, opts, onTokens) {
      if (asked.length >= freezeAfter) return new Promise(() => undefined);
      asked.push(String(prompt));
      options.push(opts);
      return inner.generate(runId, prompt, opts, onTokens);
    },
  };
  return { api, asked, options };
}

/** Clicks an export button and returns the file's text (the Blob handed to the download link). */
async function exported(button: string): Promise<{ name: string; text: string }> {
  let blob: Blob | null = null;
  let name = '';
  const create = URL.createObjectURL;
  const click = HTMLAnchorElement.prototype.click;
  URL.createObjectURL = (b: Blob | MediaSource) => {
    blob = b as Blob;
    return 'blob:test';
  };
  HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
    name = this.download;
  };
  try {
    fireEvent.click(screen.getByRole('button', { name: button }));
  } finally {
    URL.createObjectURL = create;
    HTMLAnchorElement.prototype.click = click;
  }
  if (!blob) throw new Error('nothing was exported');
  const text = await new Promise<string>((resolve) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.readAsText(blob as Blob);
  });
  return { name, text };
}

beforeEach(resetBatch);

afterEach(() => {
  cancelBatch();
});

describe('generate mode: answer and grade a prompt set', () => {
  it('answers each prompt, grades it by exact match and exports labelled traces that score back the same', async () => {
    const eng = recordingEngine();
    await bootBatch(eng.api);
    await openBatchFile(TEXT, 'prompts.jsonl');
    const note = screen.getByTestId('batch-file');
    expect(note.getAttribute('data-mode')).toBe('prompts');
    expect(note.textContent).toMatch(/a prompt set of 5 prompts/);
    expect(note.textContent).toMatch(/1 malformed line\(s\) skipped/);
    expect(screen.getByTestId('batch-bad').textContent).toMatch(/line 4: missing "expected"/);
    fireEvent.change(screen.getByLabelText('Max new tokens per answer'), { target: { value: '64' } });
    fireEvent.click(screen.getByRole('button', { name: 'Answer and grade' }));
    await waitFor(() => expect(batchProgress().getAttribute('data-status')).toBe('done'), { timeout: 15_000 });
    expect(eng.asked).toEqual(['1+2=?', '(3+4)*2=?', '9-5=?', '6*7=?', '12/4=?']);
    // Greedy (no sampling options), no states kept, the cap passed on.
    expect(eng.options).toEqual(Array(5).fill({ stateCapBytes: 0, maxTokens: 64 }));

    const scored = useBatchStore.getState().scored;
    expect(scored.map((s) => s.row.label)).toEqual([1, 1, 0, 1, 0]);
    expect(scored.map((s) => s.answer)).toEqual(['3', '14', '4', '42', '3']);
    expect(scored.map((s) => s.output)).toEqual(eng.asked.map((p) => fakeReasoning(p)));
    for (const s of scored) expect(s.row.scores.cotk).toBe(s.row.scores.cotkV2);
    const rows = within(screen.getByTestId('batch-results')).getAllByRole('row');
    expect(within(rows[0]).getByText('Expected')).toBeTruthy();
    expect(within(rows[0]).getByText('Answer')).toBeTruthy();
    expect(rows[3].querySelector('[data-col="expected"]')?.textContent).toBe('5');
    expect(rows[3].querySelector('[data-col="answer"]')?.textContent).toBe('4');
    expect(screen.getByTestId('batch-roc')).toBeTruthy();
    const generated = metricValues();

    // The export is a trace file: the trace mode reads it back, and scoring it gives the same metrics.
    const jsonl = await exported('Export JSONL');
    expect(jsonl.name).toBe('traces.jsonl');
    const lines = jsonl.text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[2]).toEqual({ id: 'c', line: 3, prompt: '9-5=?', expected: '5', output: fakeReasoning('9-5=?'), answer: '4', label: 0, scores: scored[2].row.scores });
    // the same keys, in the same order, as `cotk batch --generate` writes (less its `stop`)
    expect(Object.keys(lines[2])).toEqual(['id', 'line', 'prompt', 'expected', 'output', 'answer', 'label', 'scores']);
    const csv = await exported('Export CSV');
    expect(csv.text.split('\r\n')[0]).toMatch(/^id,prompt,output,label,expected,answer,line,cotkV2,/);

    for (const file of [jsonl, csv]) {
      await openBatchFile(file.text, file.name);
      expect(screen.getByTestId('batch-file').getAttribute('data-mode')).toBe('traces');
      expect(screen.getByTestId('batch-file').textContent).toMatch(/5 traces/);
      expect(screen.queryByTestId('batch-bad')).toBeNull();
      fireEvent.click(screen.getByRole('button', { name: 'Score all' }));
      await waitFor(() => expect(batchProgress().getAttribute('data-status')).toBe('done'), { timeout: 15_000 });
      expect(useBatchStore.getState().scored.map((s) => s.row.label)).toEqual([1, 1, 0, 1, 0]);
      expect(metricValues()).toEqual(generated);
    }
  });

  it('resumes an interrupted prompt set after a reload without answering a prompt twice', async () => {
    const first = recordingEngine(2);
    await bootBatch(first.api);
    await openBatchFile(TEXT, 'prompts.jsonl');
    fireEvent.click(screen.getByRole('button', { name: 'Answer and grade' }));
    await waitFor(() => expect(Number(batchProgress().getAttribute('data-done'))).toBe(2), { timeout: 15_000 });
    await act(() => checkpointsWritten());
    expect((await ownCheckpoint())?.rows.map((r) => r.output)).toEqual([fakeReasoning('1+2=?'), fakeReasoning('(3+4)*2=?')]);

    cleanup();
    useBatchStore.setState({ ...initialBatch });
    useStore.setState(initialState());
    const second = recordingEngine();
    await bootBatch(second.api);
    expect((await screen.findByTestId('batch-saved', {}, { timeout: 10_000 })).textContent).toMatch(/A batch of 5 prompts \(prompts\.jsonl\) was interrupted at 2/);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Resume' }));
      await new Promise((r) => setTimeout(r, 10));
    });
    await waitFor(() => expect(batchProgress().getAttribute('data-status')).toBe('done'), { timeout: 15_000 });
    expect(second.asked).toEqual(['9-5=?', '6*7=?', '12/4=?']);
    const scored = useBatchStore.getState().scored;
    expect(scored.map((s) => s.row.label)).toEqual([1, 1, 0, 1, 0]);
    expect(scored.map((s) => s.expected)).toEqual(['3', '14.0', '5', '42', 'three']);
    expect(screen.getByTestId('batch-bad').textContent).toMatch(/line 4: missing "expected"/);
  });

  it('reads CSV prompt sets and explains files that are neither traces nor prompts', async () => {
    await bootBatch(recordingEngine().api);
    await openBatchFile('id,prompt,expected\na,1+2=?,3\nb,"(3+4)*2=?",\n', 'p.csv');
    expect(screen.getByTestId('batch-file').textContent).toMatch(/a prompt set of 1 prompt\./);
    expect(screen.getByTestId('batch-bad').textContent).toMatch(/line 3: "expected" is empty/);
    expect(screen.getByRole('button', { name: 'Answer and grade' })).toBeTruthy();

    await openBatchFile('{"id": 1, "prompt": "1+1=?"}\n{"id": 2, "prompt": "2+2=?"}\n', 'q.jsonl');
    expect(screen.getByTestId('batch-file-error').textContent).toMatch(/not batch input.*A prompt set for the model to answer has \{"id", "prompt", "expected"\}/);
    await openBatchFile('{"id": 1, "prompt": "1+1=?", "expected": "2"}\nnot json\n{"id": 2, "prompt": 5, "expected": "4"}\n', 'r.jsonl');
    expect(screen.getByTestId('batch-bad').textContent).toMatch(/line 2: not valid JSON.*line 3: "prompt" must be a string/);
    await openBatchFile('{"id": 2, "prompt": 5, "expected": "4"}\n', 's.jsonl');
    expect(screen.getByTestId('batch-file-error').textContent).toBe('s.jsonl has no prompt that can be answered: every line is malformed');
    await openBatchFile('\n\n', 'e.jsonl');
    expect(screen.getByTestId('batch-file-error').textContent).toMatch(/e\.jsonl is empty/);
  });
});
