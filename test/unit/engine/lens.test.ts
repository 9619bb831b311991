import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lensLogProbs, type LensHead } from '../../../src/core/scores/logitLens';
import { EngineHost } from '../../../src/engine/host';
import { createFakeEngine, FAKE_LENS_HEAD } from '../../../src/engine/fake';
import { EngineInputError, UnsupportedModelError, type Engine, type RunResult } from '../../../src/engine/index';
import { openLensSession, runLens, type LensResult, type LensSession } from '../../../src/engine/lens';
import type { OrtModule } from '../../../src/engine/ort';
import { TapError } from '../../../src/engine/tap/errors';
import { tapModel } from '../../../src/engine/tap/index';
import { buildLensModel } from '../../../src/engine/tap/lensGraph';
import { REPO_ROOT } from '../../paths';
import { bundledFiles, openTestEngine, testbedTraces } from './helpers';
import { logSoftmaxAt, referenceHead, synthReadout, topIds } from './lensHelpers';
import { FIXTURES, readFixture } from './tap/fixtures';
import { createSession, prefill, toFloat64 } from './tap/ort';

const V = 86;
const D = 160;
const L = 8;
const CAPTURE = { stateCapBytes: Infinity, keepLogits: 'all' as const };

/** R[l][t] for the given (layer, position) pairs, as one [n][d] block. */
function gather(run: RunResult, pairs: ReadonlyArray<readonly [number, number]>): Float32Array {
  const s = run.states!;
  const out = new Float32Array(pairs.length * s.dim);
  pairs.forEach(([l, t], i) => out.set(s.residual.subarray((l * s.tokens + t) * s.dim, (l * s.tokens + t + 1) * s.dim), i * s.dim));
  return out;
}

/** Every (layer, position) whose next token exists: rows for the lens, targets = the next token. */
function allRows(run: RunResult): { pairs: [number, number][]; targets: number[] } {
  const pairs: [number, number][] = [];
  const targets: number[] = [];
  for (let l = 0; l <= L; l++) {
    for (let t = 0; t + 1 < run.ids.length; t++) {
      pairs.push([l, t]);
      targets.push(run.ids[t + 1]);
    }
  }
  return { pairs, targets };
}

const traces = () => testbedTraces().filter((_, i) => i % 250 === 3); // 4 traces, correct and wrong

