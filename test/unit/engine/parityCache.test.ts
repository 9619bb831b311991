import * as ortWeb from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { EngineHost, type GpuProbe } from '../../../src/engine/host';
import type { OrtModule } from '../../../src/engine/ort';
import { parityKey, type ParityReference, type ParityVerdictStore } from '../../../src/engine/parity';
import { MemoryCache } from '../../../src/engine/source/cache';
import { publicFetch } from './helpers';

/** A verdict store that counts what is asked of it. */
function countingStore(): ParityVerdictStore & { gets: number; puts: number; inner: MemoryCache } {
  const inner = new MemoryCache();
  const s = {
    gets: 0,
    puts: 0,
    inner,
    get: (k: string) => (s.gets++, inner.get(k)),
    put: (k: string, d: Uint8Array) => (s.puts++, inner.put(k, d)),
  };
  return s;
}

function host(store: ParityVerdictStore, runtimeVersion: string, probe: () => Promise<GpuProbe | null> = async () => null) {
  return new EngineHost({ ort: ortWeb as unknown as OrtModule, baseUrl: 'http://app.test/', fetch: publicFetch, probeWebGpu: probe, parityStore: store, runtimeVersion });
}

describe('the parity verdict, kept between visits', () => {
  it('is checked on the first load, read back on the second, and checked again when the runtime changes', async () => {
    const store = countingStore();
    const first = await host(store, 'onnxruntime-web 1.0').load({ kind: 'bundled' });
    expect(first.parity?.cached).toBeFalsy();
    expect(first.parity?.trials[0].ok).toBe(true);
    expect(store.puts).toBe(1);

    const second = await host(store, 'onnxruntime-web 1.0').load({ kind: 'bundled' });
    expect(second.parity?.cached).toBe(true);
    expect(second.parity?.chosenChunk).toBe(Infinity);
    expect(second.parity?.trials).toEqual(first.parity?.trials);
    expect(store.puts).toBe(1); // nothing new to keep

    const upgraded = await host(store, 'onnxruntime-web 2.0').load({ kind: 'bundled' });
    expect(upgraded.parity?.cached).toBeFalsy();
    expect(store.puts).toBe(2);
  });

  it('runs the check when the store fails or holds garbage, and never fails the load for it', async () => {
    const broken: ParityVerdictStore = { get: async () => Promise.reject(new Error('quota')), put: async () => Promise.reject(new Error('quota')) };
    const info = await host(broken, 'x').load({ kind: 'bundled' });
    expect(info.parity?.trials[0].ok).toBe(true);
    expect(info.parity?.cached).toBeFalsy();
    const garbage = countingStore();
    garbage.get = async () => new TextEncoder().encode('{not json');
    const again = await host(garbage, 'x').load({ kind: 'bundled' });
    expect(again.parity?.cached).toBeFalsy();
    expect(again.parity?.trials[0].ok).toBe(true);
  });

  it('is keyed by every byte of the model, the adapter and the runtime', async () => {
    const ref: ParityReference = { ids: [1, 2, 3], logits: null, vocab: 4, label: 'self', tolerance: 0.1 };
    const graph = new Uint8Array([1, 2, 3, 4]);
    const base = { backend: 'webgpu', adapter: 'google swiftshader', runtime: 'ort 1', files: { graph, externalData: [{ path: 'd', data: new Uint8Array([9]) }] }, reference: ref, candidates: [Infinity, 16] };
    const k = await parityKey(base);
    expect(await parityKey(base)).toBe(k);
    expect(await parityKey({ ...base, adapter: 'nvidia ampere' })).not.toBe(k);
    expect(await parityKey({ ...base, runtime: 'ort 2' })).not.toBe(k);
    expect(await parityKey({ ...base, files: { ...base.files, graph: new Uint8Array([1, 2, 3, 5]) } })).not.toBe(k);
    expect(await parityKey({ ...base, files: { graph, externalData: [{ path: 'd', data: new Uint8Array([8]) }] } })).not.toBe(k);
  });
});

describe('the backend choice', () => {
  const swiftshader = async (): Promise<GpuProbe> => ({ adapter: 'google swiftshader', f16: false, software: 'SwiftShader' });

  it('runs WASM by default when the only WebGPU adapter is a software renderer, says why, and offers WebGPU', async () => {
    const info = await host(countingStore(), 'x', swiftshader).load({ kind: 'bundled' });
    expect(info.backend).toBe('wasm');
    expect(info.backendReason).toBe("WASM: this browser's WebGPU is a software renderer (SwiftShader), slower than WASM here.");
    expect(info.switchTo).toBe('webgpu');
    expect(info.notices.join(' ')).not.toMatch(/not available/);
  });

  it('offers no switch where there is no adapter at all', async () => {
    const info = await host(countingStore(), 'x').load({ kind: 'bundled' }, undefined, { backend: 'wasm' });
    expect(info.backendReason).toBe('WASM, as asked.');
    expect(info.switchTo).toBeNull();
  });
});
