import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { explainOrtError, toStatesCase, UnsupportedModelError } from '../../../src/engine/index';
import { relErr, sharedPath } from '../../paths';
import { maxRelErr, openTestEngine, referenceScores, testbedTraces, type RuntimeName } from './helpers';

/**
 * The other graphs and the other runtime. Measured here (ORT-node 1.30, ORT-web 1.31-dev WASM in
 * Node): int4-cpu runs on both — ORT-web now has a WASM GatherBlockQuantized kernel, unlike the
 * 1.30 build the engine issue measured — while the two *-webgpu graphs fail on every CPU kernel
 * because their GroupQueryAttention fuses the Q/K norm.
 */
const REF = JSON.parse(readFileSync(sharedPath('fixtures/tiny-reasoner/reference-states.json'), 'utf8')) as {
  ids: number[];
  residual: number[];
  hidden: number[];
}[];

describe('onnxruntime-web (WASM) in Node', () => {
  it('captures the fp32 graph like PyTorch and generates the testbed text', async () => {
    const engine = await openTestEngine('fp32-cpu', 'wasm');
    try {
      const ref = REF[0];
      const p = ref.ids.indexOf(3);
      const run = await engine.score({ ids: ref.ids.slice(0, p) }, ref.ids.slice(p), { stateCapBytes: Infinity, keepLogits: true });
      const c = toStatesCase(run, 86);
      const r = maxRelErr(c.residual.data, ref.residual).rel;
      const h = maxRelErr(c.hidden.data, ref.hidden).rel;
      console.log(`wasm fp32 vs PyTorch: residual ${r.toExponential(2)}, hidden ${h.toExponential(2)}`);
      expect(Math.max(r, h)).toBeLessThan(1e-4);
      for (const t of testbedTraces().filter((_, i) => i % 160 === 1)) {
        expect((await engine.generate(`${t.expr}=?`)).text).toBe(t.text);
      }
      // Output tensors must be copies, not views of the WASM heap that the next run overwrites:
      // states kept over a whole decode must still equal one teacher-forced pass.
      const t = testbedTraces()[450];
      const gen = toStatesCase(await engine.generate(`${t.expr}=?`, { stateCapBytes: Infinity, keepLogits: true }), 86);
      const tf = toStatesCase(await engine.score(`${t.expr}=?`, t.text, { stateCapBytes: Infinity, keepLogits: true }), 86);
      expect(maxRelErr(gen.residual.data, tf.residual.data).rel).toBeLessThan(1e-5);
      expect(maxRelErr(gen.hidden.data, tf.hidden.data).rel).toBeLessThan(1e-5);
    } finally {
      await engine.release();
    }
  });
});

describe('int4-cpu graph', () => {
  for (const runtime of ['node', 'wasm'] as RuntimeName[]) {
    it(`runs on ${runtime === 'node' ? 'onnxruntime-node' : 'onnxruntime-web WASM'} and reports its states`, async () => {
      const engine = await openTestEngine('int4-cpu', runtime);
      try {
        // WASM runs int4 about five times slower here: fewer traces keep the file short.
        const traces = testbedTraces().filter((_, i) => i % (runtime === 'node' ? 40 : 80) === 0);
        let same = 0;
        let worst = 0;
        for (const t of traces) {
          const gen = await engine.generate(`${t.expr}=?`, {});
          if (gen.text === t.text) same++;
          const run = await engine.score(`${t.expr}=?`, t.text, { stateCapBytes: Infinity });
          expect(run.states?.tokens).toBe(run.ids.length);
          expect(run.states?.residual.every(Number.isFinite)).toBe(true);
          const ref = referenceScores(t);
          worst = Math.max(worst, relErr(run.scores.cotkEnergy as number, ref.cotkEnergy), relErr(run.scores.coeC as number, ref.coeC));
        }
        console.log(`int4-cpu on ${runtime}: ${same}/${traces.length} greedy texts equal fp32's; energy/CoE-C vs fp32 reference up to ${worst.toExponential(2)} relative`);
        expect(same).toBeGreaterThan(traces.length / 2);
        expect(worst).toBeLessThan(0.2);
      } finally {
        await engine.release();
      }
    });
  }
});

describe('graphs a runtime cannot run say which operator and what to do', () => {
  for (const variant of ['fp16-webgpu', 'int4-webgpu']) {
    for (const runtime of ['node', 'wasm'] as RuntimeName[]) {
      it(`${variant} on ${runtime} fails at load`, async () => {
        const err = await openTestEngine(variant, runtime).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(UnsupportedModelError);
        expect((err as UnsupportedModelError).op).toBe('GroupQueryAttention');
        expect((err as Error).message).toMatch(new RegExp(`cannot run tiny-reasoner, ${variant}: this graph fuses the Q/K norm .*pick a variant made for the CPU \\(fp32-cpu, int4-cpu`));
      });
    }
  }

  it('explains an operator the runtime does not know', () => {
    const raw = new Error('Fatal error: com.microsoft:SkiXSimplifiedLayerNormalization(-1) is not a registered function/op');
    const e = explainOrtError(raw, { runtime: 'onnxruntime-node (cpu)', model: 'm, fp32', graphFile: 'model.onnx', stage: 'load' });
    expect((e as UnsupportedModelError).op).toBe('SkiXSimplifiedLayerNormalization');
    expect(e.message).toMatch(/cannot load m, fp32: it uses an operator this runtime does not know \(com\.microsoft:SkiX.*newer onnxruntime, or the file is damaged/);
  });

  it('explains a missing int4 kernel (ORT-web 1.30 WASM: GatherBlockQuantized)', () => {
    const raw = new Error(
      "Can't create a session. ERROR_CODE: 9, ERROR_MESSAGE: Could not find an implementation for GatherBlockQuantized(1) node with name '/model/embed_tokens/GatherBlockQuantized'",
    );
    const e = explainOrtError(raw, { runtime: 'onnxruntime-web (wasm)', model: 'tiny-reasoner, int4-cpu', graphFile: 'int4-cpu/model.onnx', stage: 'load' });
    expect(e).toBeInstanceOf(UnsupportedModelError);
    expect((e as UnsupportedModelError).op).toBe('GatherBlockQuantized');
    expect(e.message).toBe(
      'onnxruntime-web (wasm) cannot load tiny-reasoner, int4-cpu: it has no kernel for the GatherBlockQuantized operator; this runtime has no kernel for that quantized operator; pick the fp32 variant (fp32-cpu or fp32), or run this graph in onnxruntime-node (the cotk CLI).',
    );
  });
});