describe('the lens graph', () => {
  it('is the model read-out and nothing more, for every graph style the tap handles', async () => {
    const fp32 = buildLensModel((await bundledFiles('fp32-cpu')).graph).info;
    expect(fp32.ops).toEqual(['Unsqueeze', 'Shape', 'ConstantOfShape', 'SkipSimplifiedLayerNormalization', 'MatMul', 'Squeeze', 'LogSoftmax', 'TopK', 'GatherElements']);
    expect(fp32.initializers).toEqual(['model.layers.8.final_norm_layernorm.weight', 'lm_head.MatMul.weight']);
    expect([fp32.hiddenSize, fp32.vocabSize, fp32.elemType]).toEqual([160, 86, 'float32']);
    const int4 = buildLensModel((await bundledFiles('int4-cpu')).graph).info;
    expect(int4.head).toBe('MatMulNBits');
    expect(int4.initializers).toEqual(['model.layers.8.final_norm_layernorm.weight', 'lm_head.MatMul.weight_Q4', 'lm_head.MatMul.weight_scales']);
    const torch = buildLensModel(readFixture(FIXTURES['stories260K torch'])).info;
    expect(torch.norm).toMatch(/^decomposed \(.*ReduceMean.*\)$/);
    const gpt2 = buildLensModel(readFixture(FIXTURES['tiny-random-gpt2'])).info;
    expect([gpt2.norm, gpt2.ops[0]]).toEqual(['SkipLayerNormalization', 'Unsqueeze']);
    const f16 = buildLensModel(readFixture(FIXTURES['stories260K builder fp16'])).info;
    expect(f16.elemType).toBe('float16');
    expect(f16.ops).toContain('Cast');
  });

  // The tap's own fixture graphs: the lens on each one's captured R[L] gives the graph's own logits.
  for (const name of ['stories260K torch', 'stories260K builder', 'stories260K builder fp16', 'tiny-random-gpt2']) {
    it(`reproduces ${name}'s own logits from its R[L]`, async () => {
      const f = FIXTURES[name];
      const bytes = readFixture(f);
      const tapped = tapModel(bytes, { expectedLayers: f.layers });
      const ids = [1, 5, 9, 100, 42, 7, 300, 11];
      const out = await prefill(await createSession(f, tapped.model), f, ids);
      const states = toFloat64(out[tapped.info.statesOutput]); // [L+2][1][S][d]
      const logits = toFloat64(out.logits);
      const vocab = out.logits.dims[2];
      const S = ids.length;
      const d = f.hidden;
      const rows = Float32Array.from(states.subarray(f.layers * S * d, (f.layers + 1) * S * d));
      const targets = ids.map((_, s) => (s * 37 + 3) % vocab);
      const { model, info } = buildLensModel(bytes);
      const ls: LensSession = { info, session: await ortNode.InferenceSession.create(model, { logSeverityLevel: 3 }), ort: ortNode as OrtModule, vocab, errorContext: { runtime: 'onnxruntime-node', model: name, graphFile: f.file, stage: 'run' } };
      const r = await runLens(ls, rows, targets, 3);
      // fp16: the kernel normalises its float32 sum, while R[L] (output 3) is that sum rounded to fp16.
      const tol = info.elemType === 'float16' ? 2e-2 : 1e-4;
      let worst = 0;
      let top1 = 0;
      let top1UpToTies = 0;
      for (let s = 0; s < S; s++) {
        worst = Math.max(worst, Math.abs(r.targetLogProb![s] - logSoftmaxAt(logits, s * vocab, vocab, targets[s])));
        const best = topIds(logits, s * vocab, vocab, 1)[0];
        if (r.topIds[s * 3] === best) top1++;
        // The lens's top-1 is the graph's top-1, or within the tolerance of it (a tie in the graph's own logits).
        if (logSoftmaxAt(logits, s * vocab, vocab, r.topIds[s * 3]) >= logSoftmaxAt(logits, s * vocab, vocab, best) - tol) top1UpToTies++;
      }
      console.log(`lens on ${name} (${info.norm} → ${info.head}, ${info.elemType}): target log-prob vs the graph's logits max |Δ| ${worst.toExponential(2)}, top-1 ${top1}/${S} (${top1UpToTies}/${S} up to ties within ${tol})`);
      expect(worst).toBeLessThan(tol);
      expect(top1UpToTies).toBe(S);
      if (info.elemType === 'float32') expect(top1).toBe(S);
    });
  }
});

describe('(a) the lens on captured R[L] reproduces the model’s own logits', () => {
  for (const runtime of ['node', 'wasm'] as const) {
    it(`fp32-cpu on ${runtime === 'node' ? 'onnxruntime-node' : 'onnxruntime-web WASM'}`, async () => {
      const engine = await openTestEngine('fp32-cpu', runtime);
      try {
        let worst = 0;
        let worstTop = 0;
        let rows = 0;
        let sameTop5 = 0;
        for (const t of traces()) {
          const run = await engine.score(`${t.expr}=?`, t.text, CAPTURE);
          const P = run.promptLength;
          const T = run.ids.length;
          // outputLogits row i was computed at position P − 1 + i and predicts P + i.
          const pairs = Array.from({ length: T - P }, (_, i) => [L, P - 1 + i] as const);
          const targets = pairs.map(([, p]) => run.ids[p + 1]);
          const r = await engine.lens(gather(run, pairs), targets, 5);
          expect([r.topIds.length, r.topLogProbs.length, r.targetLogProb?.length]).toEqual([5 * pairs.length, 5 * pairs.length, pairs.length]);
          const lg = run.outputLogits as Float32Array;
          pairs.forEach((_, i) => {
            worst = Math.max(worst, Math.abs(r.targetLogProb![i] - logSoftmaxAt(lg, i * V, V, targets[i])));
            const want = topIds(lg, i * V, V, 5);
            want.forEach((id, j) => (worstTop = Math.max(worstTop, Math.abs(r.topLogProbs[i * 5 + j] - logSoftmaxAt(lg, i * V, V, id)))));
            if (want.every((id, j) => id === r.topIds[i * 5 + j])) sameTop5++;
          });
          rows += pairs.length;
        }
        console.log(`(a) ${runtime}: lens(R[L]) vs log_softmax(engine logits) over ${rows} rows: target max |Δ| ${worst.toExponential(2)}, top-5 values max |Δ| ${worstTop.toExponential(2)}, top-5 ids equal on ${sameTop5}/${rows}`);
        expect(worst).toBeLessThan(1e-5);
        expect(worstTop).toBeLessThan(1e-5);
        expect(sameTop5).toBe(rows);
      } finally {
        await engine.release();
      }
    });
  }
});

