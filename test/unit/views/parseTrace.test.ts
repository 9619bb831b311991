import { describe, expect, it } from 'vitest';
import { composeOutput, parseTraceFields, parseTraceText } from '../../../src/state/parseTrace';

describe('parseTraceText: plain text with think tags', () => {
  it('splits prompt, reasoning and answer and keeps the output verbatim for teacher forcing', () => {
    const p = parseTraceText('53*2=?\n<think>\n53*2=106\n</think>\n\n106<|im_end|>');
    expect(p.ok).toBe(true);
    expect(p.format).toBe('think-text');
    expect(p.prompt).toBe('53*2=?');
    expect(p.reasoning).toBe('53*2=106');
    expect(p.answer).toBe('106');
    expect(p.output).toBe('<think>\n53*2=106\n</think>\n\n106<|im_end|>');
    expect(p.counts).toEqual({ prompt: 6, reasoning: 8, answer: 3 });
    expect(p.problems).toEqual([]);
  });

  it('scores an unclosed reasoning with a note that there is no answer', () => {
    const p = parseTraceText('Q?<think>step one\nstep two');
    expect(p.ok).toBe(true);
    expect(p.reasoning).toBe('step one\nstep two');
    expect(p.answer).toBe('');
    expect(p.notes.join(' ')).toMatch(/No <\/think>/);
  });

  it('refuses a trace without a prompt, saying where to put it', () => {
    const p = parseTraceText('<think>a</think>b');
    expect(p.ok).toBe(false);
    expect(p.problems[0]).toMatch(/No prompt found/);
    expect(p.reasoning).toBe('a');
    expect(p.answer).toBe('b');
  });

  it('explains a DeepSeek-style text that starts inside the reasoning', () => {
    const p = parseTraceText('first I add\n</think>\n42');
    expect(p.ok).toBe(false);
    expect(p.problems[0]).toMatch(/No <think> tag/);
    expect(p.reasoning).toBe('first I add');
    expect(p.answer).toBe('42');
  });

  it('explains text with no tags at all, and empty input', () => {
    expect(parseTraceText('just some words').problems[0]).toMatch(/No <think>…<\/think> found/);
    expect(parseTraceText('   ').problems[0]).toMatch(/Nothing pasted yet/);
  });
});

describe('parseTraceText: JSON messages', () => {
  it('reads a DeepSeek message with reasoning_content and a user message for the prompt', () => {
    const json = JSON.stringify({
      messages: [
        { role: 'user', content: '(12+7)*3=?' },
        { role: 'assistant', reasoning_content: '12+7=19\n19*3=57', content: '57' },
      ],
    });
    const p = parseTraceText(json);
    expect(p.ok).toBe(true);
    expect(p.format).toBe('json');
    expect(p.prompt).toBe('(12+7)*3=?');
    expect(p.reasoning).toBe('12+7=19\n19*3=57');
    expect(p.answer).toBe('57');
    expect(p.output).toBe(composeOutput('12+7=19\n19*3=57', '57'));
    expect(p.output).toBe('<think>\n12+7=19\n19*3=57\n</think>\n\n57');
  });

  it('reads an API response (choices[0].message) with a top-level prompt', () => {
    const p = parseTraceText(JSON.stringify({ prompt: 'Q', choices: [{ message: { role: 'assistant', reasoning_content: 'r', content: [{ type: 'text', text: 'A' }] } }] }));
    expect(p.ok).toBe(true);
    expect([p.prompt, p.reasoning, p.answer]).toEqual(['Q', 'r', 'A']);
  });

  it('falls back to think tags inside content, and says so', () => {
    const p = parseTraceText(JSON.stringify([{ role: 'user', content: 'Q' }, { role: 'assistant', content: '<think>r</think>A' }]));
    expect(p.ok).toBe(true);
    expect([p.reasoning, p.answer]).toEqual(['r', 'A']);
    expect(p.notes[0]).toMatch(/reasoning_content/);
  });

  it('explains broken JSON, a JSON without an assistant message, and a missing prompt', () => {
    expect(parseTraceText('{"content": "x",').problems[0]).toMatch(/does not parse/);
    expect(parseTraceText('{"foo": 1}').problems[0]).toMatch(/No assistant message/);
    const noPrompt = parseTraceText('{"role": "assistant", "reasoning_content": "r", "content": "A"}');
    expect(noPrompt.ok).toBe(false);
    expect(noPrompt.problems[0]).toMatch(/No prompt found/);
  });
});

describe('parseTraceFields', () => {
  it('composes the output the bundled model writes', () => {
    const p = parseTraceFields({ prompt: ' Q ', reasoning: ' r1\nr2 ', answer: ' 7 ' });
    expect(p.ok).toBe(true);
    expect(p.format).toBe('fields');
    expect(p.prompt).toBe('Q');
    expect(p.output).toBe('<think>\nr1\nr2\n</think>\n\n7');
  });

  it('says what is missing', () => {
    expect(parseTraceFields({ prompt: '', reasoning: 'r', answer: 'a' }).problems[0]).toMatch(/No prompt/);
    expect(parseTraceFields({ prompt: 'Q', reasoning: '', answer: '' }).problems[0]).toMatch(/nothing to score/);
    expect(parseTraceFields({ prompt: 'Q', reasoning: '', answer: 'a' }).notes[0]).toMatch(/reasoning is empty/);
    expect(parseTraceFields({ prompt: 'Q', reasoning: '<think>r', answer: 'a' }).notes[0]).toMatch(/tags/);
  });
});
