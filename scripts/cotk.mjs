#!/usr/bin/env node
// The `cotk` command. It runs the TypeScript sources directly (through tsx), so the CLI and the app
// share one copy of the scoring and engine code with no build step in between.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });
