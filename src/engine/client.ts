/**
 * The page's handle on the engine worker: the only `wrap()` in the app. Callbacks are passed as
 * comlink proxies; everything else is structured-cloned. The worker starts on first use.
 *
 * A worker can die under the page: `self.close()`, `terminate()`, an uncaught error at its top
 * level, or an out-of-memory in the runtime. Comlink calls to a dead worker never settle, so the
 * client watches for death and rejects every call in flight with {@link EngineDiedError}:
 * - the worker holds a Web Lock named after it for its whole life (see workers/engine.worker.ts);
 *   the page's request for the same lock is granted the moment the worker is gone, busy or not
 *   (a heartbeat could not tell a dead worker from one inside a long synchronous WASM call);
 * - the worker's `error` event (an uncaught exception, a module that failed to load);
 * - a call rejected with an out-of-memory or an aborted WASM runtime, after which ONNX Runtime's
 *   instance is unusable: the worker is ended on purpose.
 * Death listeners ({@link onEngineDeath}) hear it once per worker; the next call starts a new one.
 */
import * as Comlink from 'comlink';
import './comlinkErrors';
import { LIFE_LOCK_PREFIX, type EngineWorkerApi, type ProgressCallback, type TokensCallback } from './protocol';

/** The worker stopped under a call; the call's work is lost (what was streamed before stays with the caller). */
export class EngineDiedError extends Error {
  override readonly name = 'EngineDiedError';
}

interface Live {
  readonly worker: Worker;
  readonly remote: Comlink.Remote<EngineWorkerApi> & { holdLifeLock(name: string): Promise<boolean> };
  /** Rejects with EngineDiedError when this worker dies. */
  readonly died: Promise<never>;
  readonly kill: (why: string, cause?: DeathCause, sentence?: string) => void;
}

let live: Live | null = null;
let seq = 0;
/** Why a worker was given up: it died, or its WebGPU device was lost (the next load should use WASM). */
export type DeathCause = 'died' | 'gpu-lost';
const listeners = new Set<(sentence: string, cause: DeathCause) => void>();

/** Calls `f` with a sentence each time the worker dies (not for terminateEngine()); returns the unsubscribe. */
export function onEngineDeath(f: (sentence: string, cause: DeathCause) => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

/** The performance mark set the moment a worker's death is noticed (read by the fault tests, harmless otherwise). */
export const DEATH_MARK = 'cotk-engine-died';

/** Errors after which the worker's runtime cannot be trusted again. */
const FATAL = /out of memory|Array buffer allocation failed|Aborted\(|memory access out of bounds|RuntimeError: unreachable|WebAssembly\.Memory/i;

function connect(): Live {
  if (live) return live;
  const name = `${LIFE_LOCK_PREFIX}${Date.now().toString(36)}-${++seq}-${Math.random().toString(36).slice(2)}`;
  const worker = new Worker(new URL('../../workers/engine.worker.ts', import.meta.url), { type: 'module', name: 'cotk-engine' });
  const remote = Comlink.wrap<EngineWorkerApi>(worker) as Live['remote'];
  let fire: (e: EngineDiedError) => void = () => undefined;
  const died = new Promise<never>((_, reject) => {
    fire = reject;
  });
  died.catch(() => undefined);
  let over = false;
  const me: Live = {
    worker,
    remote,
    died,
    kill(why, cause = 'died', said) {
      if (over) return;
      over = true;
      // When the page learned of the death, in page time (the fault tests measure detection latency from it).
      if (typeof performance !== 'undefined') performance.mark?.(DEATH_MARK);
      const sentence = said ?? `The engine worker stopped (${why}); a new one is starting and the model reloads. What the run had produced is kept.`;
      fire(new EngineDiedError(sentence));
      worker.terminate();
      remote[Comlink.releaseProxy]?.();
      if (live === me) live = null;
      for (const f of listeners) f(sentence, cause);
    },
  };
  worker.addEventListener('error', (ev) => {
    ev.preventDefault();
    me.kill(ev.message ? `an uncaught error: ${ev.message}` : 'an uncaught error, or its code failed to load');
  });
  worker.addEventListener('messageerror', () => me.kill('a message from it could not be read'));
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (locks) {
    // Once the worker says it holds its life lock, ask for the same lock: granted when the worker is gone.
    remote
      .holdLifeLock(name)
      .then((held) => {
        if (!held || over) return;
        void locks.request(name, () => me.kill('it closed or was ended by the browser, for example out of memory')).catch(() => undefined);
      })
      .catch(() => undefined);
  }
  live = me;
  return me;
}

/** A call to the worker that settles even when the worker dies under it. */
function guarded<T>(f: (l: Live) => Promise<T>): Promise<T> {
  const l = connect();
  return Promise.race([f(l), l.died]).catch((e: unknown) => {
    const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    if (e instanceof Error && e.name === 'GpuLostError') {
      // A lost device cannot be used again in this worker: a fresh one loads the model on WASM.
      const sentence = `The run stopped: ${e.message}. The model reloads on WASM (CPU) in a new worker; what the run had produced is kept.`;
      l.kill(e.message, 'gpu-lost', sentence);
      throw new EngineDiedError(sentence);
    }
    if (!(e instanceof EngineDiedError) && FATAL.test(msg)) {
      l.kill(`its runtime failed: ${e instanceof Error ? e.message : String(e)}`);
      throw new EngineDiedError(`The engine ran out of memory or its runtime failed (${e instanceof Error ? e.message : String(e)}); a new worker is starting and the model reloads. What the run had produced is kept.`);
    }
    throw e;
  });
}

const proxied = <F extends (...args: never[]) => unknown>(f: F | undefined) => (f ? Comlink.proxy(f) : undefined);

/** The engine worker behind the {@link EngineWorkerApi} contract (a dead worker is replaced on the next call). */
export function getEngine(): EngineWorkerApi {
  return {
    load: (source, onProgress?: ProgressCallback, options?) => guarded((l) => l.remote.load(source, proxied(onProgress), options)),
    generate: (runId, prompt, options, onTokens?: TokensCallback) => guarded((l) => l.remote.generate(runId, prompt, options, proxied(onTokens))),
    score: (runId, prompt, output, options, onTokens?: TokensCallback) => guarded((l) => l.remote.score(runId, prompt, output, options, proxied(onTokens))),
    logitLens: (states, hidden, targets, k) => {
      // Transfer, never structured-clone; a view into a bigger buffer (kept states) is copied first so that buffer stays usable.
      const own = states.byteOffset === 0 && states.byteLength === states.buffer.byteLength ? states : states.slice();
      return guarded((l) => l.remote.logitLens(Comlink.transfer(own, [own.buffer as ArrayBuffer]), hidden, targets, k));
    },
    cancel: (runId) => guarded((l) => l.remote.cancel(runId)),
    info: () => guarded((l) => l.remote.info()),
  };
}

/** Ends the worker (and frees its device memory); the next getEngine() call starts a fresh one. Not a death. */
export function terminateEngine(): void {
  const l = live;
  live = null;
  l?.worker.terminate();
}
