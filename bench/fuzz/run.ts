// The longer fuzz run of issue 14: the same targets as test/unit/fuzz.test.ts (test/fuzz/targets.ts),
// with many more inputs and a fresh seed per round. `npx tsx bench/fuzz/run.ts [runsPerTarget] [rounds] [seed]`.
// A failure prints fast-check's report (seed, path, shrunk input): make it a regression test, then fix it.
import { fuzz, TARGETS } from '../../test/fuzz/targets';

const runs = Number(process.argv[2] ?? 5000);
const rounds = Number(process.argv[3] ?? 3);
const base = Number(process.argv[4] ?? Date.now() % 1_000_000);
let failed = 0;
let inputs = 0;
const t0 = performance.now();
for (let r = 0; r < rounds; r++) {
  for (const t of TARGETS) {
    const seed = base + r * 101 + TARGETS.indexOf(t);
    const t1 = performance.now();
    try {
      fuzz(t, { seed, numRuns: runs });
      inputs += runs;
      console.log(`ok    ${t.name}: ${runs} inputs, seed ${seed}, ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    } catch (e) {
      failed++;
      console.log(`FAIL  ${t.name}, seed ${seed}:\n${(e as Error).message}`);
    }
  }
}
console.log(`${inputs} inputs over ${TARGETS.length} targets × ${rounds} round(s) in ${((performance.now() - t0) / 1000).toFixed(0)} s (${new Date().toISOString().slice(0, 10)}); ${failed} failure(s)`);
process.exit(failed ? 1 : 0);
