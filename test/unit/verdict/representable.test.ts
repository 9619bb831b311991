import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeChar, unrepresentableChars, unrepresentableNote } from '../../../src/core/trace/representable';
import type { Engine } from '../../../src/engine/engine';
import { FAKE_TOKENIZER } from '../../../src/engine/fake';
import type { ModelFiles } from '../../../src/engine/source/types';
import { createTokenizer } from '../../../src/engine/tokenizer';
import { sharedPath } from '../../paths';
import { bundledFiles, openTestEngine } from '../engine/helpers';

describe('characters a tokenizer cannot represent (encode/decode round trip)', () => {
  it('names the characters the tiny-reasoner’s character vocabulary lacks, once each, in order', async () => {
    const tok = createTokenizer(await bundledFiles());
    expect(unrepresentableChars('(12+7)*3=?', tok)).toEqual([]);
    expect(unrepresentableChars('What is 2 plus 2?', tok)).toEqual([]);
    expect(unrepresentableChars('<think>\n12*3=36\n</think>\n\n36<|im_end|>', tok)).toEqual([]); // special tokens round-trip
    expect(unrepresentableChars('12×3 ÷ 4 × 2 = 9 €', tok)).toEqual(['×', '÷', '€']);
    // '<' alone is not in the vocabulary (only inside the special tokens): named where it stands alone only.
    expect(unrepresentableChars('3<4 ×<think>\n', tok)).toEqual(['<', '×']);
  });

  it('finds none in a byte-level vocabulary (GPT-2), which represents every character', async () => {
    const dir = sharedPath('fixtures/tiny-random-gpt2');
    const files = {
      ...(await bundledFiles()),
      tokenizerJson: JSON.parse(readFileSync(`${dir}/tokenizer.json`, 'utf8')),
      tokenizerConfig: JSON.parse(readFileSync(`${dir}/tokenizer_config.json`, 'utf8')),
      chatTemplate: null,
    } as ModelFiles;
    expect(unrepresentableChars('12×3 ÷ 4 😀 €', createTokenizer(files))).toEqual([]);
  });

  it('works on the fake engine’s vocabulary and writes one sentence naming each character', () => {
    expect(unrepresentableChars('1+1=? ≠ ∞', FAKE_TOKENIZER)).toEqual(['≠', '∞']);
    expect(describeChar('×')).toBe('“×” (U+00D7)');
    expect(describeChar('\u200b')).toBe('U+200B');
    expect(unrepresentableNote([], 'm')).toBeNull();
    expect(unrepresentableNote(['×', '÷'], 'tiny-reasoner')).toMatch(/^tiny-reasoner's tokenizer cannot represent 2 characters “×” \(U\+00D7\), “÷” \(U\+00F7\): .*outside what it/);
  });
});

describe('the engine records them and the greedy choice of every token (Node, onnxruntime-node)', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await openTestEngine('fp32-cpu', 'node');
  });
  afterAll(async () => {
    await engine.release();
  });

  it('a generated run is its own greedy choice at every token, and has nothing unrepresentable', async () => {
    const r = await engine.generate('(12+7)*3=?', { maxTokens: 40 });
    expect(r.unrepresentable).toEqual([]);
    expect(r.tokens.length).toBeGreaterThan(5);
    for (const t of r.tokens) expect(t.argmax).toBe(t.id);
  });

  it('a pasted trace the model would not write departs from its greedy choice; its odd characters are named', async () => {
    // The model's own (wrong) trace for this prompt is 14*2=28, 28-37=-9 (issue 12): teacher-forced, it never departs.
    const own = await engine.generate('(140*2)-37=?', { maxTokens: 60 });
    expect(own.text).toContain('14*2=28');
    const forced = await engine.score('(140*2)-37=?', own.text);
    expect(forced.tokens.every((t) => t.argmax === t.id)).toBe(true);
    // The right trace, written by hand, is one the model would not have written: it departs early.
    const right = await engine.score('(140*2)-37=?', '<think>\n140*2=280\n280-37=243\n</think>\n\n243<|im_end|>');
    const first = right.tokens.findIndex((t) => t.argmax !== t.id);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(6);
    expect(Math.exp(right.tokens[first].logProb)).toBeLessThan(right.tokens[first].maxProb);
    const odd = await engine.score('(140×2)-37=?', '<think>\n140×2=280\n</think>\n\n243<|im_end|>');
    expect(odd.unrepresentable).toEqual(['×']);
  });
});

describe('cotk names them on stderr', () => {
  it('generate and batch say which characters the tokenizer cannot represent, and still run', async () => {
    const { cotkInProcess } = await import('../cli/cliHarness');
    const model = ['--model', 'public/models/tiny-reasoner', '--variant', 'fp32-cpu'];
    const g = await cotkInProcess(['generate', ...model, '--prompt', '12×3=?', '--max-tokens', '8', '--json']);
    expect(g.code).toBe(0);
    expect(g.stderr).toMatch(/^cotk generate: note: tiny-reasoner's tokenizer cannot represent the character “×” \(U\+00D7\): /m);
    const lines = [
      { id: 'a', prompt: '12*3=?', output: '<think>\n12*3=36\n</think>\n\n36<|im_end|>' },
      { id: 'b', prompt: '12÷3=?', output: '<think>\n12÷3=4\n</think>\n\n4<|im_end|>' },
    ];
    const b = await cotkInProcess(['batch', ...model, '--in', '-', '--out', '-'], lines.map((l) => JSON.stringify(l)).join('\n'));
    expect(b.code).toBe(0);
    expect(b.stderr).toMatch(/^cotk batch: line 2: tiny-reasoner's tokenizer cannot represent the character “÷” \(U\+00F7\)/m);
    expect(b.stderr).not.toMatch(/line 1: tiny-reasoner's tokenizer/);
  });
});
