import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, relErr, sharedPath } from '../../paths';

const GOLDEN = sharedPath('golden/scoring-v1.json');
const golden = JSON.parse(readFileSync(GOLDEN, 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'cotk-states-'));

/** Runs the real command, as a user would, in the checkout. */
function cotk(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts/cotk.mjs'), ...args], { cwd: REPO_ROOT, input, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function withCase(edit: (c: Record<string, unknown>) => void, rewrite: (json: string) => string = (j) => j): string {
  const copy = structuredClone(golden);
  edit(copy.cases[2]);
  const p = join(dir, `case-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(p, rewrite(JSON.stringify(copy)));
  return p;
}

function compare(actual: unknown, expected: unknown, path: string): number {
  if (typeof expected === 'number') {
    expect(relErr(actual as number, expected), path).toBeLessThan(1e-6);
    return 1;
  }
  let n = 0;
  for (const [k, v] of Object.entries(expected as object)) n += compare((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
  return n;
}

describe('cotk states', () => {
  it('prints every golden number to 1e-6', () => {
    const r = cotk(['states', GOLDEN]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.cases).toHaveLength(golden.cases.length);
    let n = 0;
    golden.cases.forEach((c: { expected: object }, i: number) => (n += compare(out.cases[i], c.expected, `cases[${i}]`)));
    golden.metrics.forEach((m: { expected: object }, i: number) => (n += compare(out.metrics[i], m.expected, `metrics[${i}]`)));
    expect(n).toBeGreaterThan(200);
  });

  it('reads standard input with -', () => {
    const r = cotk(['states', '-'], readFileSync(GOLDEN, 'utf8'));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).cases[0].cotk.traceEnergy).toBeCloseTo(golden.cases[0].expected.cotk.traceEnergy, 10);
  });

  const bad: [string, string | (() => string), RegExp][] = [
    ['a missing key', () => withCase((c) => delete c.hidden), /case 2 \("case2"\): field "hidden": missing/],
    ['a wrong length', () => withCase((c) => (c.residual as number[]).pop()), /case 2 \("case2"\): field "residual": expected .* = 6·9·20 = 1080 numbers, got 1079/],
    ['a NaN written by Python', () => withCase((c) => ((c.logits as unknown[])[4] = 'NaN__'), (j) => j.replace('"NaN__"', 'NaN')), /case 2 \("case2"\): field "logits": element 4 is NaN, not a finite number/],
    ['an empty reasoning', () => withCase((c) => (c.reasoning = [3, 3])), /case 2 \("case2"\): field "reasoning": empty range \[3, 3\]/],
    ['an empty answer', () => withCase((c) => (c.answer = [9, 9])), /field "answer": empty range \[9, 9\].*--allow-empty-answer/],
    ['a target outside the vocabulary', () => withCase((c) => ((c.targets as number[])[0] = 999)), /field "targets": element 0 is 999, not a token id in \[0, 5\)/],
    ['a range outside the tokens', () => withCase((c) => (c.answer = [7, 99])), /field "answer": range \[7, 99\] is not inside the 9 tokens/],
    ['one label class only', () => {
      const copy = structuredClone(golden);
      copy.metrics[1].labels = copy.metrics[1].labels.map(() => 1);
      const p = join(dir, 'labels.json');
      writeFileSync(p, JSON.stringify(copy));
      return p;
    }, /metrics 1: field "labels": needs both classes/],
  ];

  for (const [what, make, message] of bad) {
    it(`rejects ${what} in one line naming the case and the field, exit 2`, () => {
      const path = typeof make === 'string' ? make : make();
      const r = cotk(['states', path]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    });
  }

  it('scores the reasoning alone when an empty answer is allowed', () => {
    const p = withCase((c) => {
      c.answer = [7, 7];
      c.logits = (c.logits as number[]).slice(0, 6 * 5);
      c.targets = (c.targets as number[]).slice(0, 6);
    });
    const r = cotk(['states', p, '--allow-empty-answer']);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.cases[2].answer).toBeNull();
    expect(out.cases[2].cotk.traceEnergy).toBeCloseTo(golden.cases[2].expected.cotk.traceEnergy, 10);
  });

  it('explains a missing file, bad JSON and an unknown command', () => {
    expect(cotk(['states', join(dir, 'nope.json')])).toMatchObject({ code: 2, stderr: expect.stringMatching(/cannot read .*nope\.json: no such file/) });
    const p = join(dir, 'broken.json');
    writeFileSync(p, '{"cases": [');
    expect(cotk(['states', p])).toMatchObject({ code: 2, stderr: expect.stringMatching(/broken\.json: not valid JSON/) });
    expect(cotk(['frobnicate'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command "frobnicate"/) });
    expect(cotk(['states'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/expected one FILE/) });
  });
});
