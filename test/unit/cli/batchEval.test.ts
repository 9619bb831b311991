import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateRows, Progress, type BatchRow } from '../../../src/cli/batchEval';
import { parseCsv } from '../../../src/cli/csv';
import { binaryMetrics } from '../../../src/core/metrics';
import { BUNDLED, testbedTraces } from '../engine/helpers';
import { cotkInProcess } from './cliHarness';

const dir = mkdtempSync(join(tmpdir(), 'cotk-batcheval-'));
// No calibration profile: these tests pin the scorers' own output (the verdict: test/unit/calibration/cli.test.ts).
const MODEL = ['--model', BUNDLED, '--variant', 'fp32-cpu', '--calibration', 'none'];
const N = 60;

/** Every 13th testbed trace (the file is sorted, correct ones first): both labels present. */
function traces(): ReturnType<typeof testbedTraces> {
  return testbedTraces()
    .filter((_, i) => i % 13 === 0)
    .slice(0, N);
}

function jsonl(withLabels = true): string {
  return `${traces()
    .map((t) => JSON.stringify(withLabels ? { id: t.id, prompt: `${t.expr}=?`, output: t.text, label: t.correct ? 1 : 0 } : { id: t.id, prompt: `${t.expr}=?`, output: t.text }))
    .join('\n')}\n`;
}

const csvField = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

const IN = join(dir, 'in.jsonl');
const ONE = join(dir, 'one.jsonl');
let one: { code: number; stdout: string; stderr: string };
let oneFile = '';

beforeAll(async () => {
  writeFileSync(IN, jsonl());
  one = await cotkInProcess(['batch', ...MODEL, '--in', IN, '--out', ONE]);
  oneFile = readFileSync(ONE, 'utf8');
}, 120_000); // generous: the shared CI machine may be loaded