describe('(b) against the float64 reference (lensLogProbs, golden lens heights)', () => {
  let engine: Engine;
  let head: LensHead;
  beforeAll(async () => {
    engine = await openTestEngine('fp32-cpu', 'node');
    const files = await bundledFiles('fp32-cpu');
    head = referenceHead(
      files.graph,
      new Map(files.externalData.map((f) => [f.path, f.data])),
      '/model/layers.8/final_norm_layernorm/SkipLayerNorm',
      'model.layers.8.final_norm_layernorm.weight',
      'lm_head.MatMul.weight',
    );
  });
  afterAll(() => engine.release());

  it('matches lensLogProbs with the graph’s own weights on every R[l] of real traces', async () => {
    expect([head.dim, head.vocab, head.normEps]).toEqual([D, V, expect.closeTo(1e-6, 12)]);
    let worst = 0;
    let worstTop = 0;
    let n = 0;
    let sameTop1 = 0;
    const lp = new Float64Array(V);
    for (const t of traces()) {
      const run = await engine.score(`${t.expr}=?`, t.text, CAPTURE);
      const { pairs, targets } = allRows(run);
      const states = gather(run, pairs);
      const r = await engine.lens(states, targets, 5);
      for (let i = 0; i < pairs.length; i++) {
        lensLogProbs(head, states, i * D, lp);
        worst = Math.max(worst, Math.abs(r.targetLogProb![i] - lp[targets[i]]));
        for (let j = 0; j < 5; j++) worstTop = Math.max(worstTop, Math.abs(r.topLogProbs[i * 5 + j] - lp[r.topIds[i * 5 + j]]));
        if (r.topIds[i * 5] === topIds(lp, 0, V, 1)[0]) sameTop1++;
      }
      n += pairs.length;
    }
    console.log(`(b) lens vs float64 lensLogProbs over ${n} (layer, token) rows of ${traces().length} traces: target max |Δ| ${worst.toExponential(2)}, top-5 max |Δ| ${worstTop.toExponential(2)}, top-1 equal ${sameTop1}/${n}`);
    expect(worst).toBeLessThan(1e-4);
    expect(worstTop).toBeLessThan(1e-4);
    expect(sameTop1).toBeGreaterThanOrEqual(n - 2); // only float32-vs-float64 near-ties may swap
  });

  it('reproduces the golden lens heights (formulation-golden.json, NumPy float64) on onnxruntime-node and WASM', async () => {
    const golden = JSON.parse(readFileSync(resolve(REPO_ROOT, 'scripts/reference/out/formulation-golden.json'), 'utf8')) as {
      cases: { name: string; layers: number; tokens: number; dim: number; vocab: number; residual: number[]; reasoning: [number, number]; answer: [number, number]; targets: number[]; normWeight: number[]; normEps: number; lmHead: number[]; expected: { lens?: { lensHeight: number[][] } } }[];
    };
    let worst = 0;
    let worstAbs = 0;
    let count = 0;
    for (const c of golden.cases.filter((x) => x.expected.lens)) {
      const { model, info } = buildLensModel(synthReadout({ dim: c.dim, vocab: c.vocab, normWeight: c.normWeight, normEps: c.normEps, lmHead: c.lmHead }));
      expect(info.norm).toBe('SimplifiedLayerNormalization');
      const positions = [...Array(c.reasoning[1] - c.reasoning[0]).keys()].map((i) => c.reasoning[0] + i).concat([...Array(c.answer[1] - c.answer[0]).keys()].map((i) => c.answer[0] + i));
      const pairs = Array.from({ length: c.layers + 1 }, (_, l) => positions.map((p) => [l, p - 1] as const)).flat();
      const states = new Float32Array(pairs.length * c.dim);
      pairs.forEach(([l, p], i) => states.set(c.residual.slice((l * c.tokens + p) * c.dim, (l * c.tokens + p + 1) * c.dim), i * c.dim));
      const k = (i: number) => i % positions.length;
      const targets = pairs.map((_, i) => c.targets[k(i)]);
      for (const ort of [ortNode, ortWeb] as unknown as OrtModule[]) {
        const ls: LensSession = { info, session: await ort.InferenceSession.create(model), ort, vocab: c.vocab, errorContext: { runtime: 'test', model: c.name, graphFile: c.name, stage: 'run' } };
        const r = await runLens(ls, states, targets, 1);
        pairs.forEach(([l], i) => {
          const h = c.expected.lens!.lensHeight[l][k(i)];
          worst = Math.max(worst, Math.abs(-r.targetLogProb![i] - h) / Math.max(1, Math.abs(h)));
          worstAbs = Math.max(worstAbs, Math.abs(-r.targetLogProb![i] - h));
        });
        count += pairs.length;
        await ls.session.release();
      }
    }
    // case4-large-logits has heights up to 3.9e3, where float32 keeps about 4e-4 absolute: compare relative to max(1, |h|).
    console.log(`(b) golden lensHeight (5 synthetic cases × node, WASM): ${count} values, max |Δ|/max(1, |h|) ${worst.toExponential(2)}, max |Δ| ${worstAbs.toExponential(2)}`);
    expect(count).toBeGreaterThan(0);
    expect(worst).toBeLessThan(1e-4);
  });
});

