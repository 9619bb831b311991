import { describe, expect, it } from 'vitest';
import { toFilesSource } from '../../../src/state/folderSource';
import { describeDevice, estimateHubSize, filesSize, fitWarnings, type DeviceProbe } from '../../../src/state/modelFit';

const roomy: DeviceProbe = { webgpu: { adapter: 'gpu', maxBufferSize: 4e9, maxStorageBufferBindingSize: 2 ** 31 }, deviceMemoryGB: 8, storage: { quota: 100e9, usage: 0 } };

describe('model size estimates', () => {
  it('estimates the two recommended repos per dtype, smallest at q4f16', () => {
    const q = estimateHubSize('onnx-community/Qwen3-0.6B-ONNX', 'q4f16')!;
    expect(q.bytes).toBeGreaterThan(450e6);
    expect(q.bytes).toBeLessThan(700e6);
    expect(q.largestTensor).toBe(151_936 * 1024 * 2);
    const d = estimateHubSize(' onnx-community/DeepSeek-R1-Distill-Qwen-1.5B-ONNX ', 'q4f16')!;
    expect(d.bytes).toBeGreaterThan(1.0e9);
    expect(d.bytes).toBeLessThan(1.5e9);
    expect(estimateHubSize('onnx-community/Qwen3-0.6B-ONNX', 'fp32')!.bytes).toBeCloseTo(4 * 595.6e6, -7);
    const order = ['q4f16', 'q8', 'q4', 'fp16', 'fp32'].map((t) => estimateHubSize('onnx-community/Qwen3-0.6B-ONNX', t)!.bytes);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(estimateHubSize('someone/else', 'q4f16')).toBeNull();
    expect(estimateHubSize('onnx-community/Qwen3-0.6B-ONNX', 'q2')).toBeNull();
    expect(filesSize([{ data: new Uint8Array(3) }, { data: new Uint8Array(4) }]).bytes).toBe(7);
  });
});

describe('fit warnings', () => {
  const big = estimateHubSize('onnx-community/DeepSeek-R1-Distill-Qwen-1.5B-ONNX', 'fp32')!;
  it('says nothing on a roomy device, or when the browser says nothing about itself', () => {
    expect(fitWarnings(estimateHubSize('onnx-community/Qwen3-0.6B-ONNX', 'q4f16')!, roomy, { download: true })).toEqual([]);
    expect(fitWarnings(big, null, { download: true })).toEqual([]);
    expect(fitWarnings(big, { webgpu: roomy.webgpu, deviceMemoryGB: null, storage: null })).toEqual([]);
  });
  it('weighs storage (downloads only), one GPU buffer, WebAssembly’s 4 GB and device memory', () => {
    const tight: DeviceProbe = { webgpu: { adapter: null, maxBufferSize: 256e6, maxStorageBufferBindingSize: 128e6 }, deviceMemoryGB: 4, storage: { quota: 1e9, usage: 0.5e9 } };
    const w = fitWarnings(big, tight, { download: true });
    expect(w).toHaveLength(3);
    expect(w[0]).toMatch(/only 500 MB of storage/);
    expect(w[1]).toMatch(/one buffer \(128 MB\)/);
    expect(w[2]).toMatch(/about 4 GB of memory/);
    expect(fitWarnings(big, tight)).toHaveLength(2); // a local folder is not downloaded
    const wasm = fitWarnings(big, { ...roomy, deviceMemoryGB: null }, { backend: 'wasm' });
    expect(wasm).toEqual([expect.stringMatching(/WebAssembly, which can address at most 4 GB/)]);
    expect(fitWarnings(big, { ...roomy, webgpu: null, deviceMemoryGB: null })).toHaveLength(1);
  });
  it('describes the device in sentences', () => {
    expect(describeDevice(roomy).join(' ')).toMatch(/WebGPU adapter gpu: largest buffer 4\.0 GB, largest storage binding 2\.1 GB\. Memory: about 8 GB.*100 GB free of 100 GB/);
    expect(describeDevice({ webgpu: null, deviceMemoryGB: null, storage: null })).toEqual(['No WebGPU adapter: models run in WebAssembly on the CPU.']);
  });
});

describe('picked folders as a files source', () => {
  const f = (path: string) => ({ path, data: new Uint8Array([1]) });
  it('takes off the one folder every path shares and names the source by it', () => {
    const s = toFilesSource([f('qwen/config.json'), f('qwen/onnx/model.onnx'), f('qwen/.DS_Store')]);
    expect(s.name).toBe('qwen');
    expect(s.files.map((x) => x.path)).toEqual(['config.json', 'onnx/model.onnx']);
  });
  it('keeps loose files as they are', () => {
    const s = toFilesSource([f('config.json'), f('onnx/model.onnx')]);
    expect([s.name, s.files.map((x) => x.path)]).toEqual(['dropped files', ['config.json', 'onnx/model.onnx']]);
    expect(toFilesSource([f('\\a\\b.json'), f('/a/c.json')]).files.map((x) => x.path)).toEqual(['b.json', 'c.json']);
    expect(toFilesSource([]).files).toEqual([]);
  });
});