describe('cotk batch evaluation', () => {
  it('writes one line per trace with id, line, label and scores, and the metrics line last on stdout', async () => {
    expect(one.code).toBe(0);
    const rows = oneFile.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(N);
    expect(rows.map((r) => r.id)).toEqual(traces().map((t) => t.id));
    expect(rows.map((r) => r.line)).toEqual(traces().map((_, i) => i + 1));
    expect(new Set(rows.map((r) => r.label))).toEqual(new Set([0, 1]));
    expect(rows.map((r) => r.label)).toEqual(traces().map((t) => (t.correct ? 1 : 0)));
    const out = one.stdout.trim().split('\n');
    expect(out).toHaveLength(1);
    const m = JSON.parse(out[0]);
    expect(Object.keys(m).sort()).toEqual(['accuracy', 'formulation', 'metrics', 'n']);
    expect(m.n).toBe(N);
    expect(m.accuracy).toBeCloseTo(traces().filter((t) => t.correct).length / N, 12);
    expect(m.formulation).toBe('v2');
    // each scorer's metrics equal src/core/metrics on the oriented scores
    const labels = rows.map((r) => r.label as number);
    const ppl = binaryMetrics(rows.map((r) => -r.scores.perplexity), labels);
    expect(m.metrics.perplexity).toEqual({ ...ppl, orientation: 'lower-is-correct', n: N, undefined: 0 });
    const coeR = binaryMetrics(rows.map((r) => r.scores.coeR), labels);
    expect(m.metrics.coeR).toEqual({ ...coeR, orientation: 'higher-is-correct', n: N, undefined: 0 });
    expect(m.metrics.cotk).toEqual(m.metrics.cotkV2);
    // the table on stderr
    expect(one.stderr).toMatch(/metrics on 60 labelled trace\(s\), accuracy /);
    expect(one.stderr).toMatch(/\n {2}Perplexity +perplexity +lower-is-correct +60 +0 +0\.\d{3} +0\.\d{3} +[01]\.\d{3}\n/);
    // the app's names, one row per scorer: the default marked, no second `cotk` row
    expect(one.stderr).toMatch(/\n {2}CoT-Kinetics v2 \(default\) +cotkV2 +lower-is-correct/);
    expect(one.stderr).not.toMatch(/\n {2}\S.* +cotk +lower/);
    // with --out -: the same trace lines first, the same metrics line last
    const piped = await cotkInProcess(['batch', ...MODEL, '--in', '-', '--out', '-'], jsonl());
    expect(piped.code).toBe(0);
    expect(piped.stdout).toBe(oneFile + one.stdout);
  });

  it('--shard 0/2 + --shard 1/2 + cotk merge equals one run (file and metrics line)', async () => {
    const s0 = join(dir, 's0.jsonl');
    const s1 = join(dir, 's1.jsonl');
    const r0 = await cotkInProcess(['batch', ...MODEL, '--in', IN, '--out', s0, '--shard', '0/2']);
    const r1 = await cotkInProcess(['batch', ...MODEL, '--in', IN, '--out', s1, '--shard=1/2']);
    expect([r0.code, r1.code]).toEqual([0, 0]);
    const ids0 = readFileSync(s0, 'utf8').trim().split('\n').map((l) => JSON.parse(l).line);
    expect(ids0).toEqual(traces().map((_, i) => i + 1).filter((_, i) => i % 2 === 0));
    const merged = join(dir, 'merged.jsonl');
    const m = await cotkInProcess(['merge', merged, s1, s0]);
    expect(m.code).toBe(0);
    expect(readFileSync(merged, 'utf8')).toBe(oneFile);
    expect(m.stdout).toBe(one.stdout);
    expect(m.stderr).toMatch(/^cotk merge: 60 trace\(s\) from 2 shard\(s\)\n/);
    // to stdout: lines then metrics
    const m2 = await cotkInProcess(['merge', '-', s0, s1]);
    expect(m2.stdout).toBe(oneFile + one.stdout);
    // overlapping shards and bad usage are one-line errors
    const dup = await cotkInProcess(['merge', '-', s0, s0]);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(/^cotk merge: input line 1 is in both .*s0\.jsonl and .*s0\.jsonl: shards overlap\n$/);
    expect((await cotkInProcess(['merge', merged])).stderr.split('\n')[0]).toBe('cotk merge: an output and at least one shard file are required');
    for (const bad of ['2/2', '1', 'a/b', '0/0']) {
      const r = await cotkInProcess(['batch', ...MODEL, '--in', IN, '--out', '-', '--shard', bad]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`cotk batch: --shard must be I/N with 0 ≤ I < N (e.g. 0/4), got "${bad}"\n`);
    }
  });

  it('--resume continues from a torn output file without redoing finished lines; the file equals one run', async () => {
    const lines = oneFile.split('\n');
    const part = join(dir, 'part.jsonl');
    writeFileSync(part, `${lines.slice(0, 25).join('\n')}\n${lines[25].slice(0, 40)}`);
    const r = await cotkInProcess(['batch', ...MODEL, '--in', IN, '--out', part, '--resume']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^cotk batch: resuming: 25 trace\(s\) already in .*part\.jsonl, 35 record\(s\) to go\ncotk batch: scored 35 trace\(s\)/);
    expect(readFileSync(part, 'utf8')).toBe(oneFile);
    expect(r.stdout).toBe(one.stdout); // metrics over all 60, the resumed ones included
    // resuming a finished file scores nothing and changes nothing
    const again = await cotkInProcess(['batch', ...MODEL, '--in', IN, '--out', part, '--resume']);
    expect(again.stderr).toMatch(/scored 0 trace\(s\)/);
    expect(readFileSync(part, 'utf8')).toBe(oneFile);
    // --resume with no file yet starts fresh; with shards, per shard
    const s1 = join(dir, 'r1.jsonl');
    const full1 = await cotkInProcess(['batch', ...MODEL, '--in', IN, '--out', s1, '--shard', '1/3']);
    const want1 = readFileSync(s1, 'utf8');
    writeFileSync(s1, want1.split('\n').slice(0, 5).join('\n') + '\n');
    const res1 = await cotkInProcess(['batch', ...MODEL, '--in', IN, '--out', s1, '--shard', '1/3', '--resume']);
    expect([full1.code, res1.code]).toEqual([0, 0]);
    expect(readFileSync(s1, 'utf8')).toBe(want1);
    const fresh = join(dir, 'fresh.jsonl');
    expect((await cotkInProcess(['batch', ...MODEL, '--in', IN, '--out', fresh, '--resume'])).code).toBe(0);
    expect(readFileSync(fresh, 'utf8')).toBe(oneFile);
    // errors: --resume to stdout, a file that is not batch output, lines of another input
    expect((await cotkInProcess(['batch', ...MODEL, '--in', IN, '--out', '-', '--resume'])).stderr).toBe('cotk batch: --resume needs --out FILE (it reads the lines already written there)\n');
    const junk = join(dir, 'junk.jsonl');
    writeFileSync(junk, '{"id":1,"scores":{}}\n');
    expect((await cotkInProcess(['batch', ...MODEL, '--in', IN, '--out', junk, '--resume'])).stderr).toMatch(/^cotk batch: cannot resume from .*junk\.jsonl: line 1 is no "line" field/);
    writeFileSync(junk, `${lines[1]}\n`);
    expect((await cotkInProcess(['batch', ...MODEL, '--in', IN, '--out', junk, '--resume', '--shard', '0/2'])).stderr).toMatch(/it holds input line 2, which is not a trace of this input and shard 0\/2\n$/);
  });

  it('--formulation v1 makes cotk the v1 energy; v2 is the default', async () => {
    const r = await cotkInProcess(['batch', ...MODEL, '--in', '-', '--out', '-', '--formulation', 'v1'], jsonl().split('\n').filter((_, i) => i % 3 === 0).join('\n'));
    expect(r.code).toBe(0);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const m = out.pop();
    for (const row of out) {
      expect(row.scores.cotk).toBe(row.scores.cotkEnergy);
      expect(row.scores.cotk).not.toBe(row.scores.cotkV2);
    }
    expect(m.formulation).toBe('v1');
    expect(m.metrics.cotk).toEqual(m.metrics.cotkEnergy);
    const v1file = join(dir, 'v1.jsonl');
    writeFileSync(v1file, out.map((o) => `${JSON.stringify(o)}\n`).join(''));
    expect(JSON.parse((await cotkInProcess(['merge', '-', v1file])).stdout.trim().split('\n').pop()!).formulation).toBe('v1');
    const bad = await cotkInProcess(['batch', ...MODEL, '--in', IN, '--out', '-', '--formulation', 'v3']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('cotk batch: --formulation must be v1 or v2, got "v3"\n');
  });

  it('reads CSV (RFC 4180 quoting, newlines inside quotes) by extension or --format, with the same scores', async () => {
    const csv = `id,prompt,output,label\r\n${traces()
      .map((t) => [String(t.id), `${t.expr}=?`, t.text, t.correct ? '1' : '0'].map(csvField).join(','))
      .join('\r\n')}\r\n`;
    expect(csv).toContain('"<think>\n'); // the outputs do have line breaks inside quotes
    const csvPath = join(dir, 'in.csv');
    writeFileSync(csvPath, csv);
    const r = await cotkInProcess(['batch', ...MODEL, '--in', csvPath, '--out', '-']);
    expect(r.code).toBe(0);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const m = out.pop();
    const ref = oneFile.trim().split('\n').map((l) => JSON.parse(l));
    expect(out.map((o) => o.id)).toEqual(ref.map((o) => String(o.id)));
    expect(out.map((o) => o.scores)).toEqual(ref.map((o) => o.scores));
    expect(out.map((o) => o.label)).toEqual(ref.map((o) => o.label));
    // each record's line is where it starts in the file
    const fileLines = csv.split('\n');
    for (const o of out.slice(0, 5)) expect(fileLines[o.line - 1].startsWith(`${o.id},`)).toBe(true);
    expect(out[1].line).toBeGreaterThan(out[0].line + 1);
    expect(JSON.stringify(m.metrics)).toBe(JSON.stringify(JSON.parse(one.stdout).metrics));
    // from standard input with --format csv; a bad row is reported at its line and skipped
    const bad = `${csv}7,"1+1=?",2,maybe\nx,"unterminated\n`;
    const r2 = await cotkInProcess(['batch', ...MODEL, '--in', '-', '--out', '-', '--format', 'csv'], bad);
    expect(r2.code).toBe(2);
    const lastLine = csv.split('\n').length; // the line after the final CRLF
    expect(r2.stderr).toContain(`cotk batch: line ${lastLine}: "label" must be 0 or 1, got "maybe" (skipped)\n`);
    expect(r2.stderr).toContain(`cotk batch: line ${lastLine + 1}: unterminated quoted field (skipped)\n`);
    expect(r2.stdout.trim().split('\n')).toHaveLength(N + 1);
    expect((await cotkInProcess(['batch', ...MODEL, '--in', IN, '--out', '-', '--format', 'xml'])).stderr).toBe('cotk batch: --format must be jsonl or csv, got "xml"\n');
  });

  it('bad input: empty file, another schema, no labels, partial labels, one class', async () => {
    const run = async (name: string, text: string): Promise<{ code: number; stdout: string; stderr: string }> => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return cotkInProcess(['batch', ...MODEL, '--in', p, '--out', '-']);
    };
    const empty = await run('empty.jsonl', '\n  \n');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/^cotk batch: .*empty\.jsonl is empty: no traces to score\n$/);
    expect((await run('empty.csv', '')).stderr).toMatch(/empty\.csv is empty: no traces to score\n$/);
    expect((await run('head.csv', 'id,prompt,output,label\n')).stderr).toMatch(/head\.csv has a CSV header but no rows: no traces to score\n$/);
    const other = await run('other.jsonl', '{"question":"1+1","answer":"2"}\n{"question":"2+2","answer":"4"}\n');
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/^cotk batch: .*other\.jsonl is not batch input: no line has the field\(s\) "id", "prompt", "output" \(the first has "question", "answer"; expected \{"id", "prompt", "output", "label"\?\}\)\n$/);
    const otherCsv = await run('other.csv', 'question,answer\n1+1,2\n');
    expect(otherCsv.stderr).toMatch(/other\.csv is not batch input: the CSV header lacks the column\(s\) "id", "prompt", "output" \(it has "question", "answer"; expected id,prompt,output,label\)\n$/);
    const notJson = await run('notjson.jsonl', 'id,prompt,output\n1,a,b\n');
    expect(notJson.stderr).toMatch(/notjson\.jsonl is not JSON lines: no line is valid JSON \(for CSV input name the file \*\.csv or pass --format csv\)\n$/);

    const few = jsonl(false).split('\n').slice(0, 4).join('\n');
    const unlabelled = await run('nolabel.jsonl', few);
    expect(unlabelled.code).toBe(0);
    expect(unlabelled.stdout.trim().split('\n').map((l) => Object.keys(JSON.parse(l)))).toEqual(Array(4).fill(['id', 'line', 'scores', 'by']));
    expect(unlabelled.stderr).toMatch(/\ncotk batch: the input has no labels: metrics omitted \(add "label": 0\|1 to every line for AUROC, AUPR and FPR95\)\n$/);
    const labelled = jsonl().split('\n');
    const partial = await run('partial.jsonl', [...labelled.slice(0, 3), ...few.split('\n').slice(3)].join('\n'));
    expect(partial.stderr).toMatch(/cotk batch: 1 of 4 scored trace\(s\) have no label: metrics omitted\n$/);
    expect(partial.stdout.trim().split('\n')).toHaveLength(4);
    const pos = labelled.filter((l) => l.endsWith('"label":1}')).slice(0, 3);
    expect((await run('onecls.jsonl', pos.join('\n'))).stderr).toMatch(/every scored trace has label 1: metrics need both labels, omitted\n$/);
  });
});

