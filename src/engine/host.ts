/**
 * The engine worker's implementation of {@link EngineWorkerApi}, kept free of worker and comlink
 * specifics (workers/engine.worker.ts wires it up) so that Node tests can drive it with
 * onnxruntime-web's WASM backend. It resolves a model source to files, picks the backend (WebGPU
 * first, WASM as the fallback, with a notice), proves the backend's prefill with a parity check,
 * and streams each run's tokens in batches of at most ~10 a second.
 */
import type { ByteCache } from './source/cache';
import { fetchHubModel } from './source/hub';
import { loadModelFiles, memoryReader, type FolderReader } from './source/load';
import { CPU_VARIANT_PREFERENCE, WEBGPU_VARIANT_PREFERENCE } from './source/layout';
import { createEngine, type Engine } from './engine';
import { EngineInputError } from './errors';
import type { LensResult } from './lens';
import type { OrtModule } from './ort';
import { CHUNK_CANDIDATES, checkParityCached, parityKey, type ParityReference } from './parity';
import { projectRun } from './projection';
import type { ParityVerdictStore } from './parity';
import type { Backend, EngineWorkerApi, LoadOptions, ModelSourceSpec, ParityReport, ProgressCallback, TokensCallback, WorkerInfo } from './protocol';
import type { RunResult, TokenEvent } from './run';
import type { ModelFiles } from './source/types';

export interface GpuProbe {
  readonly adapter: string;
  readonly f16: boolean;
  /**
   * The software renderer's name ("SwiftShader") when the adapter is one (its info names it, or the
   * browser marks it a fallback adapter); null for a hardware GPU. A software adapter runs these
   * models many times slower than WASM, so it never wins by default.
   */
  readonly software?: string | null;
}

export interface HostDeps {
  readonly ort: OrtModule;
  /** URL of the folder that holds models/tiny-reasoner (the app's base URL). */
  readonly baseUrl: string;
  readonly fetch?: typeof fetch;
  /** Where Hub downloads are kept for offline use (Cache Storage in the browser). */
  readonly hubCache?: ByteCache | null;
  /** The WebGPU adapter, or null when there is none (or WebGPU is not to be used). */
  readonly probeWebGpu: () => Promise<GpuProbe | null>;
  /** Where parity verdicts are kept between visits (null: the check runs on every load). */
  readonly parityStore?: ParityVerdictStore | null;
  /** The onnxruntime package and version, part of the parity verdict's key (new kernels are checked again). */
  readonly runtimeVersion?: string;
  /** Milliseconds between streamed batches (default 100: at most ~10 updates a second). */
  readonly batchMs?: number;
  /** Drops a URL from the browser's caches (the service worker's precache too), so the next fetch goes to the network. */
  readonly evict?: (url: string) => Promise<void>;
}

interface BundledManifest {
  readonly variants: readonly string[];
  readonly files: Readonly<Record<string, number>>;
}

interface BundledParity {
  readonly ids: number[];
  readonly vocab: number;
  readonly logits: number[];
}

const BUNDLED = 'models/tiny-reasoner/';

/** A load failed and the model loaded before stays in use (its info travels with the error, by name). */
export class ModelKeptError extends Error {
  override readonly name = 'ModelKeptError';
  constructor(
    message: string,
    readonly kept: WorkerInfo,
  ) {
    super(message);
  }
}

/** The WebGPU device under the engine was lost (destroyed, a driver reset, the GPU process gone). */
export class GpuLostError extends Error {
  override readonly name = 'GpuLostError';
}

interface GpuDeviceLike {
  readonly lost: Promise<{ readonly reason?: string; readonly message?: string }>;
}

export class EngineHost implements EngineWorkerApi {
  /** Rejects with GpuLostError when the loaded WebGPU engine's device is lost; null on WASM. */
  private gpuLost: Promise<never> | null = null;
  private engine: Engine | null = null;
  private current: WorkerInfo | null = null;
  private readonly runs = new Map<string, AbortController>();

