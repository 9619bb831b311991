import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, linkSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine, explainOrtError, UnsupportedModelError } from '../../../src/engine/index';
import * as ortNode from 'onnxruntime-node';
import { REPO_ROOT, sharedPath } from '../../paths';
import { recordProbe } from '../../reliability';
import { BUNDLED, bundledFiles, testbedTraces } from '../engine/helpers';
import { cotkChild, cotkInProcess } from './cliHarness';

/**
 * Issue 14's CLI defects, each probed as a clumsy or hostile user would, with the outcome recorded
 * in the reliability catalogue (docs/reliability.md).
 */
const dir = mkdtempSync(join(tmpdir(), 'cotk-faults-'));
const MODEL = ['--model', BUNDLED, '--variant', 'fp32-cpu'];
const N = 12;

function traces(n = N): string {
  return `${testbedTraces()
    .filter((_, i) => i % 61 === 0)
    .slice(0, n)
    .map((t) => JSON.stringify({ id: t.id, prompt: `${t.expr}=?`, output: t.text, label: t.correct ? 1 : 0 }))
    .join('\n')}\n`;
}

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const firstLine = (s: string): string => s.split('\n')[0];

describe('outputs never destroy the input (defect 3)', () => {
  it('refuses --out that is --in (same path, hard link, symlink, standard input redirected from it) before opening anything', { timeout: 180_000 }, async () => {
    const text = traces(3);
    const inPath = file('same.jsonl', text);
    const r = await cotkInProcess(['batch', ...MODEL, '--in', inPath, '--out', inPath]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`cotk batch: --out ${inPath} is the input file ${inPath}: writing there would destroy the input; pick another output file\n`);
    expect(readFileSync(inPath, 'utf8')).toBe(text);
    recordProbe({ area: 'cotk batch', input: '--in t.jsonl --out t.jsonl', outcome: 'refused with a sentence', said: r.stderr, kept: 'the input file, byte for byte' });

    const hard = join(dir, 'hard.jsonl');
    linkSync(inPath, hard);
    const h = await cotkInProcess(['batch', ...MODEL, '--in', inPath, '--out', hard]);
    expect(h.code).toBe(2);
    expect(h.stderr).toMatch(/is the input file .*same\.jsonl: writing there would destroy the input/);
    recordProbe({ area: 'cotk batch', input: '--out a hard link of the input', outcome: 'refused with a sentence', said: h.stderr, kept: 'the input file, byte for byte' });
    const soft = join(dir, 'soft.jsonl');
    symlinkSync(inPath, soft);
    expect((await cotkInProcess(['batch', ...MODEL, '--in', soft, '--out', inPath])).code).toBe(2);
    // the real command with `--in - < t.jsonl --out t.jsonl`
    const fd = openSync(inPath, 'r');
    const c = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts/cotk.mjs'), 'batch', ...MODEL, '--in', '-', '--out', inPath], { stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8', cwd: REPO_ROOT });
    closeSync(fd);
    expect(c.status).toBe(2);
    expect(c.stderr).toMatch(/is the file on standard input: writing there would destroy the input/);
    expect(readFileSync(inPath, 'utf8')).toBe(text);
    recordProbe({ area: 'cotk batch', input: '--in - < t.jsonl --out t.jsonl', outcome: 'refused with a sentence', said: c.stderr, kept: 'the input file, byte for byte' });
  });

  it('--resume --out input.jsonl deletes nothing', async () => {
    const text = traces(3).trimEnd(); // no trailing newline: the "torn last line" resume used to cut off
    const inPath = file('resume-in.jsonl', text);
    const r = await cotkInProcess(['batch', ...MODEL, '--in', inPath, '--out', inPath, '--resume']);
    expect(r.code).toBe(2);
    expect(readFileSync(inPath, 'utf8')).toBe(text);
    recordProbe({ area: 'cotk batch --resume', input: '--resume --out the input file', outcome: 'refused with a sentence', said: r.stderr, kept: 'the input file, its last record included' });
    // a file of traces (not batch output) given as --out is refused without being cut either
    const other = file('other-traces.jsonl', text);
    const r2 = await cotkInProcess(['batch', ...MODEL, '--in', inPath.replace('resume-in', 'x'), '--out', other, '--resume']);
    expect(r2.code).toBe(2);
    const r3 = await cotkInProcess(['batch', ...MODEL, '--in', file('resume-in2.jsonl', text), '--out', other, '--resume']);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toMatch(/cannot resume from .*other-traces\.jsonl: line 1 is no "line" field/);
    expect(readFileSync(other, 'utf8')).toBe(text);
  });
});