describe('(c) the int4-cpu graph’s MatMulNBits head', () => {
  it('runs on onnxruntime-node (and WASM) and agrees with the fp32 lens on top-1 for most rows', async () => {
    const engine = await openTestEngine('fp32-cpu', 'node');
    const open = (variant: string, runtime: 'node' | 'wasm') =>
      bundledFiles(variant).then((f) =>
        runtime === 'node'
          ? openLensSession(ortNode as OrtModule, f, { executionProviders: ['cpu'], runtime: 'onnxruntime-node', sessionOptions: { intraOpNumThreads: 1 } })
          : openLensSession(ortWeb as unknown as OrtModule, f, { executionProviders: ['wasm'], runtime: 'onnxruntime-web' }),
      );
    const fp32 = await open('fp32-cpu', 'node');
    const int4 = { node: await open('int4-cpu', 'node'), wasm: await open('int4-cpu', 'wasm') };
    try {
      const agree = { node: 0, wasm: 0 };
      let agreeLast = 0;
      let rows = 0;
      let rowsLast = 0;
      let meanAbs = 0;
      let nodeVsWasm = 0;
      for (const t of traces()) {
        const run = await engine.score(`${t.expr}=?`, t.text, CAPTURE);
        const { pairs, targets } = allRows(run);
        const states = gather(run, pairs);
        const a = await runLens(fp32, states, targets, 1);
        const b: Record<'node' | 'wasm', LensResult> = { node: await runLens(int4.node, states, targets, 1), wasm: await runLens(int4.wasm, states, targets, 1) };
        pairs.forEach(([l], i) => {
          for (const k of ['node', 'wasm'] as const) if (a.topIds[i] === b[k].topIds[i]) agree[k]++;
          if (l === L) {
            rowsLast++;
            if (a.topIds[i] === b.node.topIds[i]) agreeLast++;
          }
          meanAbs += Math.abs(a.targetLogProb![i] - b.node.targetLogProb![i]);
          nodeVsWasm = Math.max(nodeVsWasm, Math.abs(b.node.targetLogProb![i] - b.wasm.targetLogProb![i]));
        });
        rows += pairs.length;
      }
      const pct = (x: number, n: number) => `${((100 * x) / n).toFixed(1)} %`;
      console.log(
        `(c) int4-cpu lens (MatMulNBits) vs fp32 lens on the same fp32 states, ${rows} rows: top-1 equal ${pct(agree.node, rows)} on node, ${pct(agree.wasm, rows)} on WASM; at layer L ${pct(agreeLast, rowsLast)}; ` +
          `mean |Δ target log-prob| ${(meanAbs / rows).toFixed(3)}; int4 node vs WASM max |Δ| ${nodeVsWasm.toExponential(2)}`,
      );
      expect(agree.node / rows).toBeGreaterThan(0.8);
      expect(agreeLast / rowsLast).toBeGreaterThan(0.9);
      // MatMulNBits at accuracy_level 4 quantises the activations to int8, and the two runtimes' kernels round differently.
      expect(agree.wasm / rows).toBeGreaterThan(0.8);
    } finally {
      for (const s of [fp32, int4.node, int4.wasm]) await s.session.release();
      await engine.release();
    }
  });
});

