import type { GpuProbe } from './host';

/** navigator.gpu as far as the worker uses it (the DOM lib has no WebGPU types without @webgpu/types). */
export interface GpuAdapterLike {
  readonly features: ReadonlySet<string>;
  /** Older Chromium: on the adapter; newer: in its info. */
  readonly isFallbackAdapter?: boolean;
  readonly info?: {
    readonly vendor?: string;
    readonly architecture?: string;
    readonly device?: string;
    readonly description?: string;
    readonly isFallbackAdapter?: boolean;
  };
}

export interface GpuLike {
  requestAdapter(): Promise<GpuAdapterLike | null>;
}

const SOFTWARE = [
  [/swiftshader/i, 'SwiftShader'],
  [/llvmpipe/i, 'llvmpipe'],
  [/lavapipe/i, 'lavapipe'],
  [/microsoft basic render|\bwarp\b/i, 'WARP'],
] as const;

/**
 * The software renderer an adapter is, by its own description or the browser's fallback flag; null
 * for a hardware GPU. Chromium names SwiftShader in `info` ("google" / "swiftshader"); a browser
 * that hides the name still marks it `isFallbackAdapter`.
 */
export function softwareRenderer(a: GpuAdapterLike): string | null {
  const i = a.info;
  const text = [i?.vendor, i?.architecture, i?.device, i?.description].filter(Boolean).join(' ');
  for (const [re, name] of SOFTWARE) if (re.test(text)) return name;
  return i?.isFallbackAdapter || a.isFallbackAdapter ? 'a fallback adapter' : null;
}

/** The adapter the worker would run on, or null when there is none (or asking for one throws). */
export async function probeWebGpu(gpu: GpuLike | undefined): Promise<GpuProbe | null> {
  if (!gpu) return null;
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return null;
    const i = adapter.info;
    const name = [i?.vendor, i?.architecture, i?.description].filter(Boolean).join(' ') || 'unknown adapter';
    return { adapter: name, f16: adapter.features.has('shader-f16'), software: softwareRenderer(adapter) };
  } catch {
    return null;
  }
}
