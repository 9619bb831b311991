import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createTokenizer, TextStream } from '../../../src/engine/tokenizer';
import type { ModelFiles } from '../../../src/engine/source/types';
import { sharedPath } from '../../paths';
import { bundledFiles, testbedTraces } from './helpers';

describe('tokenizer and chat template (transformers.js, from memory)', () => {
  it('templates the testbed prompts exactly as the reference did and finds the special ids', async () => {
    const tok = createTokenizer(await bundledFiles());
    expect(tok.special).toEqual({ think: 3, endThink: 4, eos: [2] });
    for (const t of testbedTraces().slice(0, 50)) {
      const p = tok.encodeChat(`${t.expr}=?`);
      expect(p.length).toBe(t.promptTokens);
      const out = tok.encode(t.text);
      // reasoning/answer are positions in prompt + output: <think> sits right after the prompt.
      expect(out[0]).toBe(3);
      expect(out[t.reasoning[1] - p.length]).toBe(4);
      expect(out.at(-1)).toBe(2);
      expect(tok.decode(out)).toBe(t.text);
    }
  });

  it('falls back to plain text, with a note, when there is no chat template', async () => {
    const files: ModelFiles = { ...(await bundledFiles()), chatTemplate: null };
    const tok = createTokenizer(files);
    expect(tok.notes.join(' ')).toMatch(/no chat template/);
    expect(tok.encodeChat('1+1=?')).toEqual(tok.encode('1+1=?'));
  });

  it('streams byte-level text without splitting a character (GPT-2 vocabulary)', async () => {
    const dir = sharedPath('fixtures/tiny-random-gpt2');
    const files = {
      ...(await bundledFiles()),
      tokenizerJson: JSON.parse(readFileSync(`${dir}/tokenizer.json`, 'utf8')),
      tokenizerConfig: JSON.parse(readFileSync(`${dir}/tokenizer_config.json`, 'utf8')),
      chatTemplate: null,
    } as ModelFiles;
    const tok = createTokenizer(files);
    const text = 'naïve café 😀 done';
    const ids = tok.encode(text);
    expect(ids.length).toBeGreaterThan(text.split(' ').length);
    const stream = new TextStream(tok.decode);
    const pieces = ids.map((id) => stream.push(id));
    pieces.push(stream.flush());
    expect(pieces.join('')).toBe(text);
    expect(pieces.some((p) => p.includes('\uFFFD'))).toBe(false);
    expect(pieces.filter((p) => p === '').length).toBeGreaterThan(0); // the emoji's first bytes were held back
  });
});