describe('the WebGPU graphs’ fp16 read-outs', () => {
  it('run as a lens on onnxruntime-node and WASM (no GroupQueryAttention in it), with the fp32 lens’s top-1 on R[L]', async () => {
    const engine = await openTestEngine('fp32-cpu', 'node', { warmup: false });
    try {
      const t = traces()[1];
      const run = await engine.score(`${t.expr}=?`, t.text, { stateCapBytes: Infinity });
      const T = run.ids.length;
      const rows = gather(run, Array.from({ length: T }, (_, p) => [L, p] as const));
      const ref = await engine.lens(rows, null, 1);
      for (const variant of ['fp16-webgpu', 'int4-webgpu']) {
        for (const [runtime, ort, ep] of [['node', ortNode, 'cpu'], ['wasm', ortWeb, 'wasm']] as const) {
          const ls = await openLensSession(ort as unknown as OrtModule, await bundledFiles(variant), { executionProviders: [ep] });
          expect(ls.info.elemType).toBe('float16');
          const r = await runLens(ls, rows, null, 1);
          const same = ref.topIds.filter((id, i) => id === r.topIds[i]).length;
          console.log(`${variant} lens (${ls.info.head}, float16) on ${runtime}: top-1 equal to the fp32 lens on ${same}/${T} R[L] rows`);
          expect(same).toBeGreaterThanOrEqual(T - 2);
          await ls.session.release();
        }
      }
    } finally {
      await engine.release();
    }
  });
});

