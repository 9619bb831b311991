import './setup';
import { render, screen, waitFor, fireEvent } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ModelPicker } from '../../src/app/ModelPicker';
import type { DeviceProbe } from '../../src/state/modelFit';
import { browserBudget, folderShape, shapeOfConfigJson, urlMemoryOverride } from '../../src/state/runPlan';
import { KNOWN_SHAPES } from '../../src/core/plan';

const GB = 1024 ** 3;
const device = (gb: number): DeviceProbe => ({ webgpu: null, deviceMemoryGB: gb, storage: { quota: 50e9, usage: 0 } });

describe('the memory planner before a load', () => {
  it('reads the browser budget: half of deviceMemory, the wasm heap, the storage left, or ?max-memory', () => {
    expect(browserBudget(device(8), 'wasm', null)).toEqual({ memory: 4 * GB, memorySource: 'half of the 8 GB this device reports', wasmHeap: 4 * GB, storageFree: 50e9 });
    expect(browserBudget(device(8), 'webgpu', null).wasmHeap).toBeNull();
    expect(browserBudget(null, 'wasm', null).memory).toBeNull();
    expect(urlMemoryOverride('?backend=wasm&max-memory=512M')).toBe(512 * 1024 ** 2);
    expect(urlMemoryOverride('?max-memory=90000000')).toBe(9e7);
    expect(urlMemoryOverride('?max-memory=lots')).toBeNull();
    expect(browserBudget(device(8), 'wasm', 9e7).memorySource).toBe('the max-memory setting in the address');
  });

  it('reads a folder\'s config.json or genai_config.json', () => {
    const hf = { num_hidden_layers: 28, hidden_size: 1024, num_attention_heads: 16, num_key_value_heads: 8, head_dim: 128, vocab_size: 151936 };
    expect(shapeOfConfigJson(hf)).toEqual(KNOWN_SHAPES['Qwen3-0.6B']);
    const genai = { model: { vocab_size: 86, decoder: { num_hidden_layers: 8, hidden_size: 160, num_attention_heads: 5, num_key_value_heads: 1, head_size: 32 } } };
    expect(shapeOfConfigJson(genai)).toEqual(KNOWN_SHAPES['tiny-reasoner']);
    expect(folderShape([{ path: 'm/config.json', data: new TextEncoder().encode(JSON.stringify(hf)) }])).toEqual(KNOWN_SHAPES['Qwen3-0.6B']);
    expect(folderShape([{ path: 'config.json', data: new TextEncoder().encode('{not json') }])).toBeNull();
  });

  it('says before a Hub download whether the model and a default run fit this device', async () => {
    render(<ModelPicker probe={() => Promise.resolve(device(1))} />);
    await waitFor(() => expect(screen.getByTestId('picker-device').textContent).toMatch(/Memory: about 1 GB/));
    fireEvent.click(screen.getByRole('radio', { name: /Hugging Face Hub/ }));
    fireEvent.change(screen.getByLabelText('Hub model'), { target: { value: 'onnx-community/DeepSeek-R1-Distill-Qwen-1.5B-ONNX' } });
    const plan = screen.getByTestId('picker-plan');
    expect(plan.getAttribute('data-verdict')).toBe('refuse');
    expect(plan.textContent).toMatch(/^Will not fit: even 65 tokens need about [\d.]+ GB \(weights [\d.]+ GB.*more than 537 MB of memory \(half of the 1 GB this device reports\)/);
  });
});
