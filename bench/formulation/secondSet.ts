/**
 * The second labelled set of issue 12 (item 5): arithmetic prompts in a different mix from the
 * testbed's, for `cotk batch --generate` to answer and grade. The testbed (fixtures/tiny-reasoner/
 * testbed.json) is half problems like the training data (1–5 operations, operands below 100, all
 * right) and half with larger results (about 18 % right). This set is four strata of 100:
 *   long   6–7 operations on operands below 40 (more steps than the model was trained on);
 *   big    1–3 operations on three-digit operands (larger numbers than it was trained on);
 *   mul    2–5 operations with ×2…×9 on operands below 100 (large intermediate results);
 *   small  1–3 additions and subtractions on operands below 100 (new problems of the easy kind).
 * Deterministic (seeded PRNG).
 *
 *   npx tsx bench/formulation/secondSet.ts   # writes bench/formulation/data/second-prompts.jsonl
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createRng as rng } from '../../src/engine/sample';
import { REPO_ROOT } from '../../test/paths';

export const SECOND_PROMPTS = resolve(REPO_ROOT, 'bench/formulation/data/second-prompts.jsonl');
export const SECOND_TRACES = resolve(REPO_ROOT, 'bench/formulation/data/second-traces.jsonl');

interface Prompt {
  readonly id: string;
  readonly prompt: string;
  readonly expected: number;
}

/** A left-nested chain as the testbed writes them: ((a op b) op c) op d. */
function chain(r: () => number, steps: number, maxOperand: number, ops: readonly string[]): { expr: string; value: number } {
  const int = (n: number): number => Math.floor(r() * n);
  let expr = String(int(maxOperand));
  let value = Number(expr);
  for (let s = 0; s < steps; s++) {
    const op = ops[int(ops.length)];
    // keep products small enough to stay an arithmetic problem, not a big-number one
    const b = op === '*' ? 2 + int(9) : int(maxOperand);
    expr = s === 0 ? `${expr}${op}${b}` : `(${expr})${op}${b}`;
    value = op === '+' ? value + b : op === '-' ? value - b : value * b;
  }
  return { expr, value };
}

export function secondSet(): Prompt[] {
  const r = rng(12);
  const out: Prompt[] = [];
  const strata: readonly [string, number, number, number, readonly string[]][] = [
    ['long', 6, 2, 40, ['+', '-', '+', '-', '*']],
    ['big', 1, 3, 1000, ['+', '-', '*']],
    ['mul', 2, 4, 100, ['+', '-', '*', '*']],
    ['small', 1, 3, 100, ['+', '-']],
  ];
  for (const [name, minSteps, spread, maxOperand, ops] of strata) {
    for (let i = 0; i < 100; i++) {
      const { expr, value } = chain(r, minSteps + Math.floor(r() * spread), maxOperand, ops);
      out.push({ id: `${name}-${i}`, prompt: `${expr}=?`, expected: value });
    }
  }
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(REPO_ROOT, 'bench/formulation/secondSet.ts')) {
  writeFileSync(SECOND_PROMPTS, secondSet().map((p) => JSON.stringify(p)).join('\n') + '\n');
  console.log(`wrote ${SECOND_PROMPTS}`);
}
