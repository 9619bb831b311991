import { readFileSync } from 'node:fs';
import { sharedPath } from './paths';

/** One trace of the tiny-reasoner's labelled testbed (fixtures/tiny-reasoner/testbed.json; its README says what each field is). */
export interface TestbedTrace {
  id: number;
  expr: string;
  /** The true value of `expr`. */
  truth: number;
  text: string;
  correct: boolean;
  promptTokens: number;
  reasoning: [number, number];
  answer: [number, number];
  cotkEnergy: number;
  coe: { coeR: number; coeC: number };
  output: { perplexity: number; meanEntropy: number; selfCertainty: number; maxProb: number };
  answerConfidence: number;
}

let testbed: TestbedTrace[] | null = null;

/** The 800 testbed traces, read once. */
export function testbedTraces(): TestbedTrace[] {
  testbed ??= (JSON.parse(readFileSync(sharedPath('fixtures/tiny-reasoner/testbed.json'), 'utf8')) as { traces: TestbedTrace[] }).traces;
  return testbed;
}
