/**
 * Reads a finished trace the user pasted, before anything runs: what it found (prompt, reasoning,
 * answer, their lengths), what is missing, and the output text to score by teacher forcing. Pure
 * and synchronous, so bad input is explained at once with no worker trip.
 *
 * Three shapes: plain text `prompt <think>reasoning</think> answer`; an OpenAI/DeepSeek-style JSON
 * message with `reasoning_content` (alone, inside `choices[0].message`, or in a message list); and
 * three separate fields.
 */
export type TraceFormat = 'think-text' | 'json' | 'fields';

export interface ParsedTrace {
  readonly format: TraceFormat;
  readonly prompt: string;
  readonly reasoning: string;
  readonly answer: string;
  /** What the model "wrote", as teacher forcing receives it (tags included). */
  readonly output: string;
  /** Characters found in each part (tokens are only known once the worker tokenizes). */
  readonly counts: { readonly prompt: number; readonly reasoning: number; readonly answer: number };
  /** Sentences that stop the run until fixed. */
  readonly problems: readonly string[];
  /** Sentences about fallbacks taken; the run can go ahead. */
  readonly notes: readonly string[];
  readonly ok: boolean;
}

const OPEN = '<think>';
const CLOSE = '</think>';
/** End-of-sequence markers a copied trace may end with (Qwen, DeepSeek). */
const END_MARKERS = /(?:\s*(?:<\|im_end\|>|<\|endoftext\|>|<｜end▁of▁sentence｜>))+\s*$/u;

/** The output in the layout the bundled model writes: `<think>\n…\n</think>\n\n answer`. */
export function composeOutput(reasoning: string, answer: string): string {
  return `${OPEN}\n${reasoning.trim()}\n${CLOSE}\n\n${answer.trim()}`;
}

function finish(
  format: TraceFormat,
  parts: { prompt: string; reasoning: string; answer: string; output: string },
  problems: string[],
  notes: string[],
): ParsedTrace {
  const prompt = parts.prompt.trim();
  const reasoning = parts.reasoning.trim();
  const answer = parts.answer.replace(END_MARKERS, '').trim();
  if (problems.length === 0) {
    if (prompt === '') problems.push('No prompt found: the scores are measured given the question, so add it (before <think> in plain text, or as a user message in JSON).');
    if (reasoning === '' && answer === '') problems.push('Neither reasoning nor an answer was found: there is nothing to score.');
    else if (reasoning === '') notes.push('The reasoning is empty: the CoT-Kinetics energy needs at least one reasoning token, so only the answer is scored.');
    else if (answer === '') notes.push('No answer after the reasoning: answer confidence will be empty.');
  }
  return {
    format,
    prompt,
    reasoning,
    answer,
    output: parts.output,
    counts: { prompt: prompt.length, reasoning: reasoning.length, answer: answer.length },
    problems,
    notes,
    ok: problems.length === 0,
  };
}

function empty(format: TraceFormat, problem: string): ParsedTrace {
  return finish(format, { prompt: '', reasoning: '', answer: '', output: '' }, [problem], []);
}

function parseThinkText(text: string): ParsedTrace {
  const open = text.indexOf(OPEN);
  const close = text.indexOf(CLOSE, open < 0 ? 0 : open + OPEN.length);
  const notes: string[] = [];
  if (open < 0 && close < 0) {
    return empty(
      'think-text',
      'No <think>…</think> found: paste the prompt, then the reasoning between <think> and </think>, then the answer — or a JSON message with "reasoning_content", or use the separate fields.',
    );
  }
  if (open >= 0 && text.indexOf(OPEN, open + OPEN.length) >= 0 && text.indexOf(OPEN, open + OPEN.length) < (close < 0 ? Infinity : close)) {
    notes.push('A second <think> appears inside the reasoning; it is kept as part of the reasoning text.');
  }
  if (open < 0) {
    // DeepSeek-R1's template opens <think> itself, so copied outputs often start inside the reasoning.
    const problem = 'No <think> tag, so the prompt cannot be told apart from the reasoning: put the question first, then <think> before the reasoning (or use the separate fields).';
    return finish('think-text', { prompt: '', reasoning: text.slice(0, close), answer: text.slice(close + CLOSE.length), output: text.trim() }, [problem], notes);
  }
  const prompt = text.slice(0, open);
  const output = text.slice(open).trimEnd();
  if (close < 0) {
    notes.push('No </think>: the reasoning never closed, so there is no answer; answer confidence will be empty.');
    return finish('think-text', { prompt, reasoning: text.slice(open + OPEN.length), answer: '', output }, [], notes);
  }
  return finish('think-text', { prompt, reasoning: text.slice(open + OPEN.length, close), answer: text.slice(close + CLOSE.length), output }, [], notes);
}

