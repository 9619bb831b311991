/**
 * The engine worker: the app's only comlink `expose()`. It wires onnxruntime-web (WebGPU and WASM,
 * served from this origin: nothing is fetched from a CDN), Cache Storage for Hub downloads and the
 * WebGPU adapter into the runtime-agnostic EngineHost, and transfers big typed arrays back.
 */
import * as Comlink from 'comlink';
import * as ort from 'onnxruntime-web/webgpu';
import wasmMjs from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import wasmBinary from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import '../src/engine/comlinkErrors';
import { EngineHost } from '../src/engine/host';
import { probeWebGpu } from '../src/engine/gpuProbe';
import { routeOrtLogs } from '../src/engine/ortLog';
import type { OrtModule } from '../src/engine/ort';
import { LIFE_LOCK_PREFIX, type EngineWorkerApi, type LensResult, type RunResult } from '../src/engine/protocol';
import { CacheStorageCache } from '../src/engine/source/cache';
import type { GpuLike } from '../src/engine/gpuProbe';

ort.env.wasm.wasmPaths = { mjs: new URL(wasmMjs, self.location.href).href, wasm: new URL(wasmBinary, self.location.href).href };
ort.env.logLevel = 'error';
// onnxruntime's C++ log lines (the WebGPU node-placement note, …) arrive through console.error with
// ANSI colour codes: warnings go to the debug level, errors stay errors, both without the codes.
routeOrtLogs();

const host = new EngineHost({
  ort: ort as unknown as OrtModule,
  baseUrl: new URL(import.meta.env.BASE_URL, self.location.origin).href,
  hubCache: typeof caches === 'undefined' ? null : new CacheStorageCache('cotk-models'),
  probeWebGpu: () => probeWebGpu((self.navigator as WorkerNavigator & { gpu?: GpuLike }).gpu),
  // A damaged copy of a bundled file is dropped from every cache (the precache included), so the
  // service worker fetches it from the network again.
  evict: async (url) => {
    if (typeof caches === 'undefined') return;
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const req of await cache.keys()) if (req.url.split('?')[0] === url) await cache.delete(req);
    }
  },
  // The parity verdict is kept per (adapter, model bytes, runtime version): a second visit skips the check.
  parityStore: typeof caches === 'undefined' ? null : new CacheStorageCache('cotk-parity'),
  runtimeVersion: `onnxruntime-web ${ort.env.versions.web ?? ort.env.versions.common}`,
});

/** The kept states and logits travel as transferred buffers, not copies. */
function transferResult(r: RunResult): RunResult {
  const buffers: ArrayBuffer[] = [];
  if (r.states) buffers.push(r.states.residual.buffer as ArrayBuffer, r.states.finalNorm.buffer as ArrayBuffer);
  if (r.logits) buffers.push(r.logits.buffer as ArrayBuffer);
  if (r.projection?.ok) buffers.push(r.projection.data.xy.buffer as ArrayBuffer);
  return Comlink.transfer(r, [...new Set(buffers)]);
}

function transferLens(r: LensResult): LensResult {
  const buffers = [r.topIds.buffer as ArrayBuffer, r.topLogProbs.buffer as ArrayBuffer];
  if (r.targetLogProb) buffers.push(r.targetLogProb.buffer as ArrayBuffer);
  return Comlink.transfer(r, [...new Set(buffers)]);
}

const api: EngineWorkerApi = {
  load: (source, onProgress, options) => host.load(source, onProgress, options),
  generate: async (runId, prompt, options, onTokens) => transferResult(await host.generate(runId, prompt, options, onTokens)),
  score: async (runId, prompt, output, options, onTokens) => transferResult(await host.score(runId, prompt, output, options, onTokens)),
  logitLens: async (states, hidden, targets, k) => transferLens(await host.logitLens(states, hidden, targets, k)),
  cancel: (runId) => host.cancel(runId),
  info: () => host.info(),
};

/**
 * Holds a Web Lock named by the page for as long as this worker lives: the browser releases it when
 * the worker ends (self.close(), terminate(), a crash), and the page, waiting for the same lock,
 * learns at once that the worker is gone (src/engine/client.ts). Resolves once the lock is held.
 */
function holdLifeLock(name: string): Promise<boolean> {
  const locks = (self.navigator as WorkerNavigator & { locks?: LockManager }).locks;
  if (!locks || !name.startsWith(LIFE_LOCK_PREFIX)) return Promise.resolve(false);
  return new Promise((resolve) => {
    locks.request(name, () => {
      resolve(true);
      return new Promise<void>(() => undefined);
    }).catch(() => resolve(false));
  });
}

Comlink.expose({ ...api, holdLifeLock });
