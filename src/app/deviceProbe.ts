import type { DeviceProbe } from '../state/modelFit';

/** navigator.gpu as far as it is used here (the DOM lib has no WebGPU types without @webgpu/types). */
interface GpuLike {
  requestAdapter(): Promise<{
    readonly limits: { readonly maxBufferSize: number; readonly maxStorageBufferBindingSize: number };
    readonly info?: { readonly vendor?: string; readonly architecture?: string; readonly description?: string };
  } | null>;
}

/** What the browser says about its GPU, memory and storage; each part null where it does not say. */
export async function probeDevice(nav: Navigator = navigator): Promise<DeviceProbe> {
  const n = nav as Navigator & { gpu?: GpuLike; deviceMemory?: number };
  let webgpu: DeviceProbe['webgpu'] = null;
  try {
    const a = n.gpu ? await n.gpu.requestAdapter() : null;
    if (a) {
      const name = [a.info?.vendor, a.info?.architecture || a.info?.description].filter(Boolean).join(' ');
      webgpu = { adapter: name || null, maxBufferSize: a.limits.maxBufferSize, maxStorageBufferBindingSize: a.limits.maxStorageBufferBindingSize };
    }
  } catch {
    webgpu = null; // an adapter request that throws means the same as none: WASM
  }
  let storage: DeviceProbe['storage'] = null;
  try {
    const e = n.storage?.estimate ? await n.storage.estimate() : null;
    if (e && typeof e.quota === 'number') storage = { quota: e.quota, usage: e.usage ?? 0 };
  } catch {
    storage = null;
  }
  return { webgpu, deviceMemoryGB: typeof n.deviceMemory === 'number' ? n.deviceMemory : null, storage };
}
