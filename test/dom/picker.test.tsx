import './setup';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { ModelPicker } from '../../src/app/ModelPicker';
import { ModelStatus } from '../../src/app/ModelStatus';
import { createFakeEngine } from '../../src/engine/fake';
import type { EngineWorkerApi } from '../../src/engine/protocol';
import { loadModel, setEngine } from '../../src/state/actions';
import type { DeviceProbe } from '../../src/state/modelFit';
import { useStore } from '../../src/state/store';
import { settle } from './fixtures';

const MB = 1e6;
const small: DeviceProbe = { webgpu: { adapter: 'test gpu', maxBufferSize: 256 * MB, maxStorageBufferBindingSize: 128 * MB }, deviceMemoryGB: 2, storage: { quota: 300 * MB, usage: 0 } };
const roomy: DeviceProbe = { webgpu: { adapter: 'big gpu', maxBufferSize: 4e9, maxStorageBufferBindingSize: 4e9 }, deviceMemoryGB: 8, storage: { quota: 50e9, usage: 1e9 } };
const probeSmall = () => Promise.resolve(small);
const probeRoomy = () => Promise.resolve(roomy);

async function withEngine(api: EngineWorkerApi = createFakeEngine()) {
  const load = vi.spyOn(api, 'load');
  await act(async () => {
    setEngine(api);
    await loadModel();
  });
  load.mockClear();
  return load;
}

const load = (name: RegExp | string = /^(Load|Download and load)$/) => fireEvent.click(screen.getByRole('button', { name }));

function file(path: string, text: string): File {
  const f = new File([text], path.split('/').pop()!);
  Object.defineProperty(f, 'webkitRelativePath', { value: path });
  return f;
}

