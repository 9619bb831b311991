import type { EngineWorkerApi, LoadOptions, LoadProgress, ModelSourceSpec, TokenBatch, TokenEvent } from '../engine/protocol';
import type { GenerateOptions } from '../engine/generate';
import type { RunResult } from '../engine/run';
import { NO_EOS_NOTE } from '../core/trace/segment';
import { errorSentence } from './errors';
import { parseTraceFields, parseTraceText, type ParsedTrace } from './parseTrace';
import { initialSelection, type RunState } from './slices';
import { engineRef as currentEngine, setEngineRef } from './engineRef';
import { useStore } from './store';
import { planForStart } from './runPlan';

export * from './uiActions';
export { requestLens } from './lensActions';

/**
 * The only engine callers. The engine is injected (setEngine), so tests hand in a stand-in and the
 * app hands in the worker client (src/app/engineBoot.ts), which wraps callbacks as comlink proxies. Every failure becomes a sentence
 * in the slice it concerns; what the user typed is never touched here.
 */
let loadSeq = 0;
/** The backend choice of the last load, reused by "Load the model again". */
let loadOptions: LoadOptions = {};
/** The source of the last load, so "Load the model again" retries what the user picked. */
let loadSource: ModelSourceSpec = { kind: 'bundled' };
let runSeq = 0;

export function setEngine(api: EngineWorkerApi | null): void {
  setEngineRef(api);
  // A new engine starts from the defaults, not from what the previous one was last asked to load.
  loadSource = { kind: 'bundled' };
  loadOptions = {};
  useStore.setState({ engineReady: api !== null });
}

/** The engine could not even start (its module failed to load): said where the model status is. */
export function engineFailed(e: unknown): void {
  useStore.setState((s) => ({ model: { ...s.model, status: 'error', error: errorSentence(e, 'The engine could not start') } }));
  modelChanged();
}

/** The app is starting its engine (before the worker exists): a click now is queued like one during a load. */
export function engineStarting(): void {
  useStore.setState((s) => ({ model: { ...s.model, status: 'loading', phase: 'starting the engine', error: null } }));
  modelChanged();
}

/**
 * The sentence last put under the input because of the model's state ("did not load", …). It
 * describes that state only, so it goes the moment the state changes: no stale note survives.
 */
let modelStateNote: string | null = null;

function noteModelState(why: string): void {
  modelStateNote = why;
  useStore.setState({ inputError: why });
}

/**
 * After every change of the model's status: a note about the old state goes; a queued run starts
 * once the model is ready, and is dropped with a sentence when the load failed.
 */
function modelChanged(): void {
  const { inputError, queued, model } = useStore.getState();
  if (modelStateNote !== null && inputError === modelStateNote) useStore.setState({ inputError: null });
  modelStateNote = null;
  if (!queued) return;
  if (model.status === 'ready') {
    useStore.setState({ queued: null });
    void (queued === 'generate' ? generate() : scoreTrace());
  } else if (model.status === 'error' || model.status === 'idle') {
    useStore.setState({ queued: null });
    noteModelState(`The model did not load, so your ${queued === 'generate' ? 'question' : 'trace'} did not run; it is kept here. Load the model again (header) and run it.`);
  }
}

const NO_ENGINE = 'The model engine is not connected in this build yet; what you typed is kept in this browser.';