describe('(d) refusals', () => {
  const head = { dim: 4, vocab: 6, normWeight: [1, 1, 1, 1], normEps: 1e-6, lmHead: Array.from({ length: 24 }, (_, i) => Math.sin(i)) };

  it('says why the read-out cannot be isolated', () => {
    const cases: [Uint8Array, RegExp][] = [
      [synthReadout({ ...head, after: 'Tanh' }), /the logits \("logits"\) come from Tanh "after_head", not a MatMul\/MatMulNBits\/Gemm LM head/],
      [synthReadout({ ...head, norm: 'relu' }), /reads "h" from Relu "final_relu", which is neither a norm op .* nor norm arithmetic; the lens cannot isolate the final norm/],
      [synthReadout({ ...head, norm: 'mul' }), /the final norm before the LM head is decomposed \(Mul "final_scale"\), and the residual it normalises cannot be found: cannot tell which graph input holds the token ids/],
      [new Uint8Array([8, 1, 0x3a, 0x7f, 1]), /^not an ONNX model \(5 bytes\)/],
    ];
    for (const [bytes, msg] of cases) {
      let err: unknown = null;
      try {
        buildLensModel(bytes);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TapError);
      expect((err as Error).message).toMatch(msg);
    }
    const lensOfLens = buildLensModel(synthReadout(head)).model;
    expect(() => buildLensModel(lensOfLens)).toThrow(/no "logits" graph output|already uses the name "lens_states"/);
  });

  it('the engine turns them into an UnsupportedModelError, and checks its arguments', async () => {
    const files = await bundledFiles('fp32-cpu');
    const err = await openLensSession(ortNode as OrtModule, { ...files, graph: synthReadout({ ...head, after: 'Tanh' }) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedModelError);
    expect((err as Error).message).toMatch(/^tiny-reasoner.*: the logit lens cannot isolate the model's read-out \(final norm and LM head\): the logits/);
    await expect(openLensSession(ortNode as OrtModule, { ...files, graph: synthReadout(head) })).rejects.toThrow(/final norm of width 4, but the config's hidden size is 160/);

    const engine = await openTestEngine('fp32-cpu', 'node', { warmup: false });
    try {
      const one = new Float32Array(D).fill(0.5);
      await expect(engine.lens(new Float32Array(D + 1), null, 5)).rejects.toThrow(EngineInputError);
      await expect(engine.lens(one, null, 0)).rejects.toThrow(/k must be a whole number in \[1, 86\], got 0/);
      await expect(engine.lens(one, null, 87)).rejects.toThrow(/got 87/);
      await expect(engine.lens(one, [1, 2], 5)).rejects.toThrow(/2 given for 1 states/);
      await expect(engine.lens(one, [86], 5)).rejects.toThrow(/token ids in \[0, 86\), got 86/);
      const ok = await engine.lens(one, null, 86); // still works after refusals; k = vocab gives the whole sorted row
      expect(ok.targetLogProb).toBeNull();
      expect(ok.topIds.length).toBe(86);
      expect(new Set(ok.topIds).size).toBe(86);
      expect(Math.abs(ok.topLogProbs.reduce((s, x) => s + Math.exp(x), 0) - 1)).toBeLessThan(1e-5);
      const empty = await engine.lens(new Float32Array(0), [], 3);
      expect([empty.topIds.length, empty.targetLogProb?.length]).toEqual([0, 0]);
    } finally {
      await engine.release();
    }
    await expect(engine.lens(new Float32Array(D), null, 1)).rejects.toThrow(/unloaded/);
  });
});

describe('the worker contract', () => {
  it('EngineHost.logitLens on WASM gives what the fp32 engine gives, and refuses a wrong width', async () => {
    const publicFetch = (async (input: string | URL | Request) => {
      const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
      return new Response(readFileSync(resolve(REPO_ROOT, 'public', decodeURIComponent(url.pathname).slice(1))));
    }) as typeof fetch;
    const h = new EngineHost({ ort: ortWeb as unknown as OrtModule, baseUrl: 'http://app.test/', fetch: publicFetch, probeWebGpu: async () => null });
    await expect(h.logitLens(new Float32Array(D), D, null, 5)).rejects.toThrow(/No model is loaded/);
    await h.load({ kind: 'bundled' }, undefined, { backend: 'wasm' });
    const t = testbedTraces()[7];
    const run = await h.score('lens', `${t.expr}=?`, t.text, { stateCapBytes: Infinity });
    const p = run.segments.reasoning[0];
    // The selected token's path: R[0..L] at position p − 1 (the state that predicts token p).
    const pairs = Array.from({ length: L + 1 }, (_, l) => [l, p - 1] as const);
    const states = gather(run, pairs);
    const targets = pairs.map(() => run.ids[p]);
    const r = await h.logitLens(states.slice(), D, targets, 5);
    const engine = await openTestEngine('fp32-cpu', 'node', { warmup: false });
    try {
      const ref = await engine.lens(states, targets, 5);
      let worst = 0;
      for (let i = 0; i < ref.topLogProbs.length; i++) worst = Math.max(worst, Math.abs(r.topLogProbs[i] - ref.topLogProbs[i]));
      expect(worst).toBeLessThan(1e-5);
      expect(Array.from(r.topIds)).toEqual(Array.from(ref.topIds));
      expect(r.targetLogProb![L]).toBeCloseTo(run.tokens[p - run.promptLength].logProb, 4); // layer L is the model's own prediction
    } finally {
      await engine.release();
    }
    await expect(h.logitLens(states, 64, targets, 5)).rejects.toThrow(/64 wide, but the loaded model's hidden size is 160/);
  });

  it('the fake engine answers with lensLogProbs over its fixed head, deterministically', async () => {
    const fake = createFakeEngine();
    await fake.load({ kind: 'bundled' });
    const d = FAKE_LENS_HEAD.dim;
    const states = Float32Array.from({ length: 3 * d }, (_, i) => Math.sin(i * 0.9) * 2);
    const a = await fake.logitLens(states, d, [1, 7, 30], 4);
    const b = await fake.logitLens(states, d, [1, 7, 30], 4);
    expect(a).toEqual(b);
    const lp = lensLogProbs(FAKE_LENS_HEAD, states, d);
    expect(a.targetLogProb![1]).toBeCloseTo(lp[7], 5);
    expect(a.topLogProbs[4]).toBeCloseTo(Math.max(...lp), 5);
    expect(a.topIds.length).toBe(12);
    await expect(fake.logitLens(states, d + 1, null, 4)).rejects.toThrow(/must be \[n\]\[8\]/);
  });
});
