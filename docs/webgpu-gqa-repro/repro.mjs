// Runs docs/webgpu-gqa-repro/gqa.onnx (one GroupQueryAttention node) on the WASM and the WebGPU
// execution providers with the same random inputs, for several prefill lengths S (empty past), and
// reports max |WebGPU − WASM| per length and the first query position that differs.
import * as ort from '../../node_modules/onnxruntime-web/dist/ort.webgpu.min.mjs';

ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
ort.env.wasm.numThreads = 1;

function random(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

function feeds(S) {
  const r = random(S);
  const t = (n, dims) => new ort.Tensor('float32', Float32Array.from({ length: n }, r), dims);
  return {
    query: t(S * 160, [1, S, 160]),
    key: t(S * 32, [1, S, 32]),
    value: t(S * 32, [1, S, 32]),
    past_key: new ort.Tensor('float32', new Float32Array(0), [1, 1, 0, 32]),
    past_value: new ort.Tensor('float32', new Float32Array(0), [1, 1, 0, 32]),
    seqlens_k: new ort.Tensor('int32', Int32Array.from([S - 1]), [1]),
    total_sequence_length: new ort.Tensor('int32', Int32Array.from([S]), []),
  };
}

export async function runRepro(lengths = [8, 16, 31, 32, 43, 64]) {
  const model = new Uint8Array(await (await fetch(new URL('./gqa.onnx', import.meta.url))).arrayBuffer());
  const wasm = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
  const gpu = await ort.InferenceSession.create(model, { executionProviders: ['webgpu'] });
  const rows = [];
  for (const S of lengths) {
    const a = (await wasm.run(feeds(S))).output.data;
    const b = (await gpu.run(feeds(S))).output.data;
    let max = 0;
    let first = -1;
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i] - b[i]);
      if (d > max) max = d;
      if (d > 1e-3 && first < 0) first = Math.floor(i / 160);
    }
    rows.push({ S, maxAbsDiff: max, firstBadPosition: first });
  }
  return rows;
}
