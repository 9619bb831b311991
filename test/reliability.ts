// One row of the bad-input and fault catalogue (docs/reliability.md). Tests call recordProbe() next
// to the assertions that prove the outcome; scripts/reliability.mjs renders every recorded row into
// docs/reliability.md, so the catalogue is generated from what the tests saw, never kept by hand.
import { appendFileSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect } from 'vitest';
import { REPO_ROOT } from './paths';

export const PROBE_DIR = resolve(REPO_ROOT, 'test-results/reliability');

export type ProbeOutcome =
  /** Refused before anything changed, with a sentence that names the problem. */
  | 'refused with a sentence'
  /** Accepted and handled correctly (e.g. repaired, skipped with a note, rendered safely). */
  | 'handled'
  /** A fault mid-run: noticed, reported, and work resumed or continued. */
  | 'recovered';

export interface Probe {
  /** The input path or fault surface, e.g. "cotk batch --resume", "run-file import", "worker". */
  readonly area: string;
  /** What was fed in or injected, in a few words. */
  readonly input: string;
  readonly outcome: ProbeOutcome;
  /** The sentence the user saw, when there was one (first line only). */
  readonly said?: string;
  /** What the user kept (data, run, drafts, history …); "nothing to keep" where nothing existed. */
  readonly kept: string;
}

/** Appends the probe to this process's file under test-results/reliability (one JSON line). */
export function recordProbe(p: Probe): void {
  mkdirSync(PROBE_DIR, { recursive: true });
  const test = expect.getState();
  const row = {
    ...p,
    said: p.said?.split('\n')[0],
    test: test.testPath ? test.testPath.slice(REPO_ROOT.length + 1) : undefined,
    name: test.currentTestName,
  };
  appendFileSync(resolve(PROBE_DIR, `probes-${process.pid}.jsonl`), `${JSON.stringify(row)}\n`);
}
