import { DEFAULT_COTK } from '../core/scores/index';
import type { RunResult } from '../engine/run';
import { answerShort, runAnswer } from '../views/shared/answer';
import { draftsOf, type RunState, type StoreState } from '../state/slices';
import { savedVerdict, verdictFor, type Verdict } from '../views/Verdict/verdict';
import type { ModelSummary, SavedRun } from './types';

/** The app version written into every saved run (package.json's, injected by Vite; "dev" in tests). */
export const APP_VERSION: string = typeof __APP_VERSION__ === 'string' ? __APP_VERSION__ : 'dev';

const two = (n: number) => String(n).padStart(2, '0');

/** A time of day as HH:MM:SS (local). */
export function clockTime(d: Date): string {
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/**
 * A default name: the first line of the question or prompt, shortened, then what the run answered
 * and, when `at` is given, the time it was saved, so two runs of one prompt get different names
 * ("Asked: (12+7)*3=? → 57 · 14:05:32").
 */
export function defaultRunName(run: RunState, at?: Date): string {
  const first = run.prompt.split('\n').find((l) => l.trim() !== '') ?? '';
  const t = first.trim();
  const base = t.length > 60 ? `${t.slice(0, 57)}…` : t;
  const answer = run.status === 'running' || run.status === 'stopping' ? '' : ` → ${answerShort(runAnswer(run))}`;
  return `${run.kind === 'generate' ? 'Asked' : 'Scored'}: ${base || '(empty prompt)'}${answer}${at ? ` · ${clockTime(at)}` : ''}`;
}

function modelSummary(s: StoreState): ModelSummary {
  const info = s.model.info;
  const source = s.picker.source;
  return {
    name: info?.name ?? 'unknown model',
    source,
    variant: info?.variant ?? '',
    backend: info?.backend ?? '',
    layers: info?.config.layers ?? 0,
    hidden: info?.config.hiddenSize ?? 0,
    vocab: info?.config.vocabSize ?? 0,
  };
}

/** The verdict the page shows for the store's run, from the loaded model's profile. */
export function liveVerdict(s: StoreState): Verdict {
  return verdictFor(s.run, s.model.status === 'ready' ? s.model.info : null, s.calibration.profile);
}

/** The result without what is never saved (logits rows), and without states unless kept. */
function trimResult(r: RunResult, keepStates: boolean): RunResult {
  return { ...r, logits: null, outputLogits: null, states: keepStates ? r.states : null };
}

/**
 * The store's current run as a SavedRun, or null while there is none or it is still running.
 * Pure: reads the state it is given; typed arrays are shared, not copied (IndexedDB clones them).
 */
function withoutWallMs(run: RunState): RunState {
  const { wallMs: _wallMs, ...rest } = run;
  return rest;
}

export function snapshotRun(s: StoreState, opts: { keepStates?: boolean; name?: string; now?: Date } = {}): SavedRun | null {
  const run = s.run;
  if (!run || run.status === 'running' || run.status === 'stopping') return null;
  const keptStates = Boolean(opts.keepStates && run.result?.states);
  const now = opts.now ?? new Date();
  return {
    meta: {
      id: run.id,
      name: opts.name ?? defaultRunName(run, now),
      createdAt: now.toISOString(),
      model: modelSummary(s),
      input: { ...draftsOf(s), mode: run.kind === 'generate' ? 'ask' : 'paste' },
      settings: { gamma: s.gamma, formulation: DEFAULT_COTK },
      keptStates,
      appVersion: APP_VERSION,
      verdict: savedVerdict(liveVerdict(s)),
    },
    // wallMs (click to result, timed on this page) is this page's status line only: a saved run is its tokens and result.
    run: { ...withoutWallMs(run), result: run.result ? trimResult(run.result, keptStates) : null },
  };
}