type Json = unknown;

function isRecord(x: Json): x is Record<string, Json> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** `content` as a string, or an array of `{type: 'text', text}` parts joined. */
function textOf(content: Json): string | null {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    const parts = content.map((p) => (typeof p === 'string' ? p : isRecord(p) && typeof p.text === 'string' ? p.text : ''));
    return parts.join('');
  }
  return null;
}

function messagesOf(root: Json): Json[] | null {
  if (Array.isArray(root)) return root;
  if (!isRecord(root)) return null;
  if (Array.isArray(root.messages)) return root.messages;
  if (Array.isArray(root.choices) && isRecord(root.choices[0]) && isRecord(root.choices[0].message)) {
    return [...(Array.isArray(root.messages) ? root.messages : []), root.choices[0].message];
  }
  if ('reasoning_content' in root || 'content' in root) return [root];
  return null;
}

function parseJson(text: string): ParsedTrace {
  let root: Json;
  try {
    root = JSON.parse(text);
  } catch (e) {
    return empty('json', `This looks like JSON but does not parse (${e instanceof Error ? e.message : String(e)}); check the brackets and quotes.`);
  }
  const messages = messagesOf(root);
  const assistant = messages
    ?.filter(isRecord)
    .reverse()
    .find((m) => m.role === 'assistant' || (m.role === undefined && ('reasoning_content' in m || 'content' in m)));
  if (!assistant) {
    return empty(
      'json',
      'No assistant message found in the JSON: expected {"content": …, "reasoning_content": …}, a {"choices": [{"message": …}]} response, or a list of messages.',
    );
  }
  const users = (messages ?? []).filter((m) => isRecord(m) && m.role === 'user') as Record<string, Json>[];
  const top = isRecord(root) ? root : {};
  const prompt = textOf(users.at(-1)?.content) ?? (typeof top.prompt === 'string' ? top.prompt : typeof top.question === 'string' ? top.question : '');
  const content = textOf(assistant.content) ?? '';
  const reasoningContent = textOf(assistant.reasoning_content);
  if (reasoningContent === null) {
    if (content.includes(CLOSE)) {
      const inner = parseThinkText(content.includes(OPEN) ? content : `${OPEN}${content}`);
      return finish('json', { prompt, reasoning: inner.reasoning, answer: inner.answer, output: composeOutput(inner.reasoning, inner.answer) }, [], [
        'No "reasoning_content": the reasoning was read from <think>…</think> inside "content".',
      ]);
    }
    return finish('json', { prompt, reasoning: '', answer: content, output: composeOutput('', content) }, [], [
      'No "reasoning_content" in the message: only the answer is scored.',
    ]);
  }
  return finish('json', { prompt, reasoning: reasoningContent, answer: content, output: composeOutput(reasoningContent, content) }, [], []);
}

/** One pasted text: JSON when it starts with `{` or `[`, plain text with think tags otherwise. */
export function parseTraceText(text: string): ParsedTrace {
  const t = text.trim();
  if (t === '') return empty('think-text', 'Nothing pasted yet: paste a trace with <think>…</think>, or a JSON message.');
  return t.startsWith('{') || t.startsWith('[') ? parseJson(t) : parseThinkText(text);
}

/** Three separate fields; tags typed into them are taken literally. */
export function parseTraceFields(fields: { prompt: string; reasoning: string; answer: string }): ParsedTrace {
  const notes: string[] = [];
  if (fields.reasoning.includes(OPEN) || fields.reasoning.includes(CLOSE)) {
    notes.push('The reasoning field contains <think> tags; they are added around it anyway, so remove them if they were copied in.');
  }
  return finish('fields', { ...fields, output: composeOutput(fields.reasoning, fields.answer) }, [], notes);
}
