import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED, testbedTraces, type TestbedTrace } from '../engine/helpers';
import { cotkChild, cotkInProcess } from './cliHarness';

const dir = mkdtempSync(join(tmpdir(), 'cotk-generate-'));
const MODEL = ['--model', BUNDLED, '--variant', 'fp32-cpu'];

/** 40 testbed problems, every 20th: 20 like the training data (all right), 20 with larger numbers. */
function problems(): TestbedTrace[] {
  return testbedTraces().filter((_, i) => i % 20 === 0);
}

/** The prompt set: user message `expr + "=?"`, expected answer the truth (a JSON number). */
function promptSet(ps = problems()): string {
  return ps.map((t) => `${JSON.stringify({ id: t.id, prompt: `${t.expr}=?`, expected: t.truth })}\n`).join('');
}

const csvField = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
const rowsOf = (text: string): Record<string, unknown>[] => text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

const IN = join(dir, 'prompts.jsonl');
const OUT = join(dir, 'generated.jsonl');
let one: { code: number; stdout: string; stderr: string };
let oneFile = '';
let oneSecs = 0;

beforeAll(async () => {
  writeFileSync(IN, promptSet());
  const t0 = performance.now();
  one = await cotkInProcess(['batch', ...MODEL, '--generate', '--in', IN, '--out', OUT]);
  oneSecs = (performance.now() - t0) / 1000;
  oneFile = readFileSync(OUT, 'utf8');
}, 120_000); // generous: the shared CI machine may be loaded

