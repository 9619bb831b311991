// A test page (served by Vite's dev server in the browser tests, never shipped) that runs a graph
// of the bundled model on a chosen execution provider, with a chosen prefill chunk size, so tests
// can compare WebGPU, WASM and the PyTorch reference position by position.
import * as ort from 'onnxruntime-web/webgpu';

ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
ort.env.wasm.numThreads = 1;

export interface ProbeRun {
  model: string; // URL of model.onnx (its external data beside it as model.onnx.data)
  ep: 'webgpu' | 'wasm';
  ids: number[];
  chunk: number;
  kvHeads: number;
  headDim: number;
  layers: number;
  extraOutputs?: string[];
}

export interface ProbeResult {
  logits: number[];
  vocab: number;
  extra: Record<string, { dims: number[]; data: number[] }>;
  ms: number;
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

async function probe(run: ProbeRun, graph?: Uint8Array): Promise<ProbeResult> {
  const bytes = graph ?? (await fetchBytes(run.model));
  const data = await fetchBytes(`${run.model}.data`);
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: [run.ep],
    externalData: [{ path: 'model.onnx.data', data }],
  });
  const t0 = performance.now();
  let past: Record<string, ort.Tensor> = {};
  for (let l = 0; l < run.layers; l++) {
    for (const kv of ['key', 'value']) past[`past_key_values.${l}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [1, run.kvHeads, 0, run.headDim]);
  }
  const logits: number[] = [];
  const extra: ProbeResult['extra'] = {};
  let vocab = 0;
  for (let s = 0; s < run.ids.length; s += run.chunk) {
    const ids = run.ids.slice(s, s + run.chunk);
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(s + ids.length).fill(1n), [1, s + ids.length]),
      ...past,
    };
    const out = await session.run(feeds);
    const lg = out.logits;
    vocab = lg.dims[2];
    logits.push(...Array.from(lg.data as Float32Array));
    const next: Record<string, ort.Tensor> = {};
    for (let l = 0; l < run.layers; l++) {
      for (const kv of ['key', 'value']) next[`past_key_values.${l}.${kv}`] = out[`present.${l}.${kv}`];
    }
    past = next;
    for (const name of run.extraOutputs ?? []) {
      const t = out[name];
      const prev = extra[name];
      extra[name] = { dims: [...t.dims], data: [...(prev?.data ?? []), ...Array.from(t.data as Float32Array)] };
    }
  }
  const ms = performance.now() - t0;
  await session.release();
  return { logits, vocab, extra, ms };
}

declare global {
  interface Window {
    probe: typeof probe;
    probeGraph: (run: ProbeRun, graph: number[]) => Promise<ProbeResult>;
    probeAdapter: () => Promise<string>;
  }
}

window.probe = (run) => probe(run);
window.probeGraph = (run, graph) => probe(run, Uint8Array.from(graph));
window.probeAdapter = async () => {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<{ info?: { vendor: string; architecture: string; description: string }; features: Set<string> } | null> } }).gpu;
  if (!gpu) return 'no navigator.gpu';
  const a = await gpu.requestAdapter();
  if (!a) return 'no adapter';
  return JSON.stringify({ ...a.info, vendor: a.info?.vendor, architecture: a.info?.architecture, description: a.info?.description, f16: a.features.has('shader-f16') });
};
document.getElementById('status')!.textContent = 'ready';