export async function loadModel(source: ModelSourceSpec = loadSource, options: LoadOptions = loadOptions): Promise<void> {
  // What was loaded before: a failed load that keeps that model keeps retrying it, not the failure.
  const keptSource = loadSource;
  const keptOptions = loadOptions;
  loadOptions = options;
  loadSource = source;
  const api = currentEngine();
  if (!api) return;
  const seq = ++loadSeq;
  // A lens read-out belongs to the model that computed it: a new model empties the cache.
  useStore.setState({ model: { status: 'loading', info: null, progress: {}, phase: null, error: null }, lens: {} });
  modelChanged();
  const onProgress = (p: LoadProgress) => {
    if (seq !== loadSeq) return;
    const { model } = useStore.getState();
    const key = p.file ?? p.phase;
    useStore.setState({ model: { ...model, phase: p.phase, progress: { ...model.progress, [key]: p } } });
  };
  try {
    const info = await api.load(source, onProgress, options);
    if (seq !== loadSeq) return;
    useStore.setState((s) => ({ model: { ...s.model, status: 'ready', info, phase: null, error: null } }));
  } catch (e) {
    if (seq !== loadSeq) return;
    const error = errorSentence(e, 'The model did not load');
    // The engine kept the model it had (src/engine/host.ts): it stays ready, with the failure said.
    const kept = e instanceof Error && e.name === 'ModelKeptError' ? await api.info().catch(() => null) : null;
    if (seq !== loadSeq) return;
    if (kept) {
      loadSource = keptSource;
      loadOptions = keptOptions;
      useStore.setState((s) => ({ model: { ...s.model, status: 'ready', info: kept, phase: null, error } }));
    } else {
      useStore.setState((s) => ({ model: { ...s.model, status: 'error', error } }));
    }
  }
  modelChanged();
}

/**
 * The engine's worker died (src/engine/client.ts noticed): the run in flight has already failed with
 * its tokens kept (and is saved in history like any run that ended early); this says so and loads
 * the last model again on the new worker, so Generate, Stop and Batch work again.
 */
export async function engineDied(sentence: string, gpuLost = false): Promise<void> {
  flushBatches();
  useStore.setState({ engineNotice: sentence });
  // After a lost GPU device the model comes back on WASM (the user may pick WebGPU again).
  await loadModel(loadSource, gpuLost ? { ...loadOptions, backend: 'wasm' } : loadOptions);
}

function patchRun(id: string, patch: Partial<RunState>): void {
  useStore.setState((s) => (s.run?.id === id ? { run: { ...s.run, ...patch } } : {}));
}

/**
 * Streamed batches are coalesced into one store update per FLUSH_MS: the engine promises at most
 * ~10 batches a second, but the views re-derive 4k tokens per update, so the page holds its own
 * pace whatever the engine (or a fake) sends. Batches of an older run are dropped (the latest run wins).
 */
export const FLUSH_MS = 100;
let pending: { runId: string; tokens: TokenEvent[] } | null = null;
let flushTimer: ReturnType<typeof setTimeout> | null = null;

function flushBatches(): void {
  if (flushTimer !== null) clearTimeout(flushTimer);
  flushTimer = null;
  const p = pending;
  pending = null;
  if (!p || p.tokens.length === 0) return;
  useStore.setState((s) => (s.run?.id === p.runId ? { run: { ...s.run, events: [...s.run.events, ...p.tokens] } } : {}));
}

function onBatch(b: TokenBatch): void {
  if (useStore.getState().run?.id !== b.runId) return;
  if (pending && pending.runId !== b.runId) pending = null;
  pending ??= { runId: b.runId, tokens: [] };
  pending.tokens.push(...b.tokens);
  flushTimer ??= setTimeout(flushBatches, FLUSH_MS);
}

function finishRun(id: string, result: RunResult, startedAt: number): void {
  flushBatches();
  patchRun(id, { result, status: result.stop === 'cancelled' ? 'cancelled' : 'done', wallMs: performance.now() - startedAt });
}

/**
 * A run asked for while the model loads (or the engine starts) is a request, not an error: it is
 * queued and starts by itself once the model is ready. True when it was queued.
 */
function queueWhileLoading(kind: 'generate' | 'score'): boolean {
  if (useStore.getState().model.status !== 'loading') return false;
  useStore.setState({ queued: kind, inputError: null });
  return true;
}

/** Why a run cannot start now, as a sentence, or null when it can. */
function blocked(): string | null {
  const { engineReady, model } = useStore.getState();
  if (!currentEngine() || !engineReady) return NO_ENGINE;
  if (model.status === 'error') return 'The model did not load, so nothing can run; see the note in the header and load it again.';
  if (model.status !== 'ready') return 'No model is loaded yet.';
  return null;
}

