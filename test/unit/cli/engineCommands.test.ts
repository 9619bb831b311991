import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, relErr, sharedPath } from '../../paths';
import { BUNDLED, referenceScores, testbedTraces } from '../engine/helpers';
import { cotkChild, cotkInProcess } from './cliHarness';

const dir = mkdtempSync(join(tmpdir(), 'cotk-engine-cli-'));
const MODEL = ['--model', BUNDLED];
const REF = JSON.parse(readFileSync(sharedPath('fixtures/tiny-reasoner/reference-states.json'), 'utf8')) as { ids: number[] }[];

describe('cotk capture → cotk states', () => {
  it('writes --ids states that cotk states scores like the testbed reference', async () => {
    const out = join(dir, 'states.json');
    const ids = REF[0].ids;
    const cap = await cotkInProcess(['capture', ...MODEL, '--ids', ids.join(','), '--out', out]);
    expect(cap.stderr).toBe('');
    expect(cap.code).toBe(0);
    const file = JSON.parse(readFileSync(out, 'utf8'));
    expect(file.cases[0]).toMatchObject({ layers: 8, tokens: ids.length, dim: 160, vocab: 86, reasoning: [26, 36], answer: [37, 42] });
    // The real command, as a user runs it, on the file capture wrote.
    const scored = cotkChild(['states', out]);
    expect(scored.stderr).toBe('');
    const c = JSON.parse(scored.stdout).cases[0];
    const t = testbedTraces().find((x) => x.text.length > 0 && x.reasoning[0] === 26 && x.promptTokens === 25 && x.id === 0);
    expect(t).toBeDefined();
    const ref = referenceScores(t!);
    expect(relErr(c.cotk.traceEnergy, ref.cotkEnergy)).toBeLessThan(2e-3);
    expect(relErr(c.coe.coeC, ref.coeC)).toBeLessThan(2e-3);
    expect(relErr(c.answer.geoMeanProb, ref.answerConfidence)).toBeLessThan(2e-3);
  });

  it('takes --prompt and --output text the same way', async () => {
    const t = testbedTraces()[0];
    const a = await cotkInProcess(['capture', ...MODEL, '--prompt', `${t.expr}=?`, '--output', t.text]);
    const b = await cotkInProcess(['capture', ...MODEL, '--ids', REF[0].ids.join(',')]);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
  });

  it('refuses bad ids and half-given text in one line', async () => {
    const r = await cotkInProcess(['capture', ...MODEL, '--ids', '1,x,3']);
    expect([r.code, r.stderr]).toEqual([2, 'cotk capture: --ids must be comma-separated token ids; item 2 is "x"\n']);
    const h = await cotkInProcess(['capture', ...MODEL, '--prompt', '1+1=?']);
    expect(h.code).toBe(2);
    expect(h.stderr.split('\n')[0]).toBe('cotk capture: give either --ids, or --prompt with --output');
  });
});

describe('cotk generate', () => {
  it('streams the reasoning and the answer, then the scores', () => {
    const t = testbedTraces()[450];
    const r = cotkChild(['generate', ...MODEL, '--prompt', `${t.expr}=?`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith(t.text.replace('<|im_end|>', ''))).toBe(true);
    expect(r.stdout).toMatch(/stop: eos after \d+ tokens/);
    expect(r.stdout).toMatch(/cotkEnergy +\d\.\d{4} +CoT-Kinetics energy \(v1 formulation\) \(lower-is-correct\)/);
    expect(r.stdout).toMatch(/answerConfidence +\d\.\d{4}/);
  });

  it('prints one JSON object with --json, and refuses a context overflow with the numbers', async () => {
    const j = await cotkInProcess(['generate', ...MODEL, '--prompt', '12+7=?', '--json', '--temperature', '0.7', '--seed', '3', '--max-tokens', '40']);
    expect(j.code).toBe(0);
    const o = JSON.parse(j.stdout);
    expect(o.outputTokens).toBeLessThanOrEqual(40);
    // v2's two terms, and the verdict of the bundled calibration profile (found in the model folder)
    expect(Object.keys(o.scores).sort()).toEqual(['answerConfidence', 'coeC', 'coeR', 'cotk', 'cotkEnergy', 'cotkV2', 'cotkV2Barrier', 'cotkV2Kappa', 'maxProb', 'meanEntropy', 'perplexity', 'selfCertainty', 'verdict']);
    expect(o.scores.verdict).toBeGreaterThanOrEqual(0);
    expect(o.scores.verdict).toBeLessThanOrEqual(1);
    const over = await cotkInProcess(['generate', ...MODEL, '--prompt', '12+7=?', '--max-tokens', '500']);
    expect(over.code).toBe(2);
    expect(over.stderr).toBe(
      "cotk generate: the prompt (25 tokens) plus the maximum output (500 tokens) is 525 tokens, more than the model's context of 256; shorten the prompt, or keep the maximum output to at most 231 tokens.\n",
    );
    const badT = await cotkInProcess(['generate', ...MODEL, '--prompt', 'x', '--top-p', '2']);
    expect([badT.code, badT.stderr]).toEqual([2, 'cotk generate: --top-p must be a number in (0, 1], got "2"\n']);
    const badV = await cotkInProcess(['generate', ...MODEL, '--variant', 'q9', '--prompt', 'x']);
    expect(badV.stderr).toBe('cotk generate: tiny-reasoner has no variant "q9"; pick one of: fp16-webgpu, fp32-cpu, int4-cpu, int4-webgpu.\n');
  });
});

describe('bad model folders through the CLI', () => {
  it('names the truncated graph, the missing tokenizer, and what was found in an unknown folder', async () => {
    const m = join(dir, 'broken');
    cpSync(join(BUNDLED, 'fp32-cpu'), m, { recursive: true });
    const graph = readFileSync(join(m, 'model.onnx'));
    writeFileSync(join(m, 'model.onnx'), graph.subarray(0, graph.length - 5000));
    const cut = await cotkInProcess(['generate', '--model', m, '--prompt', '1+1=?']);
    expect(cut.code).toBe(2);
    expect(cut.stderr).toMatch(/^cotk generate: broken: model\.onnx is truncated or corrupt \(.*\); download or copy it again\.\n$/);
    writeFileSync(join(m, 'model.onnx'), graph);
    rmSync(join(m, 'tokenizer.json'));
    const noTok = await cotkInProcess(['generate', '--model', m, '--prompt', '1+1=?']);
    expect(noTok.stderr).toMatch(/^cotk generate: broken has no tokenizer\.json: /);
    const unknown = await cotkInProcess(['capture', '--model', join(REPO_ROOT, 'docs'), '--ids', '1,2']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^cotk capture: docs is not a model folder this app can read: found .*method\.md/);
  });
});
