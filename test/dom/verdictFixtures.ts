import { createFakeEngine, fakeReasoning } from '../../src/engine/fake';
import type { RunResult } from '../../src/engine/run';
import { fitProfile, profileKeyOf, v2Terms, type CalibrationProfile, type CalibrationRow, type ProfileKey } from '../../src/state/calibration';

/**
 * A calibration profile of the fake engine, fitted by the real core on labelled fake runs: its own
 * answers to arithmetic problems (label 1) and pasted traces that end in a wrong result (label 0),
 * so both labels and the features of each kind are in its data.
 */
export const PROBLEMS: readonly string[] = Array.from({ length: 24 }, (_, i) => `(${3 + i}+${7 + 2 * i})*${2 + (i % 5)}=?`);

function scoresOf(r: RunResult): Record<string, number | null> {
  return { ...r.scores, cotk: r.scores.cotkV2, ...v2Terms(r.detail.cotkV2) };
}

/** The fake's own trace for `prompt` with its final result off by `delta` (in the reasoning and the answer). */
export function wrongTrace(prompt: string, delta = 1): string {
  const own = fakeReasoning(prompt);
  const m = /(-?\d+)<\|im_end\|>$/.exec(own);
  if (!m) throw new Error(`no answer in ${own}`);
  const right = m[1];
  const wrong = String(Number(right) + delta);
  const lastStep = own.lastIndexOf(`=${right}\n</think>`);
  return `${own.slice(0, lastStep)}=${wrong}\n</think>\n\n${wrong}<|im_end|>`;
}

export interface FakeRows {
  readonly key: ProfileKey;
  readonly rows: CalibrationRow[];
}

export async function fakeRows(n = PROBLEMS.length): Promise<FakeRows> {
  const api = createFakeEngine({ delayMs: 0, batch: 1000 });
  const info = await api.load({ kind: 'bundled' });
  const rows: CalibrationRow[] = [];
  for (const [i, p] of PROBLEMS.slice(0, n).entries()) {
    const own = await api.generate(`g${i}`, p, {});
    rows.push({ id: `right-${i}`, label: 1, scores: scoresOf(own) });
    const bad = await api.score(`s${i}`, p, wrongTrace(p, 1 + (i % 3)), {});
    rows.push({ id: `wrong-${i}`, label: 0, scores: scoresOf(bad) });
  }
  return { key: profileKeyOf(info) as ProfileKey, rows };
}

export async function fakeProfile(overrides: Partial<{ key: ProfileKey; datasetName: string }> = {}): Promise<CalibrationProfile> {
  const { key, rows } = await fakeRows();
  return fitProfile(rows, { key: overrides.key ?? key, datasetName: overrides.datasetName ?? 'fake arithmetic', createdAt: '2026-01-01T00:00:00.000Z' });
}

/** Labelled traces as a batch JSONL file the batch view reads. */
export function batchFile(n: number): string {
  const lines: string[] = [];
  for (const [i, p] of PROBLEMS.slice(0, n).entries()) {
    lines.push(JSON.stringify({ id: `r${i}`, prompt: p, output: fakeReasoning(p), label: 1 }));
    lines.push(JSON.stringify({ id: `w${i}`, prompt: p, output: wrongTrace(p, 1 + (i % 3)), label: 0 }));
  }
  return `${lines.join('\n')}\n`;
}
