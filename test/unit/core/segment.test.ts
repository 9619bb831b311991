import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { outputPositions, segmentTrace, type SpecialIds } from '../../../src/core/trace/segment';
import { sharedPath } from '../../paths';

const SP: SpecialIds = { think: 3, endThink: 4, eos: [2, 0] };
const P = [1, 40, 50, 24, 1, 60]; // six prompt tokens, none special to the trace

describe('segmentTrace', () => {
  it('splits prompt, reasoning and answer; EOS is excluded', () => {
    const ids = [...P, 3, 10, 11, 4, 12, 13, 2];
    const s = segmentTrace(ids, P.length, SP);
    expect(s.reasoning).toEqual([7, 9]);
    expect(s.answer).toEqual([10, 12]);
    expect([s.thinkAt, s.endThinkAt, s.eosAt]).toEqual([6, 9, 12]);
    expect(s.notes).toEqual([]);
    expect(outputPositions(s.reasoning, s.answer)).toEqual([7, 8, 10, 11]);
  });

  it('without </think>, everything after <think> up to EOS is reasoning and the answer is empty', () => {
    const s = segmentTrace([...P, 3, 10, 11, 12, 2, 9], P.length, SP);
    expect(s.reasoning).toEqual([7, 10]);
    expect(s.answer).toEqual([10, 10]);
    expect(s.notes.join(' ')).toMatch(/No <\/think>/);
  });

  it('a trace cut off mid-reasoning (no EOS) keeps all its tokens as reasoning', () => {
    const s = segmentTrace([...P, 3, 10, 11], P.length, SP);
    expect(s.reasoning).toEqual([7, 9]);
    expect(s.answer).toEqual([9, 9]);
    expect(s.eosAt).toBe(-1);
  });

  it('without <think>, everything after the prompt is reasoning, and the notes say so', () => {
    const s = segmentTrace([...P, 10, 11, 4, 12, 2], P.length, SP);
    expect(s.reasoning).toEqual([6, 8]);
    expect(s.answer).toEqual([9, 10]);
    expect(s.thinkAt).toBe(-1);
    expect(s.notes.join(' ')).toMatch(/No <think> tag/);
  });

  it('with neither tag, the whole output is reasoning', () => {
    const s = segmentTrace([...P, 10, 11, 12, 2], P.length, SP);
    expect(s.reasoning).toEqual([6, 9]);
    expect(s.answer).toEqual([9, 9]);
  });

  it('uses a <think> that the chat template opened in the prompt (DeepSeek-R1 style)', () => {
    const prompt = [...P, 3, 24];
    const s = segmentTrace([...prompt, 10, 11, 4, 12, 2], prompt.length, SP);
    expect(s.thinkAt).toBe(6);
    expect(s.reasoning).toEqual([8, 10]);
    expect(s.answer).toEqual([11, 12]);
  });

  it('ignores a <think>…</think> pair closed inside the prompt (Qwen3 with thinking off)', () => {
    const prompt = [...P, 3, 24, 4, 24];
    const s = segmentTrace([...prompt, 10, 2], prompt.length, SP);
    expect(s.thinkAt).toBe(-1);
    expect(s.reasoning).toEqual([10, 11]);
  });

  it('stops the answer at the first of several EOS ids', () => {
    const s = segmentTrace([...P, 3, 10, 4, 12, 0, 13, 2], P.length, SP);
    expect(s.answer).toEqual([9, 10]);
    expect(s.eosAt).toBe(10);
  });

  it('rejects a prompt length outside the sequence', () => {
    expect(() => segmentTrace([1, 2], 3, SP)).toThrow(/outside the sequence/);
  });

  it('gives the testbed token ranges for all 800 traces', () => {
    const tok = JSON.parse(readFileSync(sharedPath('fixtures/tiny-reasoner/hf/tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number> } };
    const vocab = tok.model.vocab;
    const specials = Object.keys(vocab).filter((k) => k.startsWith('<') && k.length > 1);
    const encode = (text: string): number[] => {
      const ids: number[] = [];
      for (let i = 0; i < text.length; ) {
        const sp = specials.find((k) => text.startsWith(k, i));
        const piece = sp ?? text[i];
        ids.push(vocab[piece]);
        i += piece.length;
      }
      return ids;
    };
    const testbed = JSON.parse(readFileSync(sharedPath('fixtures/tiny-reasoner/testbed.json'), 'utf8')) as {
      traces: { id: number; text: string; promptTokens: number; reasoning: [number, number]; answer: [number, number] }[];
    };
    expect(testbed.traces).toHaveLength(800);
    for (const t of testbed.traces) {
      const ids = [...new Array<number>(t.promptTokens).fill(vocab.a), ...encode(t.text)];
      const s = segmentTrace(ids, t.promptTokens, { think: vocab['<think>'], endThink: vocab['</think>'], eos: [vocab['<|im_end|>']] });
      expect([s.reasoning, s.answer], `trace ${t.id}`).toEqual([t.reasoning, t.answer]);
    }
  });
});
