/**
 * The tapped graphs on a real runtime (onnxruntime-node, CPU): logits and KV cache bit-identical to
 * the untapped graph, `cotk_states` shaped [L+2, 1, seq, hidden], and the captured states equal to
 * the float64 NumPy (stories260K) and PyTorch (tiny-reasoner) references.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tapModel } from '../../../../src/engine/tap';
import { sharedPath } from '../../../paths';
import { FIXTURES, type Fixture, readFixture } from './fixtures';
import { bitIdentical, createSession, prefill, prefillFeeds, toFloat64 } from './ort';

interface ReasonerTrace {
  id: number;
  ids: number[];
  residual: number[];
  hidden: number[];
  shape: [number, number, number];
  logits: number[];
}
const storiesRef: { ids: number[]; taps: number[][][] } = JSON.parse(readFileSync(sharedPath('fixtures/stories260K/reference-taps.json'), 'utf8'));
const reasonerRef: ReasonerTrace[] = JSON.parse(readFileSync(sharedPath('fixtures/tiny-reasoner/reference-states.json'), 'utf8'));

/** A real sequence per graph: the reference traces' ids; GPT-2 (random weights, vocab 1000) gets frequent GPT-2 tokens below 1000. */
function sequenceFor(name: string): number[] {
  if (name.startsWith('stories260K')) return storiesRef.ids;
  if (name.startsWith('tiny-reasoner')) return reasonerRef[0].ids;
  return [464, 3290, 286, 262, 995, 318, 257, 1295, 284, 651, 290, 262, 812, 13].filter((id) => id < 1000);
}

async function runBoth(f: Fixture, ids: number[]) {
  const original = readFixture(f);
  const { model, info } = tapModel(original, { expectedLayers: f.layers });
  const plain = await prefill(await createSession(f, original), f, ids);
  const tapped = await prefill(await createSession(f, model), f, ids);
  return { plain, tapped, info };
}

describe('the tap does not change the logits (bit-equality) and adds cotk_states', () => {
  for (const [name, f] of Object.entries(FIXTURES)) {
    if (f.cpuError) {
      it(`${name}: loads tapped, and fails to run on CPU exactly as the untapped graph does`, async () => {
        const original = readFixture(f);
        const { model } = tapModel(original, { expectedLayers: f.layers });
        const ids = sequenceFor(name);
        for (const bytes of [original, model]) {
          const session = await createSession(f, bytes);
          expect(session.outputNames.includes('cotk_states')).toBe(bytes === model);
          await expect(prefill(session, f, ids)).rejects.toThrow(f.cpuError);
        }
      });
      continue;
    }
    it(name, async () => {
      const ids = sequenceFor(name);
      const { plain, tapped } = await runBoth(f, ids);
      for (const out of Object.keys(plain)) expect(bitIdentical(plain[out], tapped[out]), out).toBe(true);
      expect(Object.keys(tapped).sort()).toEqual([...Object.keys(plain), 'cotk_states'].sort());
      const states = tapped.cotk_states;
      expect(states.type).toBe('float32');
      expect(states.dims).toEqual([f.layers + 2, 1, ids.length, f.hidden]);
      expect((states.data as Float32Array).every(Number.isFinite)).toBe(true);
    });
  }
});

/** max |a − ref| and that over max |ref|, over every element of R[0..5]. */
function storiesError(states: Float32Array, T: number, d: number) {
  let maxAbs = 0;
  let maxRef = 0;
  storiesRef.taps.forEach((layer, l) =>
    layer.forEach((row, t) =>
      row.forEach((ref, k) => {
        maxAbs = Math.max(maxAbs, Math.abs(states[(l * T + t) * d + k] - ref));
        maxRef = Math.max(maxRef, Math.abs(ref));
      }),
    ),
  );
  return { maxAbs, relToMax: maxAbs / maxRef };
}

describe('stories260K: captured R[0..5] equal the float64 reference', () => {
  // fp32 graphs: float32 rounding through 5 layers of width 64 lands at ~2e-5 absolute on values up
  // to 7.4 (measured 1.9e-5 torch, 1.6e-5 builder); 1e-4 absolute leaves room for other CPU kernels.
  // fp16 graph: every op rounds to 11 significant bits (one ulp is 0.004 at |x| ≈ 4–8) and the
  // errors compound over 5 layers; measured 0.062 absolute = 8.4e-3 of the largest value. The bound
  // 0.15 absolute / 2e-2 relative-to-max still catches a wrong tensor (those differ by O(1)).
  const cases: Array<[string, number, number]> = [
    ['stories260K torch', 1e-4, 1e-5],
    ['stories260K builder', 1e-4, 1e-5],
    ['stories260K builder fp16', 0.15, 2e-2],
  ];
  for (const [name, absTol, relTol] of cases) {
    it(name, async () => {
      const f = FIXTURES[name];
      const { tapped } = await runBoth(f, storiesRef.ids);
      const T = storiesRef.ids.length;
      const { maxAbs, relToMax } = storiesError(tapped.cotk_states.data as Float32Array, T, f.hidden);
      expect(maxAbs).toBeLessThan(absTol);
      expect(relToMax).toBeLessThan(relTol);
      // The reference ids are the greedy continuation: every graph must predict them.
      const logits = toFloat64(tapped.logits);
      const V = logits.length / T;
      for (let t = 0; t + 1 < T; t++) {
        const row = logits.subarray(t * V, (t + 1) * V);
        expect(row.indexOf(Math.max(...row)), `position ${t}`).toBe(storiesRef.ids[t + 1]);
      }
    });
  }
});

