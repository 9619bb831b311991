import { cspBlockedMessage } from '../../pwa/csp';
import type { ByteCache } from './cache';
import type { ProgressCallback } from './types';

/**
 * Fetches a model repo in the onnx-community layout from a Hugging Face Hub compatible host
 * (`<host>/<repo>/resolve/<revision>/<file>`), with per-file progress and a cache that makes the
 * second load work offline. File naming follows transformers.js: `onnx/model<suffix>.onnx` and
 * external data chunks `<file>_data`, `<file>_data_1`, … as `transformers.js_config` declares them.
 */
export const DTYPE_SUFFIX = {
  fp32: '',
  fp16: '_fp16',
  int8: '_int8',
  uint8: '_uint8',
  q8: '_quantized',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
} as const;
export type HubDtype = keyof typeof DTYPE_SUFFIX;

export const DEFAULT_HUB_HOST = 'https://huggingface.co';
const MAX_CHUNKS = 100;

export interface HubOptions {
  readonly host?: string;
  readonly revision?: string;
  readonly dtype?: HubDtype;
  readonly cache?: ByteCache | null;
  readonly onProgress?: ProgressCallback;
  readonly signal?: AbortSignal;
  readonly fetch?: typeof fetch;
}

export type HubErrorKind = 'not-found' | 'denied' | 'network' | 'truncated' | 'http' | 'layout' | 'cancelled';

export class HubError extends Error {
  constructor(
    readonly kind: HubErrorKind,
    message: string,
    readonly url?: string,
  ) {
    super(message);
    this.name = 'HubError';
  }
}

/** Files of an onnx-community repo, by path inside the repo, e.g. "onnx/model_q4f16.onnx". */
export type RepoFiles = Map<string, Uint8Array>;

export function hubFileUrl(repo: string, file: string, host = DEFAULT_HUB_HOST, revision = 'main'): string {
  return `${host.replace(/\/+$/, '')}/${repo}/resolve/${encodeURIComponent(revision)}/${file}`;
}

const REPO_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

export function checkRepoId(repo: string): void {
  if (!REPO_ID.test(repo)) {
    throw new HubError('layout', `"${repo}" is not a Hub repo id: expected "owner/name", e.g. onnx-community/Qwen3-0.6B-ONNX`);
  }
}

/** Number of external-data chunks transformers.js_config declares for `onnx/<base>.onnx`. */
export function externalDataChunks(config: Record<string, unknown>, baseName: string, fileStem: string): number {
  const tjs = (config['transformers.js_config'] ?? {}) as Record<string, unknown>;
  const fmt = tjs.use_external_data_format;
  let n = 0;
  if (typeof fmt === 'object' && fmt !== null) {
    const per = fmt as Record<string, unknown>;
    n = Number(per[baseName] ?? per[fileStem] ?? 0);
  } else if (fmt !== undefined && fmt !== null) {
    n = Number(fmt);
  }
  if (!Number.isInteger(n) || n < 0 || n > MAX_CHUNKS) {
    throw new HubError('layout', `config.json declares ${String(fmt)} external-data chunks for ${baseName}; expected 0 … ${MAX_CHUNKS}`);
  }
  return n;
}