describe('cotk batch --generate', () => {
  it('answers 40 testbed prompts exactly as the testbed did and grades them as the testbed labels them', () => {
    expect(one.code).toBe(0);
    const ps = problems();
    expect(new Set(ps.map((t) => t.correct))).toEqual(new Set([true, false]));
    const rows = rowsOf(oneFile);
    expect(rows).toHaveLength(40);
    rows.forEach((r, i) => {
      const t = ps[i];
      expect(Object.keys(r)).toEqual(['id', 'line', 'prompt', 'expected', 'output', 'answer', 'label', 'stop', 'scores', 'by']);
      expect(r.id).toBe(t.id);
      expect(r.line).toBe(i + 1);
      expect(r.prompt).toBe(`${t.expr}=?`);
      expect(r.expected).toBe(String(t.truth));
      expect(r.output, `id ${t.id}`).toBe(t.text);
      expect(r.label, `id ${t.id}: answer ${String(r.answer)}, expected ${t.truth}`).toBe(t.correct ? 1 : 0);
      expect(r.stop).toBe('eos');
      expect((r.scores as Record<string, number>).cotk).toBe((r.scores as Record<string, number>).cotkV2);
    });
    const right = ps.filter((t) => t.correct).length;
    // stdout: the metrics line with the accuracy of grading
    const m = JSON.parse(one.stdout.trim()) as { accuracy: number; n: number; metrics: Record<string, { auroc: number }> };
    expect(m.n).toBe(40);
    expect(m.accuracy).toBe(right / 40);
    expect(Object.keys(m.metrics)).toContain('perplexity');
    expect(one.stderr).toMatch(/^cotk batch: generated, graded and scored 40 trace\(s\) in [\d.]+ s\n/);
    expect(one.stderr).toContain(`cotk batch: accuracy ${(right / 40).toFixed(4)}: ${right} of 40 answer(s) equal the expected one`);
    console.log(`cotk batch --generate: 40 prompts in ${oneSecs.toFixed(1)} s (engine load included), accuracy ${m.accuracy}`);
  });

  it('writes a labelled trace file that cotk batch scores again to the same scores and metrics', async () => {
    const again = join(dir, 'rescored.jsonl');
    const r = await cotkInProcess(['batch', ...MODEL, '--in', OUT, '--out', again]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^cotk batch: scored 40 trace\(s\)/); // scored as traces, not generated
    const gen = rowsOf(oneFile);
    const tf = rowsOf(readFileSync(again, 'utf8'));
    expect(tf.map((x) => [x.id, x.label])).toEqual(gen.map((x) => [x.id, x.label]));
    let worst = 0;
    tf.forEach((x, i) => {
      const a = gen[i].scores as Record<string, number | null>;
      const b = x.scores as Record<string, number | null>;
      expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
      for (const k of Object.keys(a)) {
        const [u, v] = [a[k], b[k]];
        if (u === null || v === null) {
          expect(u, `${String(x.id)} ${k}`).toBe(v);
          continue;
        }
        // generation (one step at a time, KV cache) against teacher forcing (one prefill): float32 rounding only
        const e = Math.abs(u - v);
        worst = Math.max(worst, e / Math.max(Math.abs(v), 1e-4));
        expect(e, `${String(x.id)} ${k}: generated ${u}, teacher-forced ${v}`).toBeLessThan(1e-4 * Math.abs(v) + 1e-8);
      }
    });
    const mg = JSON.parse(one.stdout) as { metrics: Record<string, { auroc: number }> };
    const mt = JSON.parse(r.stdout) as { metrics: Record<string, { auroc: number }> };
    for (const k of Object.keys(mg.metrics)) expect(Math.abs(mt.metrics[k].auroc - mg.metrics[k].auroc), k).toBeLessThan(1e-9);
    console.log(`generated vs teacher-forced scores: worst relative difference ${worst.toExponential(2)}`);
  });

  it('by itself on a prompt set (said on stderr); from CSV; the same file as one run', async () => {
    const ps = problems().slice(0, 6);
    const auto = await cotkInProcess(['batch', ...MODEL, '--in', '-', '--out', '-'], promptSet(ps));
    expect(auto.code).toBe(0);
    expect(auto.stderr.split('\n')[0]).toBe('cotk batch: standard input is a prompt set ({"id", "prompt", "expected"}): generating an answer to each prompt and grading it (generate mode)');
    const lines = auto.stdout.trim().split('\n');
    // the same lines as the first six of the 40-prompt run, but for "by" (it counts this input's 6 records, not 40)
    const noBy = (l: string): string => JSON.stringify({ ...JSON.parse(l), by: undefined });
    expect(lines.slice(0, 6).map(noBy)).toEqual(oneFile.split('\n').slice(0, 6).map(noBy));
    expect(JSON.parse(lines[0]).by).toEqual({ ...JSON.parse(oneFile.split('\n')[0]).by, records: 6 });
    // these six are all right: metrics need both labels, yet the last line still gives the accuracy
    expect(JSON.parse(lines[6])).toEqual({ metrics: {}, accuracy: 1, n: 6, formulation: 'v2', note: 'every scored trace has label 1: metrics need both labels, omitted' });
    // cotk merge of such a file ends with the same line
    const six = join(dir, 'six.jsonl');
    writeFileSync(six, auto.stdout);
    const merged = await cotkInProcess(['merge', '-', six]);
    expect(merged.code).toBe(0);
    expect(merged.stdout).toBe(auto.stdout);
    expect(merged.stderr).toContain('cotk merge: accuracy 1.0000: 6 of 6 answer(s) equal the expected one');
    const csv = `id,prompt,expected\r\n${ps.map((t) => [String(t.id), `${t.expr}=?`, String(t.truth)].map(csvField).join(',')).join('\r\n')}\r\n`;
    const csvPath = join(dir, 'prompts.csv');
    writeFileSync(csvPath, csv);
    const c = await cotkInProcess(['batch', ...MODEL, '--generate', '--in', csvPath, '--out', '-']);
    expect(c.code).toBe(0);
    const crow = rowsOf(c.stdout).slice(0, 6);
    expect(crow.map((r) => r.output)).toEqual(ps.map((t) => t.text));
    expect(crow.map((r) => r.id)).toEqual(ps.map((t) => String(t.id)));
    expect(crow.map((r) => r.line)).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it('--shard + cotk merge and --resume give the file of one run', async () => {
    const s0 = join(dir, 's0.jsonl');
    const s1 = join(dir, 's1.jsonl');
    expect((await cotkInProcess(['batch', ...MODEL, '--generate', '--in', IN, '--out', s0, '--shard', '0/2'])).code).toBe(0);
    // the other shard to stdout: its metrics line comes last and merge leaves it out
    const r1 = await cotkInProcess(['batch', ...MODEL, '--generate', '--in', IN, '--out', '-', '--shard', '1/2']);
    expect(r1.code).toBe(0);
    writeFileSync(s1, r1.stdout);
    const merged = join(dir, 'merged.jsonl');
    // the shards carry the bundled profile's verdict; merge gets the profile for every scorer's ece and brier
    const m = await cotkInProcess(['merge', merged, s1, s0, '--calibration', join(BUNDLED, 'fp32-cpu/calibration.json')]);
    expect(m.code).toBe(0);
    expect(readFileSync(merged, 'utf8')).toBe(oneFile);
    expect(m.stdout).toBe(one.stdout);

    const part = join(dir, 'part.jsonl');
    const lines = oneFile.split('\n');
    writeFileSync(part, `${lines.slice(0, 17).join('\n')}\n${lines[17].slice(0, 60)}`);
    const res = await cotkInProcess(['batch', ...MODEL, '--generate', '--in', IN, '--out', part, '--resume']);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/^cotk batch: resuming: 17 trace\(s\) already in .*part\.jsonl, 23 record\(s\) to go\ncotk batch: generated, graded and scored 23 trace\(s\)/);
    expect(readFileSync(part, 'utf8')).toBe(oneFile);
    expect(res.stdout).toBe(one.stdout);
    // resuming generate mode into a file of scored traces (or the reverse) is refused
    const scored = join(dir, 'scored.jsonl');
    writeFileSync(scored, `${JSON.stringify({ id: 0, line: 1, scores: {} })}\n`);
    const mixed = await cotkInProcess(['batch', ...MODEL, '--generate', '--in', IN, '--out', scored, '--resume']);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/^cotk batch: cannot resume from .*scored\.jsonl: its line for input line 1 was written by scoring finished traces, and this run generates answers to prompts\n$/);
  });

  it('bad input: lines without expected and other bad lines by number, a trace file, flags out of place', async () => {
    const ps = problems();
    const lines = [
      JSON.stringify({ id: 'a', prompt: `${ps[0].expr}=?`, expected: ps[0].truth }),
      JSON.stringify({ id: 'b', prompt: '1+1=?' }),
      '{"id": "c", ',
      JSON.stringify({ id: 'd', prompt: '1+1=?', expected: null }),
      JSON.stringify({ id: 'e', prompt: '9'.repeat(300), expected: '1' }),
      JSON.stringify({ id: 'f', prompt: '1+1=?', expected: '2', output: '<think>\n1+1=2\n</think>\n\n2<|im_end|>' }),
      JSON.stringify({ id: 'g', prompt: `${ps[30].expr}=?`, expected: String(ps[30].truth) }),
    ];
    // as a user runs it: the real command in a child process
    const r = cotkChild(['batch', ...MODEL, '--generate', '--in', '-', '--out', '-'], lines.join('\n'));
    expect(r.code).toBe(2);
    const err = r.stderr.trim().split('\n');
    expect(err.slice(0, 5)).toEqual([
      'cotk batch: line 2: missing "expected" (the answer to grade the model\'s answer against) (skipped)',
      expect.stringMatching(/^cotk batch: line 3: not valid JSON \(.*\) \(skipped\)$/),
      'cotk batch: line 4: "expected" must be a string or a number, got null (skipped)',
      expect.stringMatching(/^cotk batch: line 5: the prompt \(\d+ tokens\) .*more than the model's context of 256.* \(skipped\)$/),
      'cotk batch: line 6: has an "output": a finished trace, not a prompt to answer (skipped)',
    ]);
    expect(err[5]).toMatch(/generated, graded and scored 2 trace\(s\) in [\d.]+ s, skipped 5 bad line\(s\)$/);
    const out = rowsOf(r.stdout);
    expect(out.slice(0, 2).map((o) => [o.id, o.output, o.label])).toEqual([
      ['a', ps[0].text, ps[0].correct ? 1 : 0],
      ['g', ps[30].text, ps[30].correct ? 1 : 0],
    ]);

    const traces = join(dir, 'traces.jsonl');
    writeFileSync(traces, readFileSync(OUT, 'utf8'));
    const t = await cotkInProcess(['batch', ...MODEL, '--generate', '--in', traces, '--out', '-']);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/^cotk batch: .*traces\.jsonl holds finished traces \(its lines have "output"\), not prompts to answer: drop --generate to score them\n$/);
    const other = join(dir, 'other.jsonl');
    writeFileSync(other, '{"question": "1+1", "answer": 2}\n');
    expect((await cotkInProcess(['batch', ...MODEL, '--generate', '--in', other, '--out', '-'])).stderr).toMatch(
      /other\.jsonl is not a prompt set: no line has the field\(s\) "id", "prompt", "expected" \(the first has "question", "answer"; expected \{"id", "prompt", "expected"\}\)\n$/,
    );
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '\n');
    expect((await cotkInProcess(['batch', ...MODEL, '--generate', '--in', empty, '--out', '-'])).stderr).toMatch(/empty\.jsonl is empty: no prompts to answer\n$/);
    const flag = await cotkInProcess(['batch', ...MODEL, '--in', traces, '--out', '-', '--max-tokens', '20']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/^cotk batch: --max-tokens is for generate mode \(--generate, with a prompt set \{"id", "prompt", "expected"\}\); .*traces\.jsonl is scored as finished traces\n$/);
    expect((await cotkInProcess(['batch', ...MODEL, '--generate', '--in', IN, '--out', '-', '--temperature', '-1'])).stderr).toBe('cotk batch: --temperature must be a number ≥ 0, got "-1"\n');
  });

  it('--max-tokens cuts an answer off (stop "max-tokens", graded wrong when </think> never came); sampling is reproducible per record', async () => {
    const ps = problems().slice(0, 3);
    const cut = await cotkInProcess(['batch', ...MODEL, '--in', '-', '--out', '-', '--max-tokens', '5'], promptSet(ps));
    expect(cut.code).toBe(0);
    const rows = rowsOf(cut.stdout);
    expect(rows.slice(0, 3).map((r) => [r.stop, r.answer, r.label])).toEqual(ps.map(() => ['max-tokens', null, 0]));
    rows.slice(0, 3).forEach((r, i) => {
      // five tokens: `<think>` is one, then one per character
      expect(r.output).toBe(ps[i].text.slice(0, '<think>'.length + 4));
    });
    expect(rows[3]).toMatchObject({ metrics: {}, accuracy: 0, n: 3 });
    // sampled: a record's text depends on the seed and its place in the file, not on the shard that ran it
    const sample = ['--temperature', '1.5', '--seed', '7'];
    const full = rowsOf((await cotkInProcess(['batch', ...MODEL, '--in', IN, '--out', '-', ...sample])).stdout).slice(0, 40);
    const shard = rowsOf((await cotkInProcess(['batch', ...MODEL, '--in', IN, '--out', '-', ...sample, '--shard', '1/4'])).stdout).filter((r) => 'line' in r);
    expect(shard.map((r) => r.output)).toEqual(full.filter((_, i) => i % 4 === 1).map((r) => r.output));
    expect(full.map((r) => r.output)).not.toEqual(rowsOf(oneFile).map((r) => r.output)); // it did sample
  });
});