async function start(kind: RunState['kind'], prompt: string, call: (api: EngineWorkerApi, id: string) => Promise<RunResult>): Promise<void> {
  const api = currentEngine() as EngineWorkerApi;
  const prev = useStore.getState().run;
  if (prev && (prev.status === 'running' || prev.status === 'stopping')) {
    await api.cancel(prev.id).catch(() => false); // its result still lands in patchRun, which ignores a stale id
  }
  const id = `run-${Date.now().toString(36)}-${++runSeq}`;
  const startedAt = performance.now();
  useStore.setState({
    run: { id, kind, prompt, status: 'running', events: [], result: null, error: null },
    inputError: null,
    engineNotice: null,
    queued: null,
    layer: null,
    lens: {},
    ...initialSelection,
  });
  try {
    finishRun(id, await call(api, id), startedAt);
  } catch (e) {
    flushBatches();
    // The streamed tokens stay: a run that failed midway is still inspectable up to where it got.
    patchRun(id, { status: 'error', error: errorSentence(e, kind === 'generate' ? 'The run stopped with an error' : 'Scoring failed') });
  }
}

/** Asks the model the drafted question; tokens stream into the store as they come. */
export async function generate(options: GenerateOptions = {}): Promise<void> {
  const { question, gamma } = useStore.getState();
  if (question.trim() === '') return void useStore.setState({ inputError: 'Type a question for the model first.' });
  if (queueWhileLoading('generate')) return;
  const why = blocked();
  if (why) return noteModelState(why);
  const plan = planForStart('generate', question.length);
  if (plan.refuse) return void useStore.setState({ inputError: plan.refuse });
  await start('generate', question, (api, id) => (plan.record(id), api.generate(id, question, { gamma, ...plan.options, ...options }, onBatch)));
}

/** The drafted paste, parsed (pure; the input panel shows this before anything runs). */
export function currentParse(): ParsedTrace {
  const s = useStore.getState();
  return s.pasteFormat === 'fields'
    ? parseTraceFields({ prompt: s.fieldPrompt, reasoning: s.fieldReasoning, answer: s.fieldAnswer })
    : parseTraceText(s.trace);
}

/** Scores the drafted trace by teacher forcing; bad input is explained without a worker trip. */
export async function scoreTrace(): Promise<void> {
  const parsed = currentParse();
  if (!parsed.ok) return void useStore.setState({ inputError: parsed.problems.join(' ') });
  if (queueWhileLoading('score')) return;
  const why = blocked();
  if (why) return noteModelState(why);
  const { gamma } = useStore.getState();
  const plan = planForStart('score', parsed.prompt.length, parsed.output.length);
  if (plan.refuse) return void useStore.setState({ inputError: plan.refuse });
  // An API message or three fields never carry an end-of-sequence token: the note is only news for plain text.
  const dropEosNote = parsed.format !== 'think-text';
  await start('score', parsed.prompt, async (api, id) => {
    plan.record(id);
    const r = await api.score(id, parsed.prompt, parsed.output, { gamma, ...plan.options }, onBatch);
    return dropEosNote ? { ...r, segments: { ...r.segments, notes: r.segments.notes.filter((n) => n !== NO_EOS_NOTE) } } : r;
  });
}

/** Stops the current run (its promise resolves with what was produced, which stays inspectable), or cancels a queued one's wait. */
export async function cancelRun(): Promise<void> {
  if (useStore.getState().queued) return void useStore.setState({ queued: null });
  const run = useStore.getState().run;
  const engine = currentEngine();
  if (!engine || !run || run.status !== 'running') return;
  patchRun(run.id, { status: 'stopping' });
  try {
    await engine.cancel(run.id);
  } catch (e) {
    patchRun(run.id, { error: errorSentence(e, 'Stopping failed') });
  }
}