describe('the model picker', () => {
  it('loads the bundled model’s chosen graph on the chosen backend, and shows the device', async () => {
    const spy = await withEngine();
    render(<ModelPicker probe={probeRoomy} />);
    await waitFor(() => expect(screen.getByTestId('picker-device').textContent).toMatch(/WebGPU adapter big gpu: largest buffer 4\.0 GB/));
    expect(screen.getByTestId('picker-device').textContent).toMatch(/Memory: about 8 GB/);
    expect(screen.getByTestId('picker-device').textContent).toMatch(/49\.0 GB free of 50\.0 GB/);
    expect(screen.getByRole('radio', { name: /Bundled tiny-reasoner/ })).toHaveProperty('checked', true);
    fireEvent.change(screen.getByLabelText('Graph'), { target: { value: 'int4-cpu' } });
    fireEvent.change(screen.getByLabelText('Run on'), { target: { value: 'wasm' } });
    load();
    await settle();
    expect(spy).toHaveBeenCalledWith({ kind: 'bundled', variant: 'int4-cpu' }, expect.any(Function), { backend: 'wasm' });
    expect(useStore.getState().model.status).toBe('ready');
  });

  it('warns before a Hub download that will likely not fit, and downloads only once confirmed', async () => {
    const spy = await withEngine();
    render(<ModelPicker probe={probeSmall} />);
    await waitFor(() => expect(screen.getByTestId('picker-device').textContent).toMatch(/test gpu/));
    fireEvent.click(screen.getByRole('radio', { name: /Hugging Face Hub/ }));
    expect((screen.getByLabelText('Repo id') as HTMLInputElement).value).toBe('onnx-community/Qwen3-0.6B-ONNX');
    fireEvent.change(screen.getByLabelText('Hub model'), { target: { value: 'onnx-community/DeepSeek-R1-Distill-Qwen-1.5B-ONNX' } });
    expect(screen.getByTestId('picker-size').textContent).toMatch(/about 1\.\d GB .*DeepSeek-R1-Distill-Qwen-1\.5B's architecture for q4f16/);
    fireEvent.change(screen.getByLabelText(/Revision/), { target: { value: 'v2' } });
    load('Download and load');
    const warning = screen.getByTestId('fit-warning');
    expect(warning.getAttribute('role')).toBe('alert');
    expect(warning.textContent).toMatch(/only 300 MB of storage/);
    expect(warning.textContent).toMatch(/embedding table.*bigger than this GPU allows in one buffer \(128 MB\)/);
    expect(warning.textContent).toMatch(/about 2 GB of memory/);
    expect(spy).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByTestId('fit-warning')).toBeNull();
    load('Download and load');
    fireEvent.click(screen.getByRole('button', { name: 'Download anyway' }));
    await settle();
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0][0]).toEqual({ kind: 'hub', repo: 'onnx-community/DeepSeek-R1-Distill-Qwen-1.5B-ONNX', dtype: 'q4f16', revision: 'v2' });
    expect(useStore.getState().model.info?.name).toMatch(/DeepSeek/);
  });

  it('starts a download at once when the model fits, and says when a repo’s size is unknown', async () => {
    const spy = await withEngine();
    render(<ModelPicker probe={probeRoomy} />);
    await waitFor(() => expect(screen.getByTestId('picker-device').textContent).toMatch(/big gpu/));
    fireEvent.click(screen.getByRole('radio', { name: /Hugging Face Hub/ }));
    load('Download and load');
    await settle();
    expect(spy.mock.calls[0][0]).toEqual({ kind: 'hub', repo: 'onnx-community/Qwen3-0.6B-ONNX', dtype: 'q4f16' });
    fireEvent.change(screen.getByLabelText('Repo id'), { target: { value: 'someone/Other-ONNX' } });
    expect(screen.getByText(/not known before its download starts/)).toBeTruthy();
    expect((screen.getByLabelText('Hub model') as HTMLSelectElement).value).toBe('');
  });

  it('turns a picked folder’s files into a files source, without its top folder', async () => {
    const spy = await withEngine();
    render(<ModelPicker probe={probeRoomy} />);
    fireEvent.click(screen.getByRole('radio', { name: /folder on this computer/ }));
    load('Load');
    expect(screen.getByTestId('picker-error').textContent).toBe('Pick or drop a model folder first.');
    const input = screen.getByLabelText('Model folder') as HTMLInputElement;
    Object.defineProperty(input, 'files', { value: [file('tiny/genai_config.json', '{}'), file('tiny/model.onnx', 'abc'), file('tiny/.DS_Store', 'x')] });
    fireEvent.change(input);
    await waitFor(() => expect(screen.getByTestId('picker-folder-summary').textContent).toBe('tiny: 2 files, 5 B.'));
    load('Load');
    await settle();
    const spec = spy.mock.calls[0][0];
    expect(spec.kind === 'files' && spec.name).toBe('tiny');
    expect(spec.kind === 'files' && spec.files.map((f) => [f.path, new TextDecoder().decode(f.data)])).toEqual([
      ['genai_config.json', '{}'],
      ['model.onnx', 'abc'],
    ]);
  });

  it('reads a dropped folder recursively', async () => {
    await withEngine();
    render(<ModelPicker probe={probeRoomy} />);
    fireEvent.click(screen.getByRole('radio', { name: /folder on this computer/ }));
    const fileEntry = (name: string, text: string) => ({ isDirectory: false, name, file: (ok: (f: File) => void) => ok(new File([text], name)) });
    const dirEntry = (name: string, children: object[]) => {
      let served = false;
      return { isDirectory: true, name, createReader: () => ({ readEntries: (ok: (e: object[]) => void) => ok(served ? [] : ((served = true), children)) }) };
    };
    const root = dirEntry('qwen', [fileEntry('config.json', '{}'), dirEntry('onnx', [fileEntry('model_q4f16.onnx', 'xyz')])]);
    fireEvent.drop(screen.getByTestId('picker-drop'), { dataTransfer: { items: [{ webkitGetAsEntry: () => root }], files: [] } });
    await waitFor(() => expect(screen.getByTestId('picker-folder-summary').textContent).toBe('qwen: 2 files, 5 B.'));
  });

  it('explains a bad repo id and an engine failure in sentences, keeping what was typed', async () => {
    const fake = createFakeEngine();
    const failing: EngineWorkerApi = { ...fake, load: (s, p) => (s.kind === 'hub' ? Promise.reject(new Error('onnx-community/Nope-ONNX was not found on the Hub; check the repo id')) : fake.load(s, p)) };
    await withEngine(failing);
    render(<ModelStatus />);
    fireEvent.click(screen.getByRole('radio', { name: /Hugging Face Hub/ }));
    fireEvent.change(screen.getByLabelText('Repo id'), { target: { value: 'not a repo' } });
    load('Download and load');
    expect(screen.getByTestId('picker-error').textContent).toMatch(/“not a repo” is not a Hub repo id/);
    fireEvent.change(screen.getByLabelText('Repo id'), { target: { value: 'onnx-community/Nope-ONNX' } });
    load('Download and load');
    await waitFor(() => expect(screen.getByTestId('model-error').textContent).toBe('The model did not load: onnx-community/Nope-ONNX was not found on the Hub; check the repo id.'));
    expect(screen.queryByTestId('picker-error')).toBeNull();
    expect((screen.getByLabelText('Repo id') as HTMLInputElement).value).toBe('onnx-community/Nope-ONNX');
    expect(JSON.parse(localStorage.getItem('cotk-drafts') ?? '{}').state.picker.repo).toBe('onnx-community/Nope-ONNX');
  });
});
