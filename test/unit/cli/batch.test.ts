import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBatchLine } from '../../../src/cli/batch';
import { relErr, sharedPath } from '../../paths';
import { BUNDLED, referenceScores, testbedTraces } from '../engine/helpers';
import { cotkChild, cotkInProcess } from './cliHarness';

const dir = mkdtempSync(join(tmpdir(), 'cotk-batch-'));
const MODEL = ['--model', BUNDLED, '--variant', 'fp32-cpu'];

/** testbed.json in the batch input format: user message `expr + "=?"`, output `text`. */
function testbedJsonl(): string {
  return testbedTraces()
    .map((t) => JSON.stringify({ id: t.id, prompt: `${t.expr}=?`, output: t.text, label: t.correct ? 1 : 0 }))
    .join('\n');
}

describe('cotk batch', () => {
  it('reproduces every reference score of the 800 testbed traces to 2e-3 relative', async () => {
    const inPath = join(dir, 'traces.jsonl');
    const outPath = join(dir, 'scores.jsonl');
    writeFileSync(inPath, `${testbedJsonl()}\n`);
    const t0 = performance.now();
    const r = await cotkInProcess(['batch', ...MODEL, '--in', inPath, '--out', outPath]);
    const secs = (performance.now() - t0) / 1000;
    expect(r.stderr).toMatch(/^cotk batch: scored 800 trace\(s\) in [\d.]+ s\ncotk batch: metrics on 800 labelled trace\(s\), accuracy 0\.5925;/);
    expect(r.code).toBe(0);
    // the metrics line (the only stdout line, as --out is a file) reproduces every baseline's reference AUROC
    const ref = JSON.parse(readFileSync(sharedPath('fixtures/tiny-reasoner/testbed.json'), 'utf8')) as { accuracy: number; metrics: Record<string, { auroc: number; aupr: number; fpr95: number; n: number }> };
    const stdoutLines = r.stdout.trim().split('\n');
    expect(stdoutLines).toHaveLength(1);
    const m = JSON.parse(stdoutLines[0]);
    expect(m.n).toBe(800);
    expect(m.accuracy).toBeCloseTo(ref.accuracy, 10);
    // every scorer, cotk, and the verdict of the bundled calibration profile (picked up from the model folder)
    expect(Object.keys(m.metrics)).toEqual(['cotkV2', 'cotkEnergy', 'coeR', 'coeC', 'perplexity', 'meanEntropy', 'selfCertainty', 'maxProb', 'answerConfidence', 'cotk', 'verdict']);
    expect(m.metrics.cotk).toEqual(m.metrics.cotkV2);
    for (const [k, want] of Object.entries(ref.metrics)) {
      expect(Math.abs(m.metrics[k].auroc - want.auroc), `${k} AUROC ${m.metrics[k].auroc} vs ${want.auroc}`).toBeLessThan(0.005);
      expect(Math.abs(m.metrics[k].aupr - want.aupr), `${k} AUPR`).toBeLessThan(0.005);
      expect(m.metrics[k].n).toBe(want.n);
      expect(m.metrics[k].undefined).toBe(0);
    }
    console.log(`cotk batch metrics, AUROC: ${Object.entries(m.metrics).map(([k, v]) => `${k} ${(v as { auroc: number }).auroc.toFixed(4)}`).join(', ')}`);
    const rows = readFileSync(outPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const traces = testbedTraces();
    expect(rows.map((x) => x.id)).toEqual(traces.map((t) => t.id));
    const worst: Record<string, number> = {};
    rows.forEach((row, i) => {
      const ref = referenceScores(traces[i]);
      // the testbed's eight reference scores, plus v2, its two terms, `cotk` (the default formulation's value) and the verdict
      expect(Object.keys(row.scores).sort()).toEqual([...Object.keys(ref), 'cotkV2', 'cotkV2Barrier', 'cotkV2Kappa', 'cotk', 'verdict'].sort());
      expect(row.scores.verdict).toBeGreaterThanOrEqual(0);
      expect(row.scores.verdict).toBeLessThanOrEqual(1);
      expect(row.scores.cotk).toBe(row.scores.cotkV2);
      for (const [k, v] of Object.entries(ref)) {
        const e = relErr(row.scores[k], v);
        worst[k] = Math.max(worst[k] ?? 0, e);
        expect(e, `trace ${traces[i].id} ${k}: ${row.scores[k]} vs ${v}`).toBeLessThan(2e-3);
      }
    });
    console.log(`cotk batch, 800 traces in ${secs.toFixed(1)} s; max relative error per score: ${JSON.stringify(Object.fromEntries(Object.entries(worst).map(([k, v]) => [k, Number(v.toExponential(2))])))}`);
  });

  it('reports a bad line with its number, skips it, keeps the order and exits 2', () => {
    const t = testbedTraces();
    const lines = [
      JSON.stringify({ id: 'a', prompt: `${t[0].expr}=?`, output: t[0].text }),
      '{"id": "b", "prompt": ',
      '',
      JSON.stringify({ id: 'c', prompt: '1+1=?' }),
      JSON.stringify({ id: 'd', prompt: '1+1=?', output: '9'.repeat(300) }),
      JSON.stringify({ id: 'e', prompt: '5+5=?', output: 'no think tag, no answer' }),
      JSON.stringify({ id: 'f', prompt: `${t[1].expr}=?`, output: t[1].text, label: 1 }),
    ];
    const r = cotkChild(['batch', ...MODEL, '--in', '-', '--out', '-'], lines.join('\n'));
    expect(r.code).toBe(2);
    const err = r.stderr.trim().split('\n');
    expect(err[0]).toMatch(/^cotk batch: line 2: not valid JSON/);
    expect(err[1]).toBe('cotk batch: line 4: "output" must be a string, got nothing (skipped)');
    expect(err[2]).toMatch(/^cotk batch: line 5: the prompt \(24 tokens\) plus the output \(300 tokens\) is 324 tokens, more than the model's context of 256; shorten the prompt, or keep the output to at most 232 tokens\. \(skipped\)$/);
    expect(err[3]).toMatch(/scored 3 trace\(s\) in [\d.]+ s, skipped 3 bad line\(s\)$/);
    expect(err[4]).toBe('cotk batch: 2 of 3 scored trace(s) have no label: metrics omitted');
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(out.map((o) => o.id)).toEqual(['a', 'e', 'f']);
    // No <think> and no </think>: all reasoning, no answer, so answer confidence is null.
    expect(out[1].scores.answerConfidence).toBeNull();
    expect(out[1].scores.cotkEnergy).toEqual(expect.any(Number));
    expect(relErr(out[0].scores.perplexity, t[0].output.perplexity)).toBeLessThan(2e-3);
  });

  it('validates each line in words', () => {
    expect(parseBatchLine('[1]', 1)).toBe('expected a JSON object {"id", "prompt", "output"}');
    expect(parseBatchLine('{"prompt":"x","output":"y"}', 1)).toBe('missing "id"');
    expect(parseBatchLine('{"id":1,"prompt":2,"output":"y"}', 1)).toBe('"prompt" must be a string, got 2');
    expect(parseBatchLine('{"id":1,"prompt":"x","output":"y","label":"yes"}', 1)).toBe('"label" must be 0 or 1, got "yes"');
    expect(parseBatchLine('{"id":null,"prompt":"x","output":"y","label":true}', 7)).toEqual({ line: 7, id: null, prompt: 'x', output: 'y', label: 1 });
    expect(parseBatchLine('{"id":1,"prompt":"x","output":"y","label":null}', 2)).toEqual({ line: 2, id: 1, prompt: 'x', output: 'y' });
  });

  it('one-line errors with exit 2 for a bad model folder or missing options', async () => {
    const bad = await cotkInProcess(['batch', '--model', dir, '--in', '-', '--out', '-'], '{"id":1,"prompt":"1+1=?","output":"2"}\n');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^cotk batch: cotk-batch-\w+ is not a model folder this app can read: found .*\n$/);
    const noIn = await cotkInProcess(['batch', ...MODEL]);
    expect(noIn.code).toBe(2);
    expect(noIn.stderr.split('\n')[0]).toBe('cotk batch: --in FILE and --out FILE are required');
  });
});
