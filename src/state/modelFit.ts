import { formatBytes } from '../components/ProgressBar';
import { WASM32_HEAP_BYTES } from '../core/plan';

/**
 * Will a model fit this device? Pure: sizes are estimated before anything is downloaded (the Hub
 * does not say a repo's size without a request per file), and compared with what the browser tells
 * about itself. Every answer is a sentence; the user decides whether to go on.
 */
export interface DeviceProbe {
  /** The WebGPU adapter's limits, or null when the browser has no adapter (WASM only). */
  readonly webgpu: { readonly adapter: string | null; readonly maxBufferSize: number; readonly maxStorageBufferBindingSize: number } | null;
  /** navigator.deviceMemory (GB, rounded and capped by the browser), or null where the browser does not say. */
  readonly deviceMemoryGB: number | null;
  /** navigator.storage.estimate(), or null where unavailable. */
  readonly storage: { readonly quota: number; readonly usage: number } | null;
}

export interface SizeEstimate {
  /** Bytes of weights to download and hold. */
  readonly bytes: number;
  /** Bytes of the largest single weight (the embedding table), which must fit one GPU buffer; null if unknown. */
  readonly largestTensor: number | null;
  /** How the estimate was made, in words. */
  readonly basis: string;
}

/** Architecture of the recommended repos: embedding parameters and the rest (matmul weights). */
interface KnownRepo {
  readonly label: string;
  readonly embedding: number;
  readonly matmul: number;
}

/**
 * Qwen3-0.6B: vocabulary 151 936 × hidden 1024, tied LM head, about 0.44 B other parameters.
 * DeepSeek-R1-Distill-Qwen-1.5B: 151 936 × 1536 embedding, an untied LM head of the same size,
 * about 1.31 B other parameters. From the models' config.json files.
 */
export const KNOWN_REPOS: Readonly<Record<string, KnownRepo>> = {
  'onnx-community/Qwen3-0.6B-ONNX': { label: 'Qwen3-0.6B', embedding: 151_936 * 1024, matmul: 440e6 },
  'onnx-community/DeepSeek-R1-Distill-Qwen-1.5B-ONNX': { label: 'DeepSeek-R1-Distill-Qwen-1.5B', embedding: 151_936 * 1536, matmul: 1_310e6 + 151_936 * 1536 },
};

/**
 * Bytes per parameter by transformers.js dtype: [matmul weights, embedding table]. 4-bit block
 * quantisation stores a scale per 32 weights (fp32 scales for q4, fp16 for q4f16); the quantised
 * exports keep the embedding table at the float width of the graph.
 */
const BYTES: Readonly<Record<string, readonly [number, number]>> = {
  fp32: [4, 4],
  fp16: [2, 2],
  q8: [1, 1],
  int8: [1, 1],
  uint8: [1, 1],
  q4: [0.5 + 4 / 32, 4],
  bnb4: [0.5 + 4 / 32, 4],
  q4f16: [0.5 + 2 / 32, 2],
};

export function estimateHubSize(repo: string, dtype: string): SizeEstimate | null {
  const known = KNOWN_REPOS[repo.trim()];
  const b = BYTES[dtype];
  if (!known || !b) return null;
  return {
    bytes: Math.round(known.matmul * b[0] + known.embedding * b[1]),
    largestTensor: Math.round(known.embedding * b[1]),
    basis: `estimated from ${known.label}'s architecture for ${dtype}`,
  };
}

/** A local folder's size is known exactly: the sum of its files. */
export function filesSize(files: ReadonlyArray<{ readonly data: Uint8Array }>): SizeEstimate {
  return { bytes: files.reduce((s, f) => s + f.data.byteLength, 0), largestTensor: null, basis: 'the files’ own sizes' };
}

/** WebAssembly memory is 32-bit: 4 GB, and the runtime holds the weights beside the page's copy. */
export const WASM_LIMIT_BYTES = WASM32_HEAP_BYTES;

/** Sentences on why the model may not fit; empty when nothing speaks against it. */
export function fitWarnings(est: SizeEstimate, device: DeviceProbe | null, opts: { readonly backend?: 'auto' | 'webgpu' | 'wasm'; readonly download?: boolean } = {}): string[] {
  const out: string[] = [];
  const size = formatBytes(est.bytes) ?? `${est.bytes} B`;
  if (!device) return out;
  const gpu = opts.backend === 'wasm' ? null : device.webgpu;
  if (opts.download && device.storage) {
    const free = device.storage.quota - device.storage.usage;
    if (free < est.bytes) {
      out.push(`The model is about ${size}, but this browser offers only ${formatBytes(Math.max(0, free))} of storage for this site: the download may fail, or not be kept for next time.`);
    }
  }
  if (gpu && est.largestTensor !== null) {
    const limit = Math.min(gpu.maxBufferSize, gpu.maxStorageBufferBindingSize);
    if (est.largestTensor > limit) {
      out.push(
        `Its largest weight (the embedding table, about ${formatBytes(est.largestTensor)}) is bigger than this GPU allows in one buffer (${formatBytes(limit)}): WebGPU will likely fail to load it; try a smaller dtype or WebAssembly.`,
      );
    }
  }
  if (!gpu && est.bytes * 1.5 > WASM_LIMIT_BYTES) {
    out.push(`Without WebGPU the model runs in WebAssembly, which can address at most 4 GB; a ${size} model plus its working memory will likely not fit.`);
  }
  if (device.deviceMemoryGB !== null && est.bytes * 2 > device.deviceMemoryGB * 1024 ** 3) {
    out.push(`This device reports about ${device.deviceMemoryGB} GB of memory, and loading a ${size} model takes about twice that while it starts; the tab may run out of memory.`);
  }
  return out;
}

/** The device in words, for the picker. */
export function describeDevice(d: DeviceProbe): string[] {
  const lines: string[] = [];
  lines.push(
    d.webgpu
      ? `WebGPU adapter${d.webgpu.adapter ? ` ${d.webgpu.adapter}` : ''}: largest buffer ${formatBytes(d.webgpu.maxBufferSize)}, largest storage binding ${formatBytes(d.webgpu.maxStorageBufferBindingSize)}.`
      : 'No WebGPU adapter: models run in WebAssembly on the CPU.',
  );
  if (d.deviceMemoryGB !== null) lines.push(`Memory: about ${d.deviceMemoryGB} GB (as the browser reports it: rounded, and capped by the browser).`);
  if (d.storage) lines.push(`Storage for this site: ${formatBytes(Math.max(0, d.storage.quota - d.storage.usage))} free of ${formatBytes(d.storage.quota)}.`);
  return lines;
}
