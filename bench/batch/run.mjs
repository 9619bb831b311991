// `node bench/batch/run.mjs [flags]`: runs bench/batch/run.ts under tsx (the CLI and the harness are TypeScript).
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const r = spawnSync(process.execPath, ['--import', 'tsx', resolve(here, 'run.ts'), ...process.argv.slice(2)], { stdio: 'inherit', cwd: resolve(here, '../..') });
process.exit(r.status ?? 1);
