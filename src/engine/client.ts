/**
 * The page's handle on the engine worker: the only `wrap()` in the app. Callbacks are passed as
 * comlink proxies; everything else is structured-cloned. The worker starts on first use.
 */
import * as Comlink from 'comlink';
import './comlinkErrors';
import type { EngineWorkerApi, ProgressCallback, TokensCallback } from './protocol';

let remote: Comlink.Remote<EngineWorkerApi> | null = null;
let worker: Worker | null = null;

function connect(): Comlink.Remote<EngineWorkerApi> {
  if (!remote) {
    worker = new Worker(new URL('../../workers/engine.worker.ts', import.meta.url), { type: 'module', name: 'cotk-engine' });
    remote = Comlink.wrap<EngineWorkerApi>(worker);
  }
  return remote;
}

const proxied = <F extends (...args: never[]) => unknown>(f: F | undefined) => (f ? Comlink.proxy(f) : undefined);

/** The engine worker behind the {@link EngineWorkerApi} contract. */
export function getEngine(): EngineWorkerApi {
  const r = connect();
  return {
    load: (source, onProgress?: ProgressCallback, options?) => r.load(source, proxied(onProgress), options),
    generate: (runId, prompt, options, onTokens?: TokensCallback) => r.generate(runId, prompt, options, proxied(onTokens)),
    score: (runId, prompt, output, options, onTokens?: TokensCallback) => r.score(runId, prompt, output, options, proxied(onTokens)),
    logitLens: (states, hidden, targets, k) => {
      // Transfer, never structured-clone; a view into a bigger buffer (kept states) is copied first so that buffer stays usable.
      const own = states.byteOffset === 0 && states.byteLength === states.buffer.byteLength ? states : states.slice();
      return r.logitLens(Comlink.transfer(own, [own.buffer as ArrayBuffer]), hidden, targets, k);
    },
    cancel: (runId) => r.cancel(runId),
    info: () => r.info(),
  };
}

/** Ends the worker (and frees its device memory); the next getEngine() starts a fresh one. */
export function terminateEngine(): void {
  worker?.terminate();
  worker = null;
  remote = null;
}
