/** The fixture graphs the tap must handle, with what the tests know about each from its config. */
import { readFileSync } from 'node:fs';
import { sharedPath } from '../../../paths';

export interface Fixture {
  /** Path under the shared fixtures folder. */
  readonly file: string;
  readonly layers: number;
  readonly hidden: number;
  /** Shape of one past key/value input with past length 0. */
  readonly pastShape: readonly number[];
  /**
   * Why onnxruntime-node's CPU EP cannot run it (the start of ORT's own message), or null when it can.
   * The WebGPU builder graphs fold q_norm/k_norm into GroupQueryAttention, which only CUDA and WebGPU implement.
   */
  readonly cpuError: string | null;
}

export const FIXTURES: Record<string, Fixture> = {
  'tiny-reasoner fp32-cpu': { file: 'tiny-reasoner/onnx/fp32-cpu/model.onnx', layers: 8, hidden: 160, pastShape: [1, 1, 0, 32], cpuError: null },
  'tiny-reasoner int4-cpu': { file: 'tiny-reasoner/onnx/int4-cpu/model.onnx', layers: 8, hidden: 160, pastShape: [1, 1, 0, 32], cpuError: null },
  'tiny-reasoner fp16-webgpu': { file: 'tiny-reasoner/onnx/fp16-webgpu/model.onnx', layers: 8, hidden: 160, pastShape: [1, 1, 0, 32], cpuError: 'GroupQueryAttention (CPU): q_norm_weight / k_norm_weight inputs are not supported' },
  'tiny-reasoner int4-webgpu': { file: 'tiny-reasoner/onnx/int4-webgpu/model.onnx', layers: 8, hidden: 160, pastShape: [1, 1, 0, 32], cpuError: 'GroupQueryAttention (CPU): q_norm_weight / k_norm_weight inputs are not supported' },
  'stories260K torch': { file: 'stories260K/onnx/stories260K_torch.onnx', layers: 5, hidden: 64, pastShape: [1, 4, 0, 8], cpuError: null },
  'stories260K builder': { file: 'stories260K/onnx/stories260K_builder.onnx', layers: 5, hidden: 64, pastShape: [1, 4, 0, 8], cpuError: null },
  'stories260K builder fp16': { file: 'stories260K/onnx/stories260K_builder_fp16.onnx', layers: 5, hidden: 64, pastShape: [1, 4, 0, 8], cpuError: null },
  'tiny-random-gpt2': { file: 'tiny-random-gpt2/past.onnx', layers: 5, hidden: 32, pastShape: [2, 1, 4, 0, 8], cpuError: null },
};

export function readFixture(f: Fixture): Uint8Array {
  return new Uint8Array(readFileSync(sharedPath('fixtures', f.file)));
}