describe('every output says what made it; --resume and merge refuse a mismatch (defect 2)', () => {
  it('refuses to resume with another formulation or variant, and leaves the file as it was', { timeout: 180_000 }, async () => {
    const inPath = file('prov-in.jsonl', traces());
    const out = join(dir, 'prov-out.jsonl');
    const full = await cotkInProcess(['batch', ...MODEL, '--in', inPath, '--out', out]);
    expect(full.code).toBe(0);
    const whole = readFileSync(out, 'utf8');
    const by = JSON.parse(firstLine(whole)).by;
    expect(by).toEqual({ model: 'tiny-reasoner', variant: 'fp32-cpu', formulation: 'v2', cotk: expect.any(String), shard: '0/1', records: N });
    const part = `${whole.split('\n').slice(0, 5).join('\n')}\n${whole.split('\n')[5].slice(0, 30)}`;
    writeFileSync(out, part);
    const v1 = await cotkInProcess(['batch', ...MODEL, '--in', inPath, '--out', out, '--resume', '--formulation', 'v1']);
    expect(v1.code).toBe(2);
    expect(v1.stderr).toMatch(/^cotk batch: cannot resume from .*prov-out\.jsonl: its line for input line 1 was made with formulation v2, this run with v1; resume with the same options, or write to a new --out\n$/);
    expect(readFileSync(out, 'utf8')).toBe(part);
    recordProbe({ area: 'cotk batch --resume', input: 'a v2 output resumed with --formulation v1', outcome: 'refused with a sentence', said: v1.stderr, kept: 'the output file as it was (torn line included)' });
    const int4 = await cotkInProcess(['batch', '--model', BUNDLED, '--variant', 'int4-cpu', '--in', inPath, '--out', out, '--resume']);
    expect(int4.code).toBe(2);
    expect(int4.stderr).toMatch(/was made with variant fp32-cpu, this run with int4-cpu/);
    expect(readFileSync(out, 'utf8')).toBe(part);
    recordProbe({ area: 'cotk batch --resume', input: 'an fp32-cpu output resumed with --variant int4-cpu', outcome: 'refused with a sentence', said: int4.stderr, kept: 'the output file as it was' });
    // the same options finish it: the file equals the uninterrupted run
    const ok = await cotkInProcess(['batch', ...MODEL, '--in', inPath, '--out', out, '--resume']);
    expect(ok.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(whole);
    // an output of an older cotk (no "by") is still read: formulation read off the scores
    const old = whole.split('\n').slice(0, 4).map((l) => (l ? JSON.stringify({ ...JSON.parse(l), by: undefined }) : l)).join('\n');
    writeFileSync(out, `${old}\n`);
    const oldV1 = await cotkInProcess(['batch', ...MODEL, '--in', inPath, '--out', out, '--resume', '--formulation', 'v1']);
    expect(oldV1.code).toBe(2);
    expect(oldV1.stderr).toMatch(/was made with formulation v2 \(read off its scores\), this run with v1/);
    const oldOk = await cotkInProcess(['batch', ...MODEL, '--in', inPath, '--out', out, '--resume']);
    expect(oldOk.code).toBe(0);
    expect(oldOk.stderr).toMatch(/was written by an older cotk batch: its model and variant cannot be checked/);
    recordProbe({ area: 'cotk batch --resume', input: 'an output of an older cotk (lines without "by")', outcome: 'handled', said: oldOk.stderr, kept: 'its lines; the rest appended' });
  });

  it('merge refuses shards of other formulations and a missing shard; an incomplete shard gives no metrics and exit 2', { timeout: 180_000 }, async () => {
    const inPath = file('merge-in.jsonl', traces());
    const s = (i: number, n: number, extra: string[] = []): Promise<{ code: number }> =>
      cotkInProcess(['batch', ...MODEL, '--in', inPath, '--out', join(dir, `m${i}of${n}${extra.join('')}.jsonl`), '--shard', `${i}/${n}`, ...extra]);
    expect((await s(0, 3)).code).toBe(0);
    expect((await s(1, 3)).code).toBe(0);
    expect((await s(2, 3, ['--formulation', 'v1'])).code).toBe(0);
    expect((await s(2, 3)).code).toBe(0);
    const p = (name: string): string => join(dir, name);
    const mixed = await cotkInProcess(['merge', '-', p('m0of3.jsonl'), p('m1of3.jsonl'), p('m2of3--formulationv1.jsonl')]);
    expect(mixed.code).toBe(2);
    expect(mixed.stdout).toBe('');
    expect(mixed.stderr).toMatch(/^cotk merge: .*m0of3\.jsonl and .*m2of3--formulationv1\.jsonl were made differently \(formulation v2 against v1\): merge only shards of one run\n$/);
    recordProbe({ area: 'cotk merge', input: 'shards of formulations v2 and v1', outcome: 'refused with a sentence', said: mixed.stderr, kept: 'the shards; nothing written' });
    const missing = await cotkInProcess(['merge', p('merged.jsonl'), p('m0of3.jsonl'), p('m2of3.jsonl')]);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/shard\(s\) 1\/3 missing: the input was split in 3, and only 0\/3, 2\/3 were given/);
    recordProbe({ area: 'cotk merge', input: 'shard 1/3 of 3 not given', outcome: 'refused with a sentence', said: missing.stderr, kept: 'the shards; nothing written' });
    const s1 = readFileSync(p('m1of3.jsonl'), 'utf8');
    writeFileSync(p('m1short.jsonl'), s1.split('\n').slice(0, 2).join('\n') + '\n');
    const short = await cotkInProcess(['merge', p('merged.jsonl'), p('m0of3.jsonl'), p('m1short.jsonl'), p('m2of3.jsonl')]);
    expect(short.code).toBe(2);
    expect(short.stdout).toBe(''); // no metrics line
    expect(short.stderr).toMatch(/cotk merge: 10 of 12 record\(s\) have a line: .*m1short\.jsonl \(shard 1\/3\) holds 2 of its 4; metrics omitted/);
    recordProbe({ area: 'cotk merge', input: 'one shard interrupted (10 of 12 records)', outcome: 'refused with a sentence', said: short.stderr.split('\n')[1], kept: 'the merged lines (without metrics), the shards' });
    // all three: the merged file equals one run's
    const one = join(dir, 'm-one.jsonl');
    await cotkInProcess(['batch', ...MODEL, '--in', inPath, '--out', one]);
    const all = await cotkInProcess(['merge', p('merged.jsonl'), p('m2of3.jsonl'), p('m0of3.jsonl'), p('m1of3.jsonl')]);
    expect(all.code).toBe(0);
    expect(readFileSync(p('merged.jsonl'), 'utf8')).toBe(readFileSync(one, 'utf8'));
  });
});

