import { execFileSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { REPO_ROOT } from '../paths';

export interface CliMetrics {
  readonly metrics: Record<string, { auroc: number | null; aupr: number | null; fpr95: number | null; n: number }>;
}

/** `cotk batch` on a trace file with the bundled model: its last stdout line, the metrics object. */
export function cliMetrics(file: string): CliMetrics {
  const out = execFileSync('node', ['scripts/cotk.mjs', 'batch', '--model', 'public/models/tiny-reasoner', '--in', file, '--out', '-'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const lines = out.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as CliMetrics;
}

/** Waits for the bundled model, opens the Batch tab and picks `file` there. */
export async function openBatchFile(page: Page, file: string): Promise<void> {
  await page.waitForSelector('[data-testid="engine-status"]:text("ready")', { timeout: 180_000 });
  await page.getByRole('tab', { name: 'Batch' }).click();
  await page.setInputFiles('#batch-file', file);
}
