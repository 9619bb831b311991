import { v2Terms } from './calibration';
import { BatchInputError, formatOfName, readRecords, type BatchItem } from '../core/batchInput';
import { FORMULATION_SCORER, type BatchRow } from '../core/batchEval';
import { gradeOutput } from '../core/grade';
import { detectDatasetKind, readPromptRecords, type PromptItem } from '../core/promptSet';
import type { GenerateOptions } from '../engine/generate';
import type { RunResult } from '../engine/run';
import { engineRef } from './engineRef';
import { errorSentence } from './errors';
import { setMode, setPasteFormat, setTrace } from './uiActions';
import { scoreTrace } from './actions';
import { useStore } from './store';
import {
  batchKey,
  CHECKPOINT_VERSION,
  CheckpointWriter,
  KEEP_CHECKPOINTS,
  listCheckpoints,
  pruneCheckpoints,
  readCheckpoint,
  type Checkpoint,
  type CheckpointFile,
  type CheckpointProgress,
} from './batchCheckpoint';
import { claimBatch, heldBatches, ownBatchKey, releaseBatch, setOwnBatchKey } from './batchClaim';
import {
  batchTotal,
  initialBatch,
  useBatchStore,
  type AppView,
  type BatchMode,
  type BatchState,
  type LabelFilter,
  type LineProblem,
  type ScoredTrace,
  type SortKey,
} from './batchStore';

/**
 * Batch scoring in the app: the file is read with the CLI's own parsers (src/core/batchInput.ts,
 * src/core/promptSet.ts) and each item is handled in the worker, one at a time, as `cotk batch`
 * does (no states kept, the default formulation under `cotk`): a trace is scored by teacher
 * forcing; a prompt (generate mode) is answered greedily and graded by exact match
 * (src/core/grade.ts), which makes it a labelled trace. Pause lets the item in flight finish;
 * cancel stops it. Every handled item is checkpointed in IndexedDB without the loop waiting, so a
 * reload can resume where the batch was.
 */
const set = useBatchStore.setState;
const get = useBatchStore.getState;

let seq = 0;
let looping = false;
let inFlight: string | null = null;
let statsShownAt = 0;

const writer = new CheckpointWriter({
  onSaved(stats, progress) {
    // The view shows what checkpoints cost; once a second is enough (a store update re-renders the panel).
    const now = performance.now();
    const patch: Partial<BatchState> = {};
    if (get().checkpointError !== null) patch.checkpointError = null;
    if (progress.status !== 'running' || now - statsShownAt > 1000) {
      statsShownAt = now;
      patch.checkpointStats = stats;
    }
    if (Object.keys(patch).length) set(patch);
  },
  onError(sentence) {
    set({ checkpointError: sentence });
  },
});

/** Resolves once every checkpoint queued so far is written (tests and measurements). */
export function checkpointsWritten(): Promise<void> {
  return writer.idle();
}

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

/** Generate mode's cap on new tokens per answer; null (or anything not a whole number ≥ 1) for the engine's default. */
export function setMaxTokens(n: number | null): void {
  set({ maxTokens: n !== null && Number.isInteger(n) && n >= 1 ? n : null });
}

interface ParsedFile {
  readonly mode: BatchMode;
  readonly items: BatchItem[];
  readonly prompts: PromptItem[];
  readonly bad: LineProblem[];
}

/** A file's items: a prompt set when its records have `expected` and no `output`, else traces. Throws BatchInputError. */
function parseFile(name: string, text: string): ParsedFile {
  const format = formatOfName(name);
  const kind = detectDatasetKind(text, format);
  const bad: LineProblem[] = [];
  if (kind === 'prompts') {
    const prompts: PromptItem[] = [];
    for (const r of readPromptRecords(text, format, name)) {
      if (typeof r.item === 'string') bad.push({ line: r.line, message: r.item });
      else prompts.push(r.item);
    }
    return { mode: 'prompts', items: [], prompts, bad };
  }
  let records;
  try {
    records = readRecords(text, format, name);
  } catch (e) {
    if (e instanceof BatchInputError && kind === 'unknown' && /not batch input/.test(e.message)) {
      throw new BatchInputError(`${e.message}. A prompt set for the model to answer has {"id", "prompt", "expected"} (CSV: id,prompt,expected) instead.`);
    }
    throw e;
  }
  const items: BatchItem[] = [];
  for (const r of records) {
    if (typeof r.item === 'string') bad.push({ line: r.line, message: r.item });
    else items.push(r.item);
  }
  return { mode: 'traces', items, prompts: [], bad };
}

/** Reads a batch file's text (JSON lines, or CSV for a *.csv name): traces or a prompt set; nothing runs yet. */
export function loadBatchText(name: string, text: string): void {
  abandonRunning();
  stopLoop();
  const s = get();
  const base = { ...initialBatch, view: s.view, saved: s.saved, fileName: name };
  let parsed: ParsedFile;
  try {
    parsed = parseFile(name, text);
  } catch (e) {
    if (!(e instanceof BatchInputError)) throw e;
    return void set({ ...base, fileError: e.message });
  }
  const n = parsed.mode === 'prompts' ? parsed.prompts.length : parsed.items.length;
  const what = parsed.mode === 'prompts' ? 'prompt that can be answered' : 'trace that can be scored';
  set({
    ...base,
    ...parsed,
    fileText: text,
    status: n > 0 ? 'ready' : 'empty',
    fileError: n > 0 ? null : `${name} has no ${what}: every line is malformed`,
  });
}

/** A file that could not even be read. */
export function loadBatchError(name: string, e: unknown): void {
  abandonRunning();
  stopLoop();
  set({ ...initialBatch, view: get().view, saved: get().saved, fileName: name, fileError: errorSentence(e, `${name} could not be read`) });
}

/** Another file replaces a batch that is running or paused: its checkpoint says it was cancelled. */
function abandonRunning(): void {
  const st = get().status;
  if (st === 'running' || st === 'paused') writer.update([], { ...progress(), status: 'cancelled' });
  // The tab lets go of the batch once its last checkpoint is written (unless it took it up again).
  const key = viewKey;
  viewKey = null;
  if (key !== null) {
    void writer.idle().then(() => {
      if (viewKey === key) return;
      if (writer.current() === key) writer.detach();
      releaseBatch(key);
    });
  }
}

/** The key of the batch this view shows (checkpointed by this tab), or null. */
let viewKey: string | null = null;

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
  if (model.status === 'loading') return 'The model is still loading: press Resume (or start) again once it is ready.';
  if (model.status !== 'ready') return 'Load a model first: the batch is scored by the loaded model.';
  return null;
}

function elapsed(): number {
  const s = get();
  return s.activeMs + (s.since === null ? 0 : performance.now() - s.since);
}

function progress(): CheckpointProgress {
  const s = get();
  return { cursor: s.cursor, failed: s.failed, status: s.status, activeMs: elapsed(), savedAt: Date.now() };
}

/** The batch's CoT-Kinetics formulation (its `cotk` column): the app scores batches with v2, as `cotk batch` does by default. */
const BATCH_FORMULATION = 'v2';

/** The loaded model as a checkpoint names it ("name/variant"), or '' when none is loaded. */
function loadedModelKey(): string {
  const info = useStore.getState().model.info;
  return info ? `${info.name}/${info.variant}` : '';
}

function fileRecord(s: BatchState): CheckpointFile {
  return {
    version: CHECKPOINT_VERSION,
    name: s.fileName ?? 'batch',
    text: s.fileText ?? '',
    mode: s.mode,
    maxTokens: s.maxTokens,
    total: batchTotal(s),
    bad: s.bad,
    model: loadedModelKey(),
    formulation: BATCH_FORMULATION,
  };
}

/** Starts from the first item (again, if it ran before); the batch gets its own checkpoint (other batches' stay). */
export function startBatch(): void {
  const why = blocked();
  if (why) return void set({ error: why });
  if (batchTotal(get()) === 0) return;
  stopLoop();
  set({ cursor: 0, scored: [], failed: [], status: 'running', error: null, activeMs: 0, since: performance.now(), saved: null, checkpointError: null, checkpointStats: writerStatsReset() });
  const file = fileRecord(get());
  const key = batchKey(file);
  viewKey = key;
  // The same batch checkpointed by another live tab is not written from here too (the rows would
  // be the same, the progress not): no write lands before the claim, and a refused one lets go.
  const claim = claimBatch(key);
  writer.start(key, file, progress(), claim);
  const my = seq;
  void loop(my);
  void claim.then(async (ok) => {
    if (my !== seq || viewKey !== key) return;
    if (!ok) {
      writer.detach();
      viewKey = null;
      return void set({ checkpointError: 'This same batch (file, model and formulation) is running in another tab, which keeps its checkpoint; this tab runs it without one, so a reload here would lose its progress.' });
    }
    setOwnBatchKey(key);
    await pruneCheckpoints(KEEP_CHECKPOINTS, new Set([key, ...(await heldBatches())])).catch(() => undefined);
  });
}

