import type { EngineWorkerApi } from '../engine/protocol';
import { engineDied, engineFailed, engineStarting, loadModel, setEngine } from '../state/actions';

/**
 * The one place the app meets the engine worker: tests render the app without calling this and
 * inject a stand-in through setEngine instead. `?engine=fake` swaps in the deterministic fake
 * engine (src/engine/fake.ts), for browser tests of the interface that are not about the model;
 * both are imported lazily so neither weighs on the first paint. `?backend=wasm|webgpu` pins the
 * backend; without it the worker picks the fastest correct one (a software WebGPU adapter such as
 * SwiftShader loses to WASM) and the device line offers the other as one click.
 */
export async function bootEngine(): Promise<void> {
  const fake = new URLSearchParams(window.location.search).get('engine') === 'fake';
  // From the first paint the model counts as loading: a click on Generate is queued, not refused.
  engineStarting();
  let api: EngineWorkerApi;
  try {
    if (fake) {
      const { createFakeEngine } = await import('../engine/fake');
      api = createFakeEngine({ delayMs: 20 });
    } else {
      const { getEngine, onEngineDeath } = await import('../engine/client');
      api = getEngine();
      // A worker that dies (closed, crashed, out of memory) is replaced: the model reloads on the new one.
      onEngineDeath((sentence, cause) => void engineDied(sentence, cause === 'gpu-lost'));
    }
  } catch (e) {
    return engineFailed(e);
  }
  setEngine(api);
  // ?backend=wasm|webgpu pins the backend (default: WebGPU on a hardware adapter, else WASM).
  const backend = new URLSearchParams(window.location.search).get('backend');
  await loadModel({ kind: 'bundled' }, { backend: backend === 'wasm' || backend === 'webgpu' ? backend : 'auto' });
}
