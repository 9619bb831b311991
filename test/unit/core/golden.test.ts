import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseStatesFile, scoreMetricsInput, scoreStatesCase } from '../../../src/core/states';
import { relErr, sharedPath } from '../../paths';

interface Golden {
  spec: string;
  cases: { name: string; expected: Record<string, Record<string, number | number[]>> }[];
  metrics: { expected: Record<string, number> }[];
}

const golden = JSON.parse(readFileSync(sharedPath('golden/scoring-v1.json'), 'utf8')) as Golden;
const parsed = parseStatesFile(golden);

/** Walks `expected` and checks every number of `actual` at the same path to 1e-6 relative. */
function expectClose(actual: unknown, expected: unknown, path: string): number {
  if (typeof expected === 'number') {
    expect(typeof actual, path).toBe('number');
    const r = relErr(actual as number, expected);
    expect(r, `${path}: ${actual} vs ${expected}`).toBeLessThan(1e-6);
    return 1;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), path).toBe(true);
    expect((actual as unknown[]).length, `${path}.length`).toBe(expected.length);
    return expected.reduce<number>((n, e, i) => n + expectClose((actual as unknown[])[i], e, `${path}[${i}]`), 0);
  }
  let n = 0;
  for (const [k, v] of Object.entries(expected as Record<string, unknown>)) {
    expect(actual, path).toHaveProperty(k);
    n += expectClose((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
  }
  return n;
}

describe('golden scoring-v1', () => {
  it('is the spec this code implements', () => {
    expect(golden.spec).toBe('scoring-v1');
    expect(parsed.cases.length).toBeGreaterThan(0);
    expect(parsed.metrics.length).toBeGreaterThan(0);
  });

  golden.cases.forEach((c, i) => {
    it(`reproduces every number of ${c.name}`, () => {
      const s = scoreStatesCase(parsed.cases[i]);
      const actual = {
        cotk: s.cotk,
        coe: s.coe,
        output: s.output,
        answer: s.answer,
      };
      const checked = expectClose(actual, c.expected, c.name);
      expect(checked).toBeGreaterThan(20);
    });
  });

  golden.metrics.forEach((m, i) => {
    it(`reproduces AUROC, AUPR and FPR95 of metrics set ${i}`, () => {
      expectClose(scoreMetricsInput(parsed.metrics[i]), m.expected, `metrics[${i}]`);
    });
  });
});