describe('ids as written, notes, smaller CLI defects (defect 8)', () => {
  it('keeps ids like 12345678901234567890 and 1.50 digit for digit through batch, resume and merge (JSON lines and CSV)', async () => {
    const t = testbedTraces();
    const ids = ['12345678901234567890', '1.50', '-0', '7e2'];
    const text = ids.map((id, i) => `{"id": ${id}, "prompt": "${t[i].expr}=?", "output": ${JSON.stringify(t[i].text)}}`).join('\n') + '\n';
    const inPath = file('ids.jsonl', text);
    const out = join(dir, 'ids.out.jsonl');
    const r = await cotkInProcess(['batch', ...MODEL, '--in', inPath, '--out', out]);
    expect(r.code).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines.map((l) => l.slice(0, l.indexOf(',"line"')))).toEqual(ids.map((id) => `{"id":${id}`));
    writeFileSync(out, `${lines[0]}\n`);
    await cotkInProcess(['batch', ...MODEL, '--in', inPath, '--out', out, '--resume']);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toEqual(lines);
    const m = await cotkInProcess(['merge', '-', out]);
    expect(m.stdout.trim().split('\n')).toEqual(lines);
    recordProbe({ area: 'cotk batch (JSON lines)', input: 'id 12345678901234567890 (beyond 2^53), 1.50, -0, 7e2', outcome: 'handled', said: undefined, kept: 'every id as written, through --resume and merge' });
    const csv = file('ids.csv', `id,prompt,output\n12345678901234567890,${t[0].expr}=?,${JSON.stringify(t[0].text).replace(/\\n/g, '\n')}\n`);
    const c = await cotkInProcess(['batch', ...MODEL, '--in', csv, '--out', '-']);
    expect(c.stdout.startsWith('{"id":"12345678901234567890",')).toBe(true);
  });

  it('notes text after <|im_end|> instead of dropping it silently', async () => {
    const t = testbedTraces()[0];
    const inPath = file('after-eos.jsonl', `${JSON.stringify({ id: 1, prompt: `${t.expr}=?`, output: `${t.text}\n\nP.S. 42` })}\n`);
    const r = await cotkInProcess(['batch', ...MODEL, '--in', inPath, '--out', '-']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^cotk batch: line 1: note: \d+ token\(s\) after the end-of-sequence token are not scored\.\n/);
    recordProbe({ area: 'cotk batch (JSON lines)', input: 'text after <|im_end|> in "output"', outcome: 'handled', said: r.stderr, kept: 'the trace, scored up to the end of the turn' });
  });

  it('--threads beyond the cores is refused with a sentence', async () => {
    const r = await cotkInProcess(['batch', ...MODEL, '--threads', '1000', '--in', file('th.jsonl', traces(1)), '--out', '-']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`cotk batch: --threads 1000 is more than the ${availableParallelism()} core(s) of this machine: threads beyond the cores only wait on each other; pass --threads ${availableParallelism()} or fewer\n`);
    recordProbe({ area: 'cotk batch', input: '--threads 1000', outcome: 'refused with a sentence', said: r.stderr, kept: 'nothing to keep' });
  });

  it('cotk states reads a UTF-8 BOM and refuses a name that is not a string', async () => {
    const golden = readFileSync(sharedPath('golden/scoring-v1.json'), 'utf8');
    const plain = await cotkInProcess(['states', '-'], golden);
    const bom = await cotkInProcess(['states', '-'], `\uFEFF${golden}`);
    expect(bom.code).toBe(0);
    expect(bom.stdout).toBe(plain.stdout);
    recordProbe({ area: 'cotk states', input: 'a UTF-8 byte order mark before the JSON', outcome: 'handled', kept: 'every case, scored as without it' });
    const g = JSON.parse(golden);
    g.cases[0].name = { first: 'x' };
    const named = await cotkInProcess(['states', '-'], JSON.stringify(g));
    expect(named.code).toBe(2);
    expect(named.stderr).toBe('cotk states: -: case 0: field "name": expected a string (the case\'s label), got an object\n');
    recordProbe({ area: 'cotk states', input: '"name" given as an object', outcome: 'refused with a sentence', said: named.stderr, kept: 'the file' });
  });

  it('capture refuses an empty --output and an empty --out, and an id outside the vocabulary without advising another variant', async () => {
    const e = await cotkInProcess(['capture', ...MODEL, '--prompt', '1+1=?', '--output', '']);
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/^cotk capture: --output is empty: give the assistant's output text/);
    recordProbe({ area: 'cotk capture', input: "--output ''", outcome: 'refused with a sentence', said: e.stderr, kept: 'nothing to keep (no file written)' });
    const o = await cotkInProcess(['capture', ...MODEL, '--prompt', '1+1=?', '--output', '<think>x</think>', '--out', '']);
    expect(o.stderr).toBe('cotk capture: --out needs a file name (or - for standard output), got an empty one\n');
    const ids = JSON.parse(readFileSync(sharedPath('fixtures/tiny-reasoner/reference-states.json'), 'utf8'))[0].ids as number[];
    const bad = await cotkInProcess(['capture', ...MODEL, '--ids', [...ids.slice(0, 30), 9999, ...ids.slice(30)].join(',')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("cotk capture: output id 9999 (position 6 of the output) is outside the model's vocabulary: ids must be integers in [0, 86).\n");
    expect(bad.stderr).not.toMatch(/variant/);
    recordProbe({ area: 'cotk capture', input: '--ids with 9999 (vocabulary 86)', outcome: 'refused with a sentence', said: bad.stderr, kept: 'nothing to keep' });
  });
});

describe('full disk, read-only folders, closed pipes (defect 7)', () => {
  const cotk = join(REPO_ROOT, 'scripts/cotk.mjs');

  it('--out /dev/full: one sentence, exit 1, no stack', { timeout: 180_000 }, () => {
    const r = cotkChild(['batch', ...MODEL, '--in', file('full.jsonl', traces(2)), '--out', '/dev/full']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('cotk batch: cannot write /dev/full: no space left on the device\n');
    recordProbe({ area: 'cotk batch', input: '--out /dev/full (disk full)', outcome: 'refused with a sentence', said: r.stderr, kept: 'the input' });
  });

  it('a read-only output folder: one sentence before the model loads; an existing read-only output is not touched', async () => {
    if (process.getuid?.() === 0) {
      // root writes past file modes; sysfs refuses even root
      const r = await cotkInProcess(['batch', ...MODEL, '--in', file('ro.jsonl', traces(2)), '--out', '/sys/cotk-out.jsonl']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^cotk batch: cannot write \/sys\/cotk-out\.jsonl: (permission denied|the file system is read-only)\n$/);
      recordProbe({ area: 'cotk batch', input: '--out in a read-only folder', outcome: 'refused with a sentence', said: r.stderr, kept: 'the input; no partial output' });
      return;
    }
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    writeFileSync(join(ro, 'old.jsonl'), 'kept\n');
    chmodSync(ro, 0o555);
    chmodSync(join(ro, 'old.jsonl'), 0o444);
    try {
      const r = await cotkInProcess(['batch', ...MODEL, '--in', file('ro.jsonl', traces(2)), '--out', join(ro, 'new.jsonl')]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`cotk batch: cannot write ${join(ro, 'new.jsonl')}: permission denied\n`);
      const o = await cotkInProcess(['batch', ...MODEL, '--in', file('ro.jsonl', traces(2)), '--out', join(ro, 'old.jsonl')]);
      expect(o.code).toBe(1);
      expect(readFileSync(join(ro, 'old.jsonl'), 'utf8')).toBe('kept\n');
      recordProbe({ area: 'cotk batch', input: '--out in a read-only folder', outcome: 'refused with a sentence', said: r.stderr, kept: 'the input; no partial output' });
    } finally {
      chmodSync(ro, 0o755);
    }
  });

  it('states > /dev/full is one sentence; states | head -c 10 exits quietly', { timeout: 180_000 }, () => {
    const golden = sharedPath('golden/scoring-v1.json');
    const full = openSync('/dev/full', 'w');
    const r = spawnSync(process.execPath, [cotk, 'states', golden], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8', cwd: REPO_ROOT });
    closeSync(full);
    expect(r.stderr).toBe('cotk states: cannot write standard output: no space left on the device\n');
    expect(r.status).toBe(1);
    recordProbe({ area: 'cotk states', input: 'stdout is /dev/full', outcome: 'refused with a sentence', said: r.stderr, kept: 'the input' });
    const sh = spawnSync('sh', ['-c', `"${process.execPath}" "${cotk}" states "${golden}" | head -c 10`], { encoding: 'utf8', cwd: REPO_ROOT });
    expect(sh.stdout).toBe('{"cases":[');
    expect(sh.stderr).toBe('');
    recordProbe({ area: 'cotk states', input: 'stdout closed early (| head -c 10)', outcome: 'handled', said: undefined, kept: 'the input; quiet exit' });
  });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- config files edited in place by each case
type Json = Record<string, any>;

/** A copy of the bundled fp32-cpu folder, changed by `edit`. */
function modelCopy(name: string, edit: (d: string) => void): string {
  const d = join(dir, name);
  rmSync(d, { recursive: true, force: true });
  cpSync(join(BUNDLED, 'fp32-cpu'), d, { recursive: true });
  edit(d);
  return d;
}

function editJson(path: string, f: (o: Json) => void): void {
  const o = JSON.parse(readFileSync(path, 'utf8'));
  f(o);
  writeFileSync(path, JSON.stringify(o));
}

describe('config and tokenizer checked against the graph (defect 4), broken weights (defect 5)', () => {
  const input = (): string => file('cfg.jsonl', traces(2));
  const cases: Array<[string, (o: Json) => void, RegExp]> = [
    ['hidden_size 160 → 128', (o) => (o.model.decoder.hidden_size = 128), /genai_config\.json: hidden_size is 128, but model\.onnx has 160 hidden size; fix the file/],
    ['vocab_size 86 → 50', (o) => (o.model.vocab_size = 50), /genai_config\.json: vocab_size is 50, but model\.onnx has 86 vocabulary/],
    ['num_hidden_layers 8 → 7', (o) => (o.model.decoder.num_hidden_layers = 7), /genai_config\.json: num_hidden_layers is 7, but model\.onnx has 8 layers/],
    ['num_attention_heads 5 → 4', (o) => (o.model.decoder.num_attention_heads = 4), /num_attention_heads is 4, but model\.onnx has 5 attention heads/],
    ['num_key_value_heads 1 → 5', (o) => (o.model.decoder.num_key_value_heads = 5), /num_key_value_heads is 5, but model\.onnx has 1 key\/value heads/],
    ['context_length 256 → 4096', (o) => (o.model.context_length = 4096), /the context length is 4096, but model\.onnx has rotary positions \(cos_cache\) for 256 only/],
  ];
  for (const [what, edit, want] of cases) {
    it(`refuses a config with ${what}, naming the field and both values`, async () => {
      const m = modelCopy(`cfg-${what.split(' ')[0]}`, (d) => editJson(join(d, 'genai_config.json'), edit));
      const r = await cotkInProcess(['batch', '--model', m, '--in', input(), '--out', '-']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(want);
      expect(r.stderr.split('\n')).toHaveLength(2);
      expect(r.stderr).not.toMatch(/internal error|TapError|pick a variant/);
      recordProbe({ area: 'model folder (cotk)', input: `genai_config.json ${what}`, outcome: 'refused with a sentence', said: r.stderr, kept: 'the model folder; nothing scored' });
    });
  }

  it('refuses an empty tokenizer vocabulary and a tokenizer with ids beyond the embedding', async () => {
    const empty = modelCopy('tok-empty', (d) => editJson(join(d, 'tokenizer.json'), (o) => (o.model.vocab = {})));
    const r = await cotkInProcess(['batch', '--model', empty, '--in', input(), '--out', '-']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('cotk batch: tokenizer.json: the vocabulary (model.vocab) is empty: the tokenizer cannot turn text into tokens; fix the file or re-export the model.\n');
    recordProbe({ area: 'model folder (cotk)', input: 'tokenizer.json with an empty vocabulary', outcome: 'refused with a sentence', said: r.stderr, kept: 'the model folder' });
    const big = modelCopy('tok-big', (d) => editJson(join(d, 'tokenizer.json'), (o) => (o.model.vocab['zz'] = 500)));
    const b = await cotkInProcess(['batch', '--model', big, '--in', input(), '--out', '-']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/tokenizer\.json: it has token id 500, but the model's vocabulary \(vocab_size, the embedding's rows\) is 86/);
    recordProbe({ area: 'model folder (cotk)', input: 'tokenizer.json with an id beyond the embedding', outcome: 'refused with a sentence', said: b.stderr, kept: 'the model folder' });
  });

  it('warns on stderr when the model has no chat template', async () => {
    const m = modelCopy('no-template', (d) => {
      rmSync(join(d, 'chat_template.jinja'));
      editJson(join(d, 'tokenizer_config.json'), (o) => delete o.chat_template);
    });
    const r = await cotkInProcess(['batch', '--model', m, '--in', input(), '--out', '-']);
    expect(r.stderr).toMatch(/^cotk batch: warning: This model has no chat template: prompts are tokenized as plain text\.\n/);
    recordProbe({ area: 'model folder (cotk)', input: 'no chat template', outcome: 'handled', said: r.stderr, kept: 'the run, with the warning on stderr' });
  });

  it('NaN weights are an error naming the cause, not null scores', async () => {
    const m = modelCopy('nan', (d) => {
      const p = join(d, 'model.onnx.data');
      const b = readFileSync(p);
      const f = new Float32Array(b.buffer, b.byteOffset, b.length >> 2);
      f.fill(NaN, 0, f.length >> 1);
      writeFileSync(p, b);
    });
    const r = await cotkInProcess(['batch', '--model', m, '--in', input(), '--out', '-']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^cotk batch: nan: model\.onnx \(with its weights\) is truncated or corrupt \(the model computed NaN in .* at position 0; finite inputs give finite outputs, so its weights are damaged or overflow\); download or copy it again\.\n$/);
    recordProbe({ area: 'model folder (cotk)', input: 'model.onnx.data with NaN weights', outcome: 'refused with a sentence', said: r.stderr, kept: 'the input; no null scores written' });
  });

  it('a graph whose layers disagree with what the engine is told is an engine error, not "internal error: TapError"', async () => {
    const files = await bundledFiles('fp32-cpu');
    const wrong = { ...files, config: { ...files.config, layers: 7 } };
    const err = await createEngine(ortNode, wrong).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UnsupportedModelError);
    expect((err as Error).message).toMatch(/cannot add the hidden-state outputs: found 8 layers, expected 7/);
  });
});

describe('runtime errors on a CPU graph do not advise another CPU variant (defect 7)', () => {
  it('a kernel failure while running fp32-cpu says the graph and its input disagree', () => {
    const msg = "Non-zero status code returned while running GroupQueryAttention node. Name:'/model/layers.0/attn/GroupQueryAttention' Status Message: cos_cache dimension 0 shall not be less than total_sequence_length.";
    const cpu = explainOrtError(new Error(msg), { runtime: 'onnxruntime-node (cpu)', model: 'tiny-reasoner, fp32-cpu', graphFile: 'tiny-reasoner: fp32-cpu/model.onnx', stage: 'run' });
    expect(cpu.message).not.toMatch(/pick a variant made for the CPU/);
    expect(cpu.message).toMatch(/\(operator GroupQueryAttention\): cos_cache dimension 0 shall not be less than total_sequence_length\.; the graph and what it was fed disagree/);
    const gpu = explainOrtError(new Error(msg), { runtime: 'onnxruntime-node (cpu)', model: 'tiny-reasoner, fp16-webgpu', graphFile: 'x', stage: 'run' });
    expect(gpu.message).toMatch(/this variant was made for a GPU: pick a variant made for the CPU/);
  });
});