function writerStatsReset() {
  statsShownAt = 0;
  return initialBatch.checkpointStats;
}

export function pauseBatch(): void {
  if (get().status !== 'running') return;
  set({ status: 'paused', activeMs: elapsed(), since: null });
  writer.update([], progress());
}

export function resumeBatch(): void {
  if (get().status !== 'paused') return;
  const why = blocked();
  if (why) return void set({ error: why });
  set({ status: 'running', error: null, since: performance.now() });
  writer.update([], progress());
  if (!looping) void loop(seq);
}

/** Stops the batch; what was scored stays, with its metrics (and in the checkpoint). */
export function cancelBatch(): void {
  const st = get().status;
  if (st !== 'running' && st !== 'paused') return;
  set({ status: 'cancelled', activeMs: elapsed(), since: null });
  writer.update([], progress());
  stopLoop();
}

function scoresOf(r: RunResult): Record<string, number | null> {
  // The v2 terms too, as `cotk batch` writes them: a calibration profile made from these rows reads them.
  return { ...r.scores, cotk: r.scores[FORMULATION_SCORER.v2], ...v2Terms(r.detail.cotkV2) };
}

/** Runs one item in the worker: a scored trace, or null when the run was cancelled (it is tried again). */
async function runItem(runId: string, s: BatchState): Promise<ScoredTrace | null> {
  const api = engineRef();
  if (!api) throw new Error('The model engine went away.');
  if (s.mode === 'prompts') {
    const item = s.prompts[s.cursor];
    // Greedy (the engine's default sampling), no states kept: the answer is the model's most likely one.
    const options: GenerateOptions = s.maxTokens === null ? { stateCapBytes: 0 } : { stateCapBytes: 0, maxTokens: s.maxTokens };
    const r = await api.generate(runId, item.prompt, options);
    if (r.stop === 'cancelled') return null;
    const { answer, label } = gradeOutput(r.text, item.expected);
    const row: BatchRow = { id: item.id, line: item.line, label, scores: scoresOf(r) };
    return { row, prompt: item.prompt, output: r.text, expected: item.expected, answer };
  }
  const item = s.items[s.cursor];
  const r = await api.score(runId, item.prompt, item.output, { stateCapBytes: 0 });
  if (r.stop === 'cancelled') return null;
  const scores = scoresOf(r);
  const row: BatchRow = item.label === undefined ? { id: item.id, line: item.line, scores } : { id: item.id, line: item.line, label: item.label, scores };
  return { row, prompt: item.prompt, output: item.output };
}

async function loop(my: number): Promise<void> {
  looping = true;
  try {
    for (;;) {
      const s = get();
      if (my !== seq || s.status !== 'running') return;
      const item = s.mode === 'prompts' ? s.prompts[s.cursor] : s.items[s.cursor];
      if (!item) {
        set({ status: 'done', activeMs: elapsed(), since: null });
        return void writer.update([], progress());
      }
      if (!engineRef()) {
        set({ status: 'paused', error: 'The model engine went away; resume once it is back.', activeMs: elapsed(), since: null });
        return void writer.update([], progress());
      }
      const runId = `batch-${my}-${item.line}`;
      inFlight = runId;
      try {
        const done = await runItem(runId, s);
        if (my !== seq) return;
        if (done === null) continue;
        set((p) => ({ scored: [...p.scored, done], cursor: p.cursor + 1 }));
        writer.update([done], progress());
      } catch (e) {
        if (my !== seq) return;
        if (e instanceof Error && e.name === 'EngineDiedError') {
          // The worker died under this item: it is not the item's fault. The batch pauses at it
          // (checkpointed) and Resume scores it again once the model has reloaded on a new worker.
          set({ status: 'paused', error: `${errorSentence(e)} The batch paused at item ${s.cursor + 1}: press Resume once the model is ready.`, activeMs: elapsed(), since: null });
          return void writer.update([], progress());
        }
        const message = errorSentence(e, s.mode === 'prompts' ? 'Answering failed' : 'Scoring failed');
        set((p) => ({ failed: [...p.failed, { line: item.line, message }], cursor: p.cursor + 1 }));
        writer.update([], progress());
      } finally {
        if (inFlight === runId) inFlight = null;
      }
    }
  } finally {
    if (my === seq) looping = false;
  }
}