describe('metrics and progress helpers', () => {
  it('parses RFC 4180 CSV with the line each record starts on', () => {
    expect(parseCsv('\uFEFFa,b\r\n1,"x\ny ""q"", z"\r\n\r\n"",\n2,z')).toEqual({
      records: [
        { line: 1, fields: ['a', 'b'] },
        { line: 2, fields: ['1', 'x\ny "q", z'] },
        { line: 5, fields: ['', ''] },
        { line: 6, fields: ['2', 'z'] },
      ],
      errors: [],
    });
    expect(parseCsv('a\nx"y\n"ok"z\nfine\n"open').errors).toEqual([
      { line: 2, message: 'a quote inside an unquoted field (quote the whole field and double any quote inside)' },
      { line: 3, message: 'text after a closing quote (quote the whole field and double any quote inside)' },
      { line: 5, message: 'unterminated quoted field' },
    ]);
  });

  it('leaves undefined scores out of a scorer and counts them', () => {
    const scores = (v: number | null, e: number | null): Record<string, number | null> => ({ cotkV2: v, cotkEnergy: e, cotk: v, coeR: 1, coeC: 1, perplexity: e, meanEntropy: 1, selfCertainty: 1, maxProb: 1, answerConfidence: v });
    const rows: BatchRow[] = [
      { id: 'a', line: 1, label: 1, scores: scores(1, 1) },
      { id: 'b', line: 2, label: 0, scores: scores(null, 3) },
      { id: 'c', line: 3, label: 0, scores: scores(2, 2) },
      { id: 'd', line: 4, label: 1, scores: scores(0.5, null) },
    ];
    const m = evaluateRows(rows, 'v2');
    if (typeof m === 'string') throw new Error(m);
    expect(m.n).toBe(4);
    expect(m.accuracy).toBe(0.5);
    // cotkV2 lower-is-correct on a, c, d: correct ones lower → AUROC 1
    expect(m.metrics.cotkV2).toEqual({ auroc: 1, aupr: 1, fpr95: 0, orientation: 'lower-is-correct', n: 3, undefined: 1 });
    expect(m.metrics.perplexity.n).toBe(3);
    expect(m.metrics.perplexity.undefined).toBe(1);
    // answerConfidence is higher-is-correct: same values, reversed ranking
    expect(m.metrics.answerConfidence.auroc).toBe(0);
    // constant scores: ties give AUROC 0.5
    expect(m.metrics.coeR.auroc).toBe(0.5);
    // a scorer left with one class gets null metrics, still counted
    const m2 = evaluateRows(rows.map((r) => (r.label === 0 ? { ...r, scores: { ...r.scores, coeC: null } } : r)), 'v2');
    if (typeof m2 === 'string') throw new Error(m2);
    expect(m2.metrics.coeC).toEqual({ auroc: null, aupr: null, fpr95: null, orientation: 'higher-is-correct', n: 2, undefined: 2 });
  });

  it('writes the progress line at most every 500 ms, always the last one, with traces/s and ETA', () => {
    let t = 0;
    const out: string[] = [];
    const p = new Progress(10, (s) => out.push(s), () => t);
    for (let i = 1; i <= 10; i++) {
      t += 100;
      p.tick(i);
    }
    p.finish();
    // ticks at 100 ms (first), 600 ms, and the last one at 1000 ms
    expect(out).toHaveLength(4);
    expect(out[0]).toContain('1/10 10%  10.0 traces/s  ETA 1 s');
    expect(out[1]).toContain('6/10 60%  10.0 traces/s  ETA 1 s');
    expect(out[2]).toContain('10/10 100%  10.0 traces/s  ETA 0 s');
    expect(out[3]).toBe('\n');
  });

  it('--progress shows it on a non-terminal stderr; without it, none', async () => {
    const input = jsonl().split('\n').slice(0, 6).join('\n');
    const withP = await cotkInProcess(['batch', ...MODEL, '--in', '-', '--out', '-', '--progress'], input);
    expect(withP.stderr).toContain('\r\x1b[Kcotk batch: [');
    expect(withP.stderr.replaceAll('\x1b[K', '')).toMatch(/\rcotk batch: \[#+\] 6\/6 100% {2}[\d.]+ traces\/s {2}ETA 0 s\n/);
    const without = await cotkInProcess(['batch', ...MODEL, '--in', '-', '--out', '-'], input);
    expect(without.stderr).not.toContain('traces/s');
  });
});
