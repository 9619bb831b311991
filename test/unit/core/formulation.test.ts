import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cotkV1 } from '../../../src/core/scores/cotKinetics';
import { cotkV2, cotkV2FromTerms } from '../../../src/core/scores/cotkV2';
import { lensLogProbs } from '../../../src/core/scores/logitLens';
import { tokenLogitStats } from '../../../src/core/scores/logits';
import { REPO_ROOT, relErr } from '../../paths';

/** Golden vectors written by the project's float64 NumPy reference (scripts/reference/golden_formulation.py), not by this code. */
const golden = JSON.parse(readFileSync(resolve(REPO_ROOT, 'scripts/reference/out/formulation-golden.json'), 'utf8'));

interface Case {
  name: string;
  layers: number;
  tokens: number;
  dim: number;
  vocab: number;
  residual: number[];
  logits: number[];
  targets: number[];
  reasoning: [number, number];
  answer: [number, number];
  gamma: number;
  normWeight: number[];
  normEps: number;
  lmHead: number[];
  expected: {
    v2: { tokens: { kappa: number[]; surprisal: number[]; lagrangian: number[] }; kappaMean: number; barrier: number; score: number };
    v1: { traceEnergy: number; energy: number[] };
    lens: { lensHeight: number[][] };
  };
}

const close = (a: number, b: number, what: string) => expect(relErr(a, b), `${what}: ${a} vs ${b}`).toBeLessThan(1e-6);

describe('CoT-Kinetics v2 against the float64 reference', () => {
  (golden.cases as Case[]).forEach((c) => {
    it(`reproduces ${c.name}`, () => {
      const residual = { layers: c.layers, tokens: c.tokens, dim: c.dim, data: c.residual };
      const nr = c.reasoning[1] - c.reasoning[0];
      const surprisal = tokenLogitStats(c.logits, c.vocab, c.targets).slice(0, nr).map((t) => -t.logProb);
      const v2 = cotkV2(residual, c.reasoning, surprisal);
      const e = c.expected.v2;
      e.tokens.kappa.forEach((x, i) => close(v2.kappa[i], x, `kappa[${i}]`));
      e.tokens.surprisal.forEach((x, i) => close(v2.surprisal[i], x, `surprisal[${i}]`));
      e.tokens.lagrangian.forEach((x, i) => close(v2.lagrangian[i], x, `lagrangian[${i}]`));
      close(v2.kappaMean, e.kappaMean, 'kappaMean');
      close(v2.barrier, e.barrier, 'barrier');
      close(v2.energy, -e.score, 'energy = −score');
      close(cotkV1(residual, c.reasoning, c.gamma).traceEnergy, c.expected.v1.traceEnergy, 'v1 cross-check');
      // the logit lens: x = R[l] at the position before each output token
      const head = { normWeight: c.normWeight, normEps: c.normEps, lmHead: c.lmHead, dim: c.dim, vocab: c.vocab };
      const positions = [...Array(nr).keys()].map((i) => c.reasoning[0] + i).concat([...Array(c.answer[1] - c.answer[0]).keys()].map((i) => c.answer[0] + i));
      c.expected.lens.lensHeight.forEach((row, l) =>
        row.forEach((h, k) => {
          const lp = lensLogProbs(head, c.residual, (l * c.tokens + positions[k] - 1) * c.dim);
          close(-lp[c.targets[k]], h, `lens[${l}][${k}]`);
        }),
      );
    });
  });

  it('reads as an energy: lower when the barrier is lower or the motion larger', () => {
    const base = cotkV2FromTerms([0.5, 0.2], [0.1, 2]);
    expect(base.energy).toBeCloseTo(2 - 0.35, 12);
    expect(cotkV2FromTerms([0.5, 0.2], [0.1, 1]).energy).toBeLessThan(base.energy);
    expect(cotkV2FromTerms([0.9, 0.6], [0.1, 2]).energy).toBeLessThan(base.energy);
    expect(() => cotkV2FromTerms([], [])).toThrow(/at least one reasoning token/);
  });
});