/** The saved batch offered in the view (its key), so Resume, Show and Discard act on that one. */
let offered: string | null = null;

/**
 * Looks for a checkpoint left by an earlier page (a reload mid-batch): offered in the batch view
 * as Resume (or Show, for a batch that had ended) and Discard. Only while no file is loaded here.
 * A tab offers its own batch (its key is in sessionStorage, which is per tab and survives a
 * reload); a new tab offers the most recent batch that no live tab holds. Never another live
 * tab's batch.
 */
export async function checkSavedBatch(): Promise<void> {
  let cp: { key: string; file: CheckpointFile; progress: CheckpointProgress } | null = null;
  try {
    const own = ownBatchKey();
    const mine = own === null ? null : await readCheckpoint(own);
    if (mine) cp = mine;
    else {
      const held = new Set(await heldBatches());
      cp = (await listCheckpoints()).find((c) => !held.has(c.key)) ?? null;
    }
  } catch {
    return; // no IndexedDB here: nothing was saved either, and a write will say so
  }
  const s = get();
  if (!cp || s.status !== 'empty' || s.saved) return;
  const { file, progress: p } = cp;
  offered = cp.key;
  set({ saved: { fileName: file.name, mode: file.mode, total: file.total, cursor: p.cursor, status: p.status, savedAt: p.savedAt, key: cp.key, model: file.model ?? '' } });
}

/** Restores the saved batch into the view (paused where it stopped, or as it ended); false when it cannot. */
async function restoreSaved(resuming: boolean): Promise<boolean> {
  const key = get().saved?.key ?? offered;
  let cp: Checkpoint | null;
  try {
    cp = key === null ? null : await readCheckpoint(key);
  } catch (e) {
    set({ error: errorSentence(e, 'The saved batch could not be read') });
    return false;
  }
  if (!cp || key === null) {
    set({ saved: null, error: 'The saved batch is gone (another tab may have discarded it).' });
    return false;
  }
  const { file, progress: p, rows } = cp;
  const model = loadedModelKey();
  if (resuming && file.model && model && file.model !== model) {
    set({ error: `This batch was scored with ${file.model}, but ${model} is loaded: load ${file.model} to resume it (its rows would otherwise mix two models), or Discard it.` });
    return false;
  }
  if (!(await claimBatch(key))) {
    set({ error: 'This batch is open in another tab: resume it there (or close that tab first).' });
    return false;
  }
  let parsed: ParsedFile;
  try {
    parsed = parseFile(file.name, file.text);
  } catch (e) {
    releaseBatch(key);
    set({ error: `The saved batch could not be restored: ${errorSentence(e, 'its file no longer reads')}` });
    return false;
  }
  const n = parsed.mode === 'prompts' ? parsed.prompts.length : parsed.items.length;
  if (parsed.mode !== file.mode || n !== file.total || p.cursor > n) {
    releaseBatch(key);
    set({ error: `The saved batch could not be restored: its file now reads as ${n} items, not the ${file.total} it was saved with. Discard it.` });
    return false;
  }
  stopLoop();
  const interrupted = p.status === 'running' || p.status === 'paused';
  set({
    ...initialBatch,
    view: get().view,
    ...parsed,
    fileName: file.name,
    fileText: file.text,
    maxTokens: file.maxTokens,
    cursor: p.cursor,
    scored: rows,
    failed: p.failed,
    status: interrupted ? 'paused' : p.status,
    activeMs: p.activeMs,
  });
  setOwnBatchKey(key);
  viewKey = key;
  writer.adopt(key, file);
  return true;
}

/** Resume of an interrupted batch after a reload: continues from the first item not yet handled. */
export async function resumeSaved(): Promise<void> {
  if (await restoreSaved(true)) resumeBatch();
}

/** Shows a saved batch that had finished or been cancelled. */
export async function showSaved(): Promise<void> {
  await restoreSaved(false);
}

/** Deletes the offered checkpoint (offered only while no batch of this page has started); other batches' stay. */
export async function discardSaved(): Promise<void> {
  const key = get().saved?.key ?? offered;
  set({ saved: null });
  offered = null;
  if (key !== null && key === ownBatchKey()) setOwnBatchKey(null);
  await writer.discard(key);
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
