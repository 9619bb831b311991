import { describe, it } from 'vitest';
import { recordProbe } from '../reliability';
import { fuzz, TARGETS } from '../fuzz/targets';

/**
 * Property tests with a fixed seed over every parser and validator a user's text reaches: each
 * returns a value or refuses with the project's own error and a sentence (test/fuzz/targets.ts).
 * bench/fuzz/run.ts runs the same targets longer, with fresh seeds.
 */
const SEED = 14;
const RUNS = 300;

describe('fuzzing the parsers (fixed seed)', () => {
  for (const t of TARGETS) {
    it(`${t.name}: ${RUNS} inputs, never a TypeError, RangeError or hang`, { timeout: 120_000 }, () => {
      fuzz(t, { seed: SEED, numRuns: RUNS });
      recordProbe({ area: 'fuzzing (fixed seed)', input: `${t.name}: ${RUNS} generated and mutated inputs`, outcome: 'handled', kept: 'nothing lost: each input parsed or refused with a sentence' });
    });
  }
});
