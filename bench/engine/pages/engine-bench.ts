// The engine benchmark's browser page (served by Vite's dev server from bench/engine/run.ts, never
// shipped): the same cells as in Node, on onnxruntime-web's WebGPU or WASM EP in the page's thread.
// The app runs the engine in a worker; the page runs it in-thread so that the untapped engine and
// raw sessions, which the worker's API does not offer, run beside the tapped one on the same EP.
import * as hf from '@huggingface/transformers';
import * as ort from 'onnxruntime-web/webgpu';
import { loadModelFiles, type FolderReader, type OrtModule } from '../../../src/engine/index';
import { HF_MODELS, TJS_EXTERNAL_DATA, WEBGPU_PREFILL_CHUNK } from '../config';
import { measureCell, type CellResult } from '../measure';
import { openTjs } from '../tjs';

// After the imports: transformers.js points onnxruntime-web at a CDN when it loads; serve it from here.
ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';
hf.env.allowRemoteModels = false;
hf.env.allowLocalModels = true;
hf.env.localModelPath = `${location.origin}/__bench_hf/`;
hf.env.useBrowserCache = false;
hf.env.useWasmCache = false;

export interface PageCell {
  readonly backend: 'webgpu' | 'wasm';
  readonly label: string;
  readonly variant: string;
  readonly reps: number;
  readonly warmup: number;
  readonly decodeTokens: number;
  readonly prompt: string;
  readonly output: string;
  /** Also run transformers.js generate() (false to measure it in Node only). */
  readonly tjs: boolean;
  readonly scoreOutputTokens?: number;
  readonly attribution?: boolean;
}

const BASE = '/models/tiny-reasoner/';

async function bundledReader(): Promise<FolderReader> {
  const manifest = (await (await fetch(`${BASE}manifest.json`)).json()) as { files: Record<string, number> };
  return {
    name: 'tiny-reasoner (bundled)',
    list: async () => Object.keys(manifest.files),
    read: async (path) => {
      const res = await fetch(`${BASE}${path}`);
      if (!res.ok) throw new Error(`${BASE}${path}: HTTP ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    },
  };
}

async function run(cell: PageCell): Promise<CellResult> {
  const files = await loadModelFiles(await bundledReader(), { variant: cell.variant });
  const gpu = cell.backend === 'webgpu';
  const m = HF_MODELS[cell.variant];
  const c = files.config;
  return measureCell(
    {
      runtime: cell.label,
      variant: cell.variant,
      reps: cell.reps,
      warmup: cell.warmup,
      decodeTokens: cell.decodeTokens,
      prefillChunk: gpu ? WEBGPU_PREFILL_CHUNK : Infinity,
      prompt: cell.prompt,
      output: cell.output,
      scoreOutputTokens: cell.scoreOutputTokens,
      attribution: cell.attribution,
    },
    {
      ort: ort as unknown as OrtModule,
      files,
      // As the app's worker opens it (src/engine/host.ts): the KV cache stays on the GPU.
      engineOptions: { runtime: 'onnxruntime-web', executionProviders: [cell.backend], kvOnDevice: gpu, sessionOptions: { logSeverityLevel: 3 } },
      openTjs: cell.tjs
        ? () =>
            openTjs(hf, {
              id: m.id,
              dtype: m.dtype,
              device: cell.backend,
              sessionOptions: { externalData: TJS_EXTERNAL_DATA },
              layers: c.layers,
              kv: m.kv,
              kvHeads: c.numKvHeads,
              headDim: c.headDim,
            })
        : null,
      log: (s) => console.log(`[bench] ${s}`),
    },
  );
}

async function adapter(): Promise<string> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<{ info?: Record<string, string>; features: ReadonlySet<string> } | null> } }).gpu;
  const a = await gpu?.requestAdapter();
  if (!a) return 'no WebGPU adapter';
  const i = a.info ?? {};
  const f16 = a.features.has('shader-f16') ? 'shader-f16' : 'no shader-f16';
  return `${[i.vendor, i.architecture, i.description].filter(Boolean).join(' ')} (${f16})`;
}

declare global {
  interface Window {
    engineBench: { run: typeof run; adapter: typeof adapter };
  }
}

window.engineBench = { run, adapter };
document.getElementById('status')!.textContent = 'ready';
