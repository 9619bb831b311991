// Type-checks every TypeScript project of the repo; each boundary has its own lib settings.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const projects = ['tsconfig.json', 'src/core/tsconfig.json', 'workers/tsconfig.json', 'test/tsconfig.json'];
let failed = 0;
for (const p of projects) {
  const dir = dirname(p);
  if (dir !== '.' && !readdirSync(dir, { recursive: true }).some((f) => /\.tsx?$/.test(String(f)))) {
    console.log(`typecheck: ${p}: no sources yet, skipped`);
    continue;
  }
  const r = spawnSync(process.execPath, [tsc, '-p', p], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`typecheck: ${p} failed`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
