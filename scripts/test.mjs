// `npm test`: lint, type-check every project, build the app, make sure Debian's Chromium is there,
// then run every Vitest project (unit in Node, e2e in real Chromium), then check that
// docs/reliability.md lists the probes the tests recorded. Ends with one plain line
// "N passed, N failed" (lint and typecheck count as one check each) and a non-zero exit on failure.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureChromium } from './ensure-chromium.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (/** @type {string} */ name) => resolve(root, 'node_modules/.bin', name);
const extra = process.argv.slice(2); // e.g. a file filter passed through to vitest

/** @param {string} title @param {string} cmd @param {string[]} args */
function step(title, cmd, args) {
  console.log(`\n▶ ${title}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) console.error(`✗ ${title} failed (exit ${r.status ?? r.signal})`);
  return r.status === 0;
}

let passed = 0;
let failed = 0;
const count = (/** @type {boolean} */ ok) => (ok ? passed++ : failed++);

count(step('lint (eslint)', bin('eslint'), ['-c', 'scripts/eslint.config.mjs', '--max-warnings', '0', '.']));
count(step('typecheck (every tsconfig)', process.execPath, ['scripts/typecheck.mjs']));
const built = step('build (vite)', bin('vite'), ['build', '--logLevel', 'warn']);
count(built);
console.log('\n▶ browser (Debian chromium)');
const browser = ensureChromium();
count(browser);

const report = resolve(root, 'test-results/vitest.json');
mkdirSync(dirname(report), { recursive: true });
const projects = built && browser ? [] : ['--project', 'unit', '--project', 'dom'];
if (projects.length) console.error('✗ skipping the browser tests: the build or the browser is missing (see above)');
// The reliability catalogue is built from the probes this run records: start from none.
rmSync(resolve(root, 'test-results/reliability'), { recursive: true, force: true });
step('tests (vitest)', bin('vitest'), ['run', ...projects, '--reporter=default', '--reporter=json', `--outputFile=${report}`, ...extra]);
try {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests + (r.numTotalTestSuites > 0 && r.success === false && r.numFailedTests === 0 ? 1 : 0);
  console.log(`\nvitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
} catch (e) {
  console.error(`✗ no vitest report (${e instanceof Error ? e.message : String(e)})`);
  failed++;
}
// After a full run (every project, no filter), docs/reliability.md is compared with the probes the
// tests recorded: a listed probe no test records any more (or whose outcome changed) or a probe that
// lost data fails here; a new probe not listed yet is a warning until `node scripts/reliability.mjs`
// re-renders the catalogue and it is committed.
if (projects.length === 0 && extra.length === 0) count(step('reliability catalogue (docs/reliability.md)', process.execPath, ['scripts/reliability.mjs', '--check']));
else console.log('\n(reliability catalogue not checked: only a full run records every probe)');
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
