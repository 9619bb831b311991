import { describe, expect, it } from 'vitest';
import { EngineInputError } from '../../../src/engine/errors';
import { argmax, checkSampling, createRng, sampleToken } from '../../../src/engine/sample';

describe('token choice', () => {
  it('greedy takes the first of tied maxima, as torch.argmax', () => {
    expect(argmax([0, 3, 1, 3], 0, 4)).toBe(1);
    expect(argmax([9, 9, 0, 2, 5], 2, 3)).toBe(2);
    expect(sampleToken(new Float32Array([0.1, 2, 2, -1]), 0, 4, { temperature: 0 }, createRng(1))).toBe(1);
  });

  it('the same seed replays the same draws; another seed does not', () => {
    const row = Float32Array.from({ length: 50 }, (_, i) => Math.sin(i));
    const draw = (seed: number): number[] => {
      const rng = createRng(seed);
      return Array.from({ length: 40 }, () => sampleToken(row, 0, 50, { temperature: 1.5, seed }, rng));
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('follows the softmax at temperature 1 and stays in the nucleus under top-p', () => {
    const row = new Float32Array([Math.log(0.6), Math.log(0.3), Math.log(0.1)]);
    const rng = createRng(3);
    const counts = [0, 0, 0];
    for (let i = 0; i < 20_000; i++) counts[sampleToken(row, 0, 3, { temperature: 1 }, rng)]++;
    expect(counts[0] / 20_000).toBeCloseTo(0.6, 1);
    expect(counts[2] / 20_000).toBeCloseTo(0.1, 1);
    const nucleus = new Set<number>();
    for (let i = 0; i < 2_000; i++) nucleus.add(sampleToken(row, 0, 3, { temperature: 1, topP: 0.85 }, rng));
    expect([...nucleus].sort()).toEqual([0, 1]); // 0.6 + 0.3 reaches 0.85; 0.1 is cut
    for (let i = 0; i < 200; i++) expect(sampleToken(row, 0, 3, { temperature: 1, topP: 0.01 }, rng)).toBe(0);
  });

  it('refuses options that make no sense, in words', () => {
    expect(() => checkSampling({ temperature: -1 })).toThrow(EngineInputError);
    expect(() => checkSampling({ topP: 0 })).toThrow(/top-p must be in \(0, 1\], got 0/);
    expect(() => checkSampling({ topP: 1.5 })).toThrow(/top-p/);
    expect(() => checkSampling({ seed: 1.5 })).toThrow(/seed must be an integer/);
    expect(() => checkSampling({ temperature: 0.7, topP: 0.9, seed: 42 })).not.toThrow();
  });
});