export function dataChunkNames(file: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${file}_data${i === 0 ? '' : `_${i}`}`);
}

async function download(url: string, file: string, opts: HubOptions): Promise<Uint8Array> {
  const doFetch = opts.fetch ?? fetch;
  let res: Response;
  try {
    res = await doFetch(url, { signal: opts.signal });
  } catch (e) {
    if (opts.signal?.aborted) throw new HubError('cancelled', `download of ${file} was cancelled`, url);
    // In the browser a host outside the app's Content-Security-Policy fails like a dead network: say which it is.
    const blocked = cspBlockedMessage(url);
    if (blocked) throw new HubError('network', blocked, url);
    throw new HubError('network', `could not reach ${new URL(url).origin} for ${file} (${(e as Error).message}); check the connection, or load a model that is already cached`, url);
  }
  if (res.status === 404) throw new HubError('not-found', `${file} was not found (HTTP 404 at ${url})`, url);
  if (res.status === 401 || res.status === 403) {
    throw new HubError('denied', `the Hub refused ${file} (HTTP ${res.status}): the repo may be private or gated`, url);
  }
  if (!res.ok || !res.body) throw new HubError('http', `downloading ${file} failed: HTTP ${res.status} ${res.statusText}`, url);
  const header = res.headers.get('content-length');
  const total = header !== null && /^\d+$/.test(header) ? Number(header) : null;
  const parts: Uint8Array[] = [];
  const whole = total !== null ? new Uint8Array(total) : null;
  let loaded = 0;
  let reported = 0;
  const reader = res.body.getReader();
  opts.onProgress?.({ phase: 'download', file, loaded: 0, total });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (whole) {
        if (loaded + value.byteLength > whole.byteLength) throw new Error(`the server sent more than the ${total} bytes it announced`);
        whole.set(value, loaded);
      } else {
        parts.push(value);
      }
      loaded += value.byteLength;
      if (loaded - reported >= 1 << 18) {
        reported = loaded;
        opts.onProgress?.({ phase: 'download', file, loaded, total });
      }
    }
  } catch (e) {
    if (opts.signal?.aborted) throw new HubError('cancelled', `download of ${file} was cancelled`, url);
    throw new HubError('truncated', `download of ${file} broke off at ${loaded}${total !== null ? ` of ${total}` : ''} bytes (${(e as Error).message}); nothing was cached, try again`, url);
  }
  if (total !== null && loaded !== total) {
    throw new HubError('truncated', `download of ${file} ended at ${loaded} of ${total} bytes; nothing was cached, try again`, url);
  }
  opts.onProgress?.({ phase: 'download', file, loaded, total: total ?? loaded });
  if (whole) return whole;
  const out = new Uint8Array(loaded);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

/** One file: from the cache when there, else downloaded, checked, then cached. */
export async function fetchRepoFile(repo: string, file: string, opts: HubOptions = {}): Promise<Uint8Array> {
  const url = hubFileUrl(repo, file, opts.host, opts.revision);
  const cached = opts.cache ? await opts.cache.get(url) : null;
  if (cached) {
    opts.onProgress?.({ phase: 'cache', file, loaded: cached.byteLength, total: cached.byteLength });
    return cached;
  }
  const data = await download(url, file, opts);
  await opts.cache?.put(url, data);
  return data;
}

function parseJson(file: string, bytes: Uint8Array): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new HubError('layout', `${file} is not a JSON object`);
}

/**
 * Every file an onnx-community decoder repo needs for one dtype: config.json, tokenizer.json,
 * tokenizer_config.json, onnx/model<suffix>.onnx and its external-data chunks.
 */
export async function fetchHubModel(repo: string, opts: HubOptions = {}): Promise<RepoFiles> {
  checkRepoId(repo);
  const dtype = opts.dtype ?? 'q4f16';
  const files: RepoFiles = new Map();
  const get = async (file: string): Promise<Uint8Array> => {
    const data = await fetchRepoFile(repo, file, opts);
    files.set(file, data);
    return data;
  };
  let config: Record<string, unknown>;
  try {
    config = parseJson('config.json', await get('config.json'));
  } catch (e) {
    if (e instanceof HubError && e.kind === 'not-found') {
      throw new HubError('not-found', `${repo} has no config.json at revision "${opts.revision ?? 'main'}": check the repo id and revision (${e.url})`, e.url);
    }
    throw e;
  }
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) {
    try {
      await get(f);
    } catch (e) {
      if (e instanceof HubError && e.kind === 'not-found') throw new HubError('layout', `${repo} has no ${f}: the inspector needs the model's tokenizer files`, e.url);
      throw e;
    }
  }
  const stem = `model${DTYPE_SUFFIX[dtype]}`;
  const graph = `onnx/${stem}.onnx`;
  try {
    await get(graph);
  } catch (e) {
    if (e instanceof HubError && e.kind === 'not-found') {
      throw new HubError('layout', `${repo} has no ${graph}: it is not in the onnx-community layout, or has no ${dtype} weights (try another dtype)`, e.url);
    }
    throw e;
  }
  for (const chunk of dataChunkNames(graph, externalDataChunks(config, `${stem}.onnx`, 'model'))) await get(chunk);
  return files;
}
