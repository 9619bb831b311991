import { answerOf } from '../../core/grade';
import type { RunState } from '../../state/slices';

/**
 * What a run answered, in words: the text after `</think>` up to the end-of-turn token (the same
 * reading as batch grading, src/core/grade.ts), or why there is none. Shared by the results' answer
 * line, History, Compare, the HTML report and the per-token CSV, so they all say the same thing.
 */
export type RunAnswer =
  | { readonly kind: 'answer'; readonly text: string }
  /** No answer: `why` says so in a sentence ("stopped before it answered", "no </think>", …). */
  | { readonly kind: 'none'; readonly why: string }
  /** Still running and not yet past `</think>`. */
  | { readonly kind: 'pending' };

/** The run's output text: the result's when there is one, else the streamed tokens'. */
function outputText(run: Pick<RunState, 'events' | 'result'>): string {
  return run.result?.text ?? run.events.map((e) => e.text).join('');
}

export function runAnswer(run: Pick<RunState, 'events' | 'result' | 'status'>): RunAnswer {
  const text = answerOf(outputText(run));
  const live = run.status === 'running' || run.status === 'stopping';
  if (text !== null && text !== '') {
    return { kind: 'answer', text };
  }
  if (live) return { kind: 'pending' };
  const stop = run.result?.stop;
  if (text === '') {
    return { kind: 'none', why: run.status === 'cancelled' || stop === 'cancelled' ? 'stopped right after the reasoning, before any answer' : 'the answer after </think> is empty' };
  }
  if (run.status === 'cancelled' || stop === 'cancelled') return { kind: 'none', why: 'stopped before it answered (no </think>)' };
  if (stop === 'max-tokens') return { kind: 'none', why: 'ran out of tokens before it answered (no </think>)' };
  if (run.status === 'error') return { kind: 'none', why: 'failed before it answered (no </think>)' };
  return { kind: 'none', why: 'the reasoning never closed (no </think>), so there is no answer' };
}

/** The answer as plain text, or null when there is none (or none yet). */
export function answerText(run: Pick<RunState, 'events' | 'result' | 'status'>): string | null {
  const a = runAnswer(run);
  return a.kind === 'answer' ? a.text : null;
}

/** One line of text: "57", or "(no answer: …)". For tables, file names and run names. */
export function answerShort(a: RunAnswer): string {
  return a.kind === 'answer' ? oneLine(a.text) : a.kind === 'pending' ? '(not yet)' : '(no answer)';
}

/** A long or multi-line answer squeezed to one short line for names and table cells. */
export function oneLine(s: string, max = 40): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}
