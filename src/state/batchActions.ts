import { BatchInputError, formatOfName, readRecords, type BatchItem } from '../core/batchInput';
import { FORMULATION_SCORER, type BatchRow } from '../core/batchEval';
import { engineRef } from './engineRef';
import { errorSentence } from './errors';
import { setMode, setPasteFormat, setTrace } from './uiActions';
import { scoreTrace } from './actions';
import { useStore } from './store';
import { initialBatch, useBatchStore, type AppView, type LabelFilter, type LineProblem, type SortKey } from './batchStore';

/**
 * Batch scoring in the app: the file is read with the CLI's own parser (src/core/batchInput.ts) and
 * each trace is scored in the worker, one at a time, as `cotk batch` does (no states kept, the
 * default formulation under `cotk`). Pause lets the trace in flight finish; cancel stops it.
 */
const set = useBatchStore.setState;
const get = useBatchStore.getState;

let seq = 0;
let looping = false;
let inFlight: string | null = null;

export function setView(view: AppView): void {
  set({ view });
}

export function setSort(key: SortKey): void {
  const s = get();
  set(s.sortKey === key ? { sortDesc: !s.sortDesc } : { sortKey: key, sortDesc: key !== 'line' });
}

export function setLabelFilter(labelFilter: LabelFilter): void {
  set({ labelFilter });
}

/** Reads a batch file's text (JSON lines, or CSV for a *.csv name); nothing runs yet. */
export function loadBatchText(name: string, text: string): void {
  stopLoop();
  const base = { ...initialBatch, view: get().view, fileName: name };
  let records;
  try {
    records = readRecords(text, formatOfName(name), name);
  } catch (e) {
    if (!(e instanceof BatchInputError)) throw e;
    return void set({ ...base, fileError: e.message });
  }
  const bad: LineProblem[] = [];
  const items: BatchItem[] = [];
  for (const r of records) {
    if (typeof r.item === 'string') bad.push({ line: r.line, message: r.item });
    else items.push(r.item);
  }
  set({
    ...base,
    bad,
    items,
    status: items.length > 0 ? 'ready' : 'empty',
    fileError: items.length > 0 ? null : `${name} has no trace that can be scored: every line is malformed`,
  });
}

/** A file that could not even be read. */
export function loadBatchError(name: string, e: unknown): void {
  stopLoop();
  set({ ...initialBatch, view: get().view, fileName: name, fileError: errorSentence(e, `${name} could not be read`) });
}

function stopLoop(): void {
  seq++;
  const id = inFlight;
  inFlight = null;
  looping = false;
  if (id) void engineRef()?.cancel(id).catch(() => false);
}

function blocked(): string | null {
  const { engineReady, model } = useStore.getState();
  if (!engineRef() || !engineReady) return 'The model engine is not connected, so the batch cannot be scored.';
  if (model.status !== 'ready') return 'Load a model first: the batch is scored by the loaded model.';
  return null;
}

function elapsed(): number {
  const s = get();
  return s.activeMs + (s.since === null ? 0 : performance.now() - s.since);
}

/** Starts scoring from the first trace (again, if it ran before). */
export function startBatch(): void {
  const why = blocked();
  if (why) return void set({ error: why });
  if (get().items.length === 0) return;
  stopLoop();
  set({ cursor: 0, scored: [], failed: [], status: 'running', error: null, activeMs: 0, since: performance.now() });
  void loop(seq);
}

export function pauseBatch(): void {
  if (get().status !== 'running') return;
  set({ status: 'paused', activeMs: elapsed(), since: null });
}

export function resumeBatch(): void {
  if (get().status !== 'paused') return;
  const why = blocked();
  if (why) return void set({ error: why });
  set({ status: 'running', error: null, since: performance.now() });
  if (!looping) void loop(seq);
}

/** Stops the batch; what was scored stays, with its metrics. */
export function cancelBatch(): void {
  const st = get().status;
  if (st !== 'running' && st !== 'paused') return;
  set({ status: 'cancelled', activeMs: elapsed(), since: null });
  stopLoop();
}

async function loop(my: number): Promise<void> {
  looping = true;
  try {
    for (;;) {
      const s = get();
      if (my !== seq || s.status !== 'running') return;
      const item = s.items[s.cursor];
      if (!item) return void set({ status: 'done', activeMs: elapsed(), since: null });
      const api = engineRef();
      if (!api) return void set({ status: 'paused', error: 'The model engine went away; resume once it is back.', activeMs: elapsed(), since: null });
      const runId = `batch-${my}-${item.line}`;
      inFlight = runId;
      try {
        const r = await api.score(runId, item.prompt, item.output, { stateCapBytes: 0 });
        if (my !== seq) return;
        if (r.stop === 'cancelled') continue;
        const scores: Record<string, number | null> = { ...r.scores, cotk: r.scores[FORMULATION_SCORER.v2] };
        const row: BatchRow = item.label === undefined ? { id: item.id, line: item.line, scores } : { id: item.id, line: item.line, label: item.label, scores };
        set((p) => ({ scored: [...p.scored, { row, prompt: item.prompt, output: item.output }], cursor: p.cursor + 1 }));
      } catch (e) {
        if (my !== seq) return;
        const message = errorSentence(e, 'Scoring failed');
        set((p) => ({ failed: [...p.failed, { line: item.line, message }], cursor: p.cursor + 1 }));
      } finally {
        if (inFlight === runId) inFlight = null;
      }
    }
  } finally {
    if (my === seq) looping = false;
  }
}

/** Opens one scored trace in the inspector: pasted as plain text and scored there with its views. */
export async function openInInspector(prompt: string, output: string): Promise<void> {
  setMode('paste');
  setPasteFormat('text');
  setTrace(`${prompt}\n${output}`);
  set({ view: 'inspect' });
  await scoreTrace();
}

/** Traces per second over the time spent running. */
export function batchRate(): number {
  const ms = elapsed();
  return ms > 0 ? (get().cursor * 1000) / ms : 0;
}
