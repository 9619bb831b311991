import type { Span } from '../tensor';

/** The note for an answer that runs to the last token (plain-text traces; API messages never carry an EOS). */
export const NO_EOS_NOTE = 'No end-of-sequence token: the answer runs to the last token.';

/** Token ids that delimit a reasoning trace; a model may have several end-of-sequence ids. */
export interface SpecialIds {
  readonly think: number;
  readonly endThink: number;
  readonly eos: readonly number[];
}

export interface Segments {
  /** Positions `[0, promptEnd)` are the chat-templated prompt. */
  readonly prompt: Span;
  /** Tokens strictly between `<think>` and `</think>` (or the fallbacks below). */
  readonly reasoning: Span;
  /** Tokens after `</think>`, up to (excluding) the first EOS. Empty when there is no `</think>`. */
  readonly answer: Span;
  /** Position of the `<think>` that opened the reasoning, -1 when none was found. */
  readonly thinkAt: number;
  /** Position of `</think>`, -1 when the trace never closed its reasoning. */
  readonly endThinkAt: number;
  /** Position of the EOS that ended the output, -1 when generation stopped without one. */
  readonly eosAt: number;
  /** Plain-language notes for the UI about fallbacks taken (no `<think>`, no `</think>`, …). */
  readonly notes: readonly string[];
}

function indexFrom(ids: ArrayLike<number>, from: number, pred: (id: number) => boolean): number {
  for (let i = Math.max(0, from); i < ids.length; i++) if (pred(ids[i])) return i;
  return -1;
}

/**
 * The `<think>` a chat template may open in the generation prompt itself (DeepSeek-R1's does):
 * the last `<think>` of the prompt, provided no `</think>` closes it inside the prompt.
 */
function openThinkInPrompt(ids: ArrayLike<number>, promptEnd: number, sp: SpecialIds): number {
  for (let i = promptEnd - 1; i >= 0; i--) {
    if (ids[i] === sp.endThink) return -1;
    if (ids[i] === sp.think) return i;
  }
  return -1;
}

/** Text after the end of the turn is not the model's answer: never scored, and said so. */
export const AFTER_EOS_NOTE = 'after the end-of-sequence token';
const afterEos = (k: number): string => `${k} token(s) ${AFTER_EOS_NOTE} are not scored.`;

/**
 * Splits a token sequence into prompt / reasoning / answer (SCORING.md, "The sequence").
 * `promptEnd` is the number of chat-templated prompt tokens; the model's output starts there.
 */
export function segmentTrace(ids: ArrayLike<number>, promptEnd: number, sp: SpecialIds): Segments {
  const n = ids.length;
  if (!Number.isInteger(promptEnd) || promptEnd < 0 || promptEnd > n) {
    throw new RangeError(`promptEnd ${promptEnd} is outside the sequence of ${n} tokens`);
  }
  const notes: string[] = [];
  const isEos = (id: number): boolean => sp.eos.includes(id);

  let thinkAt = indexFrom(ids, promptEnd, (id) => id === sp.think || id === sp.endThink || isEos(id));
  if (thinkAt >= 0 && ids[thinkAt] !== sp.think) thinkAt = -1;
  if (thinkAt < 0) {
    thinkAt = openThinkInPrompt(ids, promptEnd, sp);
    if (thinkAt >= 0) notes.push('The chat template opened <think> in the prompt; the reasoning starts right after it.');
  }
  const reasonStart = thinkAt >= 0 ? Math.max(thinkAt + 1, promptEnd) : promptEnd;
  if (thinkAt < 0) notes.push('No <think> tag: everything after the prompt is treated as reasoning.');
  if (thinkAt > promptEnd) notes.push(`${thinkAt - promptEnd} output token(s) before <think> are not scored.`);

  const endThinkAt = indexFrom(ids, reasonStart, (id) => id === sp.endThink || isEos(id));
  const closed = endThinkAt >= 0 && ids[endThinkAt] === sp.endThink;
  if (!closed) {
    const eosAt = endThinkAt; // the first EOS, or -1
    const end = eosAt >= 0 ? eosAt : n;
    notes.push('No </think>: the reasoning never closed, so the answer is empty.');
    if (eosAt >= 0 && eosAt + 1 < n) notes.push(afterEos(n - eosAt - 1));
    return {
      prompt: [0, promptEnd],
      reasoning: [reasonStart, end],
      answer: [end, end],
      thinkAt,
      endThinkAt: -1,
      eosAt,
      notes,
    };
  }
  const eosAt = indexFrom(ids, endThinkAt + 1, isEos);
  const answerEnd = eosAt >= 0 ? eosAt : n;
  if (eosAt < 0) notes.push(NO_EOS_NOTE);
  else if (eosAt + 1 < n) notes.push(afterEos(n - eosAt - 1));
  return {
    prompt: [0, promptEnd],
    reasoning: [reasonStart, endThinkAt],
    answer: [endThinkAt + 1, answerEnd],
    thinkAt,
    endThinkAt,
    eosAt,
    notes,
  };
}

/** Output positions in scoring order: the reasoning tokens, then the answer tokens. */
export function outputPositions(reasoning: Span, answer: Span): number[] {
  const out: number[] = [];
  for (let t = reasoning[0]; t < reasoning[1]; t++) out.push(t);
  for (let t = answer[0]; t < answer[1]; t++) out.push(t);
  return out;
}