describe('tiny-reasoner fp32: R and H equal PyTorch (reference-states.json) to 1e-4 relative', () => {
  // Relative = max over all elements of |Δ| divided by the max |reference| of that tensor (R, H or
  // logits); measured ≤ 9e-7 for states and ≤ 1.6e-6 for logits on onnxruntime-node 1.30 CPU.
  const f = FIXTURES['tiny-reasoner fp32-cpu'];
  for (const trace of reasonerRef) {
    it(`trace ${trace.id} (${trace.ids.length} tokens)`, async () => {
      const { model } = tapModel(readFixture(f), { expectedLayers: f.layers });
      const out = await prefill(await createSession(f, model), f, trace.ids);
      const states = out.cotk_states.data as Float32Array;
      const [L1, T, d] = trace.shape;
      expect(out.cotk_states.dims).toEqual([L1 + 1, 1, T, d]);
      const block = T * d;
      const compare = (ref: number[], layerOf: (l: number) => number) => {
        let maxAbs = 0;
        let maxRef = 0;
        for (let l = 0; l < L1; l++) {
          for (let i = 0; i < block; i++) {
            const r = ref[l * block + i];
            maxAbs = Math.max(maxAbs, Math.abs(states[layerOf(l) * block + i] - r));
            maxRef = Math.max(maxRef, Math.abs(r));
          }
        }
        return maxAbs / maxRef;
      };
      expect(compare(trace.residual, (l) => l)).toBeLessThan(1e-4);
      // H[l] = R[l] for l < L; H[L] is the extra slice at index L + 1.
      expect(compare(trace.hidden, (l) => (l === L1 - 1 ? L1 : l))).toBeLessThan(1e-4);
      const logits = out.logits.data as Float32Array;
      const maxRef = Math.max(...trace.logits.map(Math.abs));
      expect(Math.max(...trace.logits.map((r, i) => Math.abs(logits[i] - r))) / maxRef).toBeLessThan(1e-4);
    });
  }
});

describe('onnxruntime-web (WASM, the runtime the app ships): bit-equality and states', () => {
  // Same checks on the browser runtime running in Node: its graph optimiser and kernels are built
  // separately from onnxruntime-node's, so equality there is not implied by equality here.
  for (const name of ['tiny-reasoner fp32-cpu', 'stories260K torch', 'tiny-random-gpt2']) {
    it(name, async () => {
      const web = await import('onnxruntime-web');
      web.env.wasm.numThreads = 1;
      const f = FIXTURES[name];
      const original = readFixture(f);
      const dataFile = sharedPath('fixtures', f.file.replace(/model\.onnx$/, 'model.onnx.data'));
      const externalData = f.file.endsWith('model.onnx') ? [{ path: 'model.onnx.data', data: new Uint8Array(readFileSync(dataFile)) }] : undefined;
      const ids = sequenceFor(name);
      const run = async (bytes: Uint8Array) => {
        const session = await web.InferenceSession.create(bytes, { executionProviders: ['wasm'], externalData, logSeverityLevel: 4 });
        const metadata = session.inputMetadata.map((m) => ({ name: m.name, isTensor: m.isTensor, type: m.isTensor ? m.type : undefined }));
        return session.run(prefillFeeds(metadata, f, ids, (type, data, dims) => new web.Tensor(type, data, dims)));
      };
      const plain = await run(original);
      const tapped = await run(tapModel(original, { expectedLayers: f.layers }).model);
      for (const out of Object.keys(plain)) expect(bitIdentical(plain[out], tapped[out]), out).toBe(true);
      expect(tapped.cotk_states.dims).toEqual([f.layers + 2, 1, ids.length, f.hidden]);
      if (name === 'tiny-reasoner fp32-cpu') {
        const states = tapped.cotk_states.data as Float32Array;
        const ref = reasonerRef[0].residual;
        const maxRef = Math.max(...ref.map(Math.abs));
        expect(Math.max(...ref.map((r, i) => Math.abs(states[i] - r))) / maxRef).toBeLessThan(1e-4);
      }
    });
  }
});