  constructor(private readonly deps: HostDeps) {}

  private url(path: string): string {
    return new URL(path, this.deps.baseUrl).href;
  }

  private async fetchBytes(path: string, onBytes?: (loaded: number, total: number | null) => void): Promise<Uint8Array> {
    const res = await (this.deps.fetch ?? fetch)(this.url(path));
    if (!res.ok) throw new Error(`the bundled model file ${path} could not be loaded (HTTP ${res.status})`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    onBytes?.(bytes.length, bytes.length);
    return bytes;
  }

  /**
   * A bundled file, checked against the size its manifest gives before it is used. A copy of the
   * wrong size (a precache entry damaged or cut short since it was stored) is evicted from the
   * browser's caches and fetched once more; still wrong, the load fails naming the file.
   */
  private async fetchChecked(path: string, expected: number | undefined, onBytes?: (loaded: number, total: number | null) => void): Promise<Uint8Array> {
    const first = await this.fetchBytes(path, onBytes);
    if (expected === undefined || first.byteLength === expected) return first;
    await this.deps.evict?.(this.url(path)).catch(() => undefined);
    const again = await this.fetchBytes(path, onBytes);
    if (again.byteLength === expected) {
      this.repaired.push(path.slice(BUNDLED.length));
      return again;
    }
    throw new Error(`the bundled model file ${path} is ${again.byteLength} bytes, but the model's manifest says ${expected}: the copy this browser holds is damaged and could not be fetched again (clear this site's data, or reload when online)`);
  }

  /** Bundled files found damaged and fetched again during the current load. */
  private repaired: string[] = [];

  private async bundledReader(): Promise<{ reader: FolderReader; manifest: BundledManifest }> {
    const manifest = JSON.parse(new TextDecoder().decode(await this.fetchBytes(`${BUNDLED}manifest.json`))) as BundledManifest;
    const reader: FolderReader = {
      name: 'tiny-reasoner (bundled)',
      list: async () => Object.keys(manifest.files),
      read: (path, onProgress) => this.fetchChecked(`${BUNDLED}${path}`, manifest.files[path], onProgress),
    };
    return { reader, manifest };
  }

  private async files(source: ModelSourceSpec, gpu: GpuProbe | null, onProgress?: ProgressCallback): Promise<{ files: ModelFiles; parity: ParityReference | null }> {
    const preference = gpu?.f16 ? WEBGPU_VARIANT_PREFERENCE : CPU_VARIANT_PREFERENCE;
    if (source.kind === 'bundled') {
      const { reader, manifest } = await this.bundledReader();
      // Only a graph the manifest lists: a variant is a folder name, never a path to follow.
      if (source.variant !== undefined && !manifest.variants.includes(source.variant)) {
        throw new EngineInputError(`the bundled model has no graph “${source.variant.slice(0, 40)}” (it has ${manifest.variants.join(', ')}).`);
      }
      // Without shader-f16 only the fp32 graph runs on WebGPU; with it, the int4 WebGPU graph.
      const variant = source.variant ?? (gpu?.f16 ? 'int4-webgpu' : 'fp32-cpu');
      const files = await loadModelFiles(reader, { variant, preference, onProgress });
      return { files, parity: await this.bundledParity(files) };
    }
    if (source.kind === 'hub') {
      const repo = await fetchHubModel(source.repo, { host: source.host, revision: source.revision, dtype: source.dtype, cache: this.deps.hubCache, onProgress, fetch: this.deps.fetch });
      return { files: await loadModelFiles(memoryReader(source.repo, repo), { preference, onProgress }), parity: null };
    }
    const map = new Map(source.files.map((f) => [f.path.replace(/^\/+/, ''), f.data]));
    return { files: await loadModelFiles(memoryReader(source.name, map), { preference, onProgress }), parity: null };
  }

  /** The bundled fp32 graph is checked against PyTorch's logits; other graphs against themselves. */
  private async bundledParity(files: ModelFiles): Promise<ParityReference | null> {
    if (files.variant !== 'fp32-cpu') return null;
    const p = JSON.parse(new TextDecoder().decode(await this.fetchBytes(`${BUNDLED}parity.json`))) as BundledParity;
    return { ids: p.ids, logits: p.logits, vocab: p.vocab, label: 'PyTorch reference logits', tolerance: 1e-3 };
  }

  /** A short chat-formatted sequence for models without a shipped reference: chunked vs one token at a time. */
  private selfReference(engine: Engine, files: ModelFiles): ParityReference {
    const ids = [
      ...engine.promptIds('What is (12+7)*3? Think step by step.'),
      ...engine.tokenizer.encode('<think>\n12+7=19\n19*3=57\nSo the answer is 57.\n</think>\n\n57'),
    ];
    const fp32 = /fp32|^model\.onnx$/.test(files.variant);
    return { ids, logits: null, vocab: files.config.vocabSize, label: 'the same backend one token at a time', tolerance: fp32 ? 2e-2 : 0.25 };
  }

  /** The parity check, or the verdict an earlier visit reached with the same adapter, model bytes and runtime. */
  private parity(engine: Engine, files: ModelFiles, ref: ParityReference, backend: Backend, adapter: string | null, candidates: readonly number[]): Promise<ParityReport> {
    const key = () =>
      parityKey({ backend, adapter, runtime: this.deps.runtimeVersion ?? 'onnxruntime-web', files, reference: ref, candidates });
    return checkParityCached(engine, ref, candidates, this.deps.parityStore, key);
  }

  /**
   * Loads a model in place of the current one. The current model stays loaded until the new one is
   * ready: a load that fails (a folder with a broken file, a Hub download cut off) leaves it in
   * place, and the error says so, so a failed load never costs the user the model that worked.
   */
  async load(source: ModelSourceSpec, onProgress?: ProgressCallback, options: LoadOptions = {}): Promise<WorkerInfo> {
    for (const c of this.runs.values()) c.abort();
    const previous = this.engine;
    const previousInfo = this.current;
    try {
      const loaded = await this.loadNew(source, onProgress, options);
      if (previous && previous !== loaded.engine) await previous.release().catch(() => undefined);
      this.engine = loaded.engine;
      this.current = loaded.info;
      this.gpuLost = loaded.info.backend === 'webgpu' ? await this.watchGpu() : null;
      return loaded.info;
    } catch (e) {
      if (previous && previousInfo) {
        const why = e instanceof Error ? e.message : String(e);
        throw new ModelKeptError(`${why.replace(/\.$/, '')}. ${previousInfo.name} (${previousInfo.variant}) stays loaded.`, previousInfo);
      }
      throw e;
    }
  }

  /**
   * The device ONNX Runtime's WebGPU backend runs on, watched: once it is lost every GPU call fails or
   * never returns, so a run in flight is ended with GpuLostError at once (its streamed tokens stay
   * with the page, which reloads the model on WASM in a fresh worker: src/engine/client.ts).
   */
  private async watchGpu(): Promise<Promise<never> | null> {
    let device: GpuDeviceLike | undefined;
    try {
      device = await (this.deps.ort as unknown as { env?: { webgpu?: { device?: Promise<GpuDeviceLike> } } }).env?.webgpu?.device;
    } catch {
      return null;
    }
    if (!device?.lost) return null;
    const lost = device.lost.then((info) => {
      throw new GpuLostError(`the GPU device was lost (${info.message || info.reason || 'no reason given'})`);
    });
    lost.catch(() => undefined);
    return lost;
  }

  private async loadNew(source: ModelSourceSpec, onProgress: ProgressCallback | undefined, options: LoadOptions): Promise<{ engine: Engine; info: WorkerInfo }> {
    const t0 = performance.now();
    this.repaired = [];
    const damagedBefore = this.deps.hubCache && 'damaged' in this.deps.hubCache ? (this.deps.hubCache.damaged as string[]).length : 0;
    const wanted = options.backend ?? 'auto';
    // Probed even when WASM is asked for: the device line then offers WebGPU as one click.
    const probed = await this.deps.probeWebGpu();
    const software = probed?.software ?? null;
    // A software adapter (SwiftShader) never wins by default: WASM is many times faster there.
    const gpu = wanted === 'webgpu' || (wanted === 'auto' && !software) ? probed : null;
    const notices: string[] = [];
    let reason: string;
    if (wanted === 'wasm') {
      notices.push('Running on WASM (CPU), as asked.');
      reason = 'WASM, as asked.';
    } else if (!probed) {
      notices.push('WebGPU is not available here: the model runs on WASM (CPU), which is slower.');
      reason = 'WASM: this browser offers no WebGPU adapter.';
    } else if (!gpu) {
      reason = `WASM: this browser's WebGPU is a software renderer (${software}), slower than WASM here.`;
    } else {
      reason = software
        ? `WebGPU, as asked, on a software renderer (${software}); WASM is faster here.`
        : `WebGPU on ${gpu.adapter}${wanted === 'webgpu' ? ', as asked' : ''}.`;
    }
    const { files, parity: shipped } = await this.files(source, gpu, onProgress);

    let backend: Backend = gpu ? 'webgpu' : 'wasm';
    let engine: Engine | null = null;
    let parity: ParityReport | null = null;
    if (backend === 'webgpu') {
      try {
        engine = await createEngine(this.deps.ort, files, { executionProviders: ['webgpu'], runtime: 'onnxruntime-web', kvOnDevice: true, onProgress });
        onProgress?.({ phase: 'parity', message: 'checking WebGPU prefill against a reference' });
        parity = await this.parity(engine, files, shipped ?? this.selfReference(engine, files), 'webgpu', gpu?.adapter ?? null, CHUNK_CANDIDATES);
        if (parity.chosenChunk === 0) {
          notices.push(`WebGPU gave wrong logits at every prefill chunk size tried (${parity.reference}); running on WASM instead.`);
          await engine.release();
          engine = null;
        } else if (parity.trials.length > 1) {
          notices.push(`WebGPU prefills of more than ${parity.chosenChunk} tokens disagreed with ${parity.reference}; prefill runs in chunks of ${parity.chosenChunk}.`);
        }
      } catch (e) {
        notices.push(`WebGPU could not run this model (${(e as Error).message}); running on WASM instead.`);
        engine = null;
      }
      if (!engine && wanted === 'webgpu') throw new Error(`WebGPU was asked for but cannot run this model correctly: ${notices.at(-1) ?? ''}`);
      if (!engine) {
        backend = 'wasm';
        reason = `WASM: ${notices.at(-1) ?? 'WebGPU failed.'}`;
      }
    } else if (wanted === 'webgpu') {
      throw new Error('WebGPU was asked for, but this browser has no WebGPU adapter.');
    }
    if (!engine) {
      engine = await createEngine(this.deps.ort, files, { executionProviders: ['wasm'], runtime: 'onnxruntime-web', onProgress });
      if (shipped) {
        onProgress?.({ phase: 'parity', message: 'checking WASM against the reference' });
        parity = await this.parity(engine, files, shipped, 'wasm', null, [Infinity]);
        if (parity.chosenChunk === 0) notices.push(`WASM logits differ from ${parity.reference} by ${parity.trials[0].maxAbsDiff.toExponential(1)}: scores may be off.`);
        parity = { ...parity, chosenChunk: Infinity };
      }
    }
    if (this.repaired.length) notices.push(`The browser's stored copy of ${this.repaired.join(', ')} was damaged (wrong size); it was fetched again before use.`);
    const damaged = this.deps.hubCache && 'damaged' in this.deps.hubCache ? (this.deps.hubCache.damaged as string[]).slice(damagedBefore) : [];
    if (damaged.length) notices.push(`${damaged.length} cached model file(s) no longer matched their recorded size or SHA-256 (${damaged.map((u) => u.split('/').pop()).join(', ')}); they were downloaded again before use.`);
    const info: WorkerInfo = {
      ...engine.info(),
      backend,
      adapter: backend === 'webgpu' ? (gpu?.adapter ?? null) : null,
      parity,
      // The engine's own warnings about the model (no chat template, no <think> tokens) belong beside the backend's.
      notices: [...notices, ...engine.info().notes],
      loadMs: performance.now() - t0,
      backendReason: reason,
      switchTo: backend === 'webgpu' ? 'wasm' : probed ? 'webgpu' : null,
    };
    return { engine, info };
  }

  private async runStreamed(runId: string, onTokens: TokensCallback | undefined, job: (onToken: (t: TokenEvent) => void, signal: AbortSignal) => Promise<RunResult>) {
    if (!this.engine) throw new Error('No model is loaded: load one first.');
    if (this.runs.has(runId)) throw new Error(`a run with id ${runId} is already going`);
    const ctl = new AbortController();
    this.runs.set(runId, ctl);
    let pending: TokenEvent[] = [];
    let last = 0;
    const flush = (): unknown => {
      const sent = pending.length && onTokens ? onTokens({ runId, tokens: pending }) : undefined;
      pending = [];
      last = performance.now();
      return sent;
    };
    try {
      const running = job((t) => {
        pending.push(t);
        if (performance.now() - last >= (this.deps.batchMs ?? 100)) flush();
      }, ctl.signal);
      const lost = this.gpuLost;
      if (lost) running.catch(() => undefined);
      let result: RunResult;
      try {
        result = await (lost ? Promise.race([running, lost]) : running);
      } catch (e) {
        // The tokens computed before the failure reach the page before the error does.
        await flush();
        throw e;
      }
      // Across the worker boundary the callback is a comlink proxy whose call resolves once the page
      // has handled the batch: awaiting the last one means no token can arrive after the result
      // (it travels on another port, so it could otherwise overtake the final batch).
      await flush();
      // The trajectory plot's PCA (hundreds of ms for a long trace of a big model) is fitted here,
      // off the page's thread, from the states the run kept.
      return { ...result, projection: projectRun(result.states, result.promptLength, result.tokens.length) };
    } finally {
      this.runs.delete(runId);
    }
  }

  private chunk(requested: number | undefined): number | undefined {
    return requested ?? (this.current?.parity?.chosenChunk || undefined);
  }

  generate: EngineWorkerApi['generate'] = (runId, prompt, options, onTokens) =>
    this.runStreamed(runId, onTokens, (onToken, signal) => (this.engine as Engine).generate(prompt, { ...options, prefillChunk: this.chunk(options.prefillChunk) }, onToken, signal));

  score: EngineWorkerApi['score'] = (runId, prompt, output, options, onTokens) =>
    this.runStreamed(runId, onTokens, (onToken, signal) => (this.engine as Engine).score(prompt, output, { ...options, prefillChunk: this.chunk(options.prefillChunk) }, onToken, signal));

  async logitLens(states: Float32Array, hidden: number, targets: number[] | null, k: number): Promise<LensResult> {
    if (!this.engine) throw new Error('No model is loaded: load one first.');
    const expected = this.engine.info().config.hiddenSize;
    if (hidden !== expected) throw new EngineInputError(`lens states are ${hidden} wide, but the loaded model's hidden size is ${expected}.`);
    return this.engine.lens(states, targets, k);
  }

  async cancel(runId: string): Promise<boolean> {
    const c = this.runs.get(runId);
    c?.abort();
    return c !== undefined;
  }

  async info(): Promise<WorkerInfo | null> {
    return this.current;
  }
}
