import { create } from 'zustand';
import { KNOWN_SHAPES, WASM32_HEAP_BYTES, planMemory, type MemoryPlan, type PlanBudget, type PlanShape } from '../core/plan';
import { DEFAULT_MAX_TOKENS } from '../engine/generate';
import { DEFAULT_STATE_CAP_BYTES } from '../engine/keep';
import type { GenerateOptions } from '../engine/generate';
import type { ModelConfig } from '../engine/source/types';
import type { WorkerInfo } from '../engine/protocol';
import { useHistorySettings } from '../history/settings';
import type { DeviceProbe } from './modelFit';
import { useStore } from './store';

/**
 * The memory planner in the app: the browser's budget (navigator.deviceMemory, the WebAssembly
 * heap, storage for history), the plan for a run before it starts (shown by MemoryPlanLine), and
 * what the run does with it: a degraded run keeps fewer states, stops sooner, or is saved without
 * its states (autosave asks {@link historyStatesAllowed}); a refused one does not start.
 */

/** `?max-memory=64M` in the page's URL: rehearse a smaller device (as `cotk --max-memory`). */
export function urlMemoryOverride(search: string = typeof location === 'undefined' ? '' : location.search): number | null {
  const v = new URLSearchParams(search).get('max-memory');
  if (!v) return null;
  const m = /^(\d+(?:\.\d+)?)([KMG]?)$/i.exec(v.trim());
  if (!m) return null;
  return Math.floor(Number(m[1]) * { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G']);
}

/**
 * What a tab may use: half of what navigator.deviceMemory reports (the browser rounds it down and
 * caps it at 8 GB, and the rest of the machine needs the other half), the 4 GiB wasm32 heap on the
 * WASM backend, and the storage left for history.
 */
export function browserBudget(device: DeviceProbe | null, backend: 'webgpu' | 'wasm' | 'auto', override: number | null = urlMemoryOverride()): PlanBudget {
  const storageFree = device?.storage ? Math.max(0, device.storage.quota - device.storage.usage) : null;
  const wasmHeap = backend === 'webgpu' ? null : WASM32_HEAP_BYTES;
  if (override !== null) return { memory: override, memorySource: 'the max-memory setting in the address', wasmHeap, storageFree };
  if (device?.deviceMemoryGB) {
    return { memory: (device.deviceMemoryGB * 1024 ** 3) / 2, memorySource: `half of the ${device.deviceMemoryGB} GB this device reports`, wasmHeap, storageFree };
  }
  return { memory: null, memorySource: 'not reported by this browser', wasmHeap, storageFree };
}

export function shapeOfConfig(c: ModelConfig): PlanShape {
  return { layers: c.layers, hidden: c.hiddenSize, heads: c.numHeads, kvHeads: c.numKvHeads, headDim: c.headDim, vocab: c.vocabSize };
}

/** A config.json (Hugging Face) or genai_config.json as the planner needs it, or null when it lacks sizes. */
export function shapeOfConfigJson(j: unknown): PlanShape | null {
  const o = (j ?? {}) as Record<string, unknown>;
  const model = o.model as Record<string, unknown> | undefined;
  const d = (model?.decoder ?? o) as Record<string, unknown>;
  const n = (...keys: string[]) => {
    for (const k of keys) if (typeof d[k] === 'number') return d[k] as number;
    return null;
  };
  const layers = n('num_hidden_layers');
  const hidden = n('hidden_size');
  const heads = n('num_attention_heads');
  const vocab = (typeof model?.vocab_size === 'number' ? model.vocab_size : null) ?? n('vocab_size');
  if (!layers || !hidden || !heads || !vocab) return null;
  const headDim = n('head_dim', 'head_size') ?? hidden / heads;
  return { layers, hidden, heads, kvHeads: n('num_key_value_heads') ?? heads, headDim, vocab };
}

/** The known architectures by name, for a Hub repo the picker recognises. */
export function knownShape(label: string): PlanShape | null {
  return KNOWN_SHAPES[label] ?? null;
}

interface RunPlanState {
  device: DeviceProbe | null;
  /** The plan each run started with (by run id): autosave and the line under the controls read it. */
  byRun: Record<string, MemoryPlan>;
}

export const useRunPlans = create<RunPlanState>()(() => ({ device: null, byRun: {} }));

export function setPlanDevice(device: DeviceProbe | null): void {
  useRunPlans.setState({ device });
}

/** Tokens a text may take, at most: one per character, plus the chat template's few dozen. */
export function tokensUpperBound(chars: number): number {
  return chars + 32;
}

/** Prompt and output lengths to plan for (upper bounds: the tokenizer lives in the worker). */
function runLengths(info: WorkerInfo, kind: 'generate' | 'score', promptChars: number, outputChars: number): { promptTokens: number; maxTokens: number } {
  const ctx = info.config.contextLength;
  const promptTokens = Math.min(tokensUpperBound(promptChars), ctx - 1);
  const want = kind === 'generate' ? DEFAULT_MAX_TOKENS : tokensUpperBound(outputChars);
  return { promptTokens, maxTokens: Math.max(1, Math.min(want, ctx - promptTokens)) };
}

/** The plan for a run of the loaded model, or null when no model is loaded or its size is unknown. */
export function planAppRun(info: WorkerInfo | null, kind: 'generate' | 'score', promptChars: number, outputChars = 0): MemoryPlan | null {
  if (!info?.weightsBytes) return null;
  const backend = info.backend === 'webgpu' ? 'webgpu' : 'wasm';
  return planMemory(
    {
      shape: shapeOfConfig(info.config),
      weightsBytes: info.weightsBytes,
      dtype: info.variant,
      ...runLengths(info, kind, promptChars, outputChars),
      stateCapBytes: DEFAULT_STATE_CAP_BYTES,
      historyStates: useHistorySettings.getState().keepStates,
      lens: true,
      runtime: backend,
    },
    browserBudget(useRunPlans.getState().device, backend),
  );
}

/**
 * The plan for the run about to start: the options it changes (fewer kept states, fewer tokens) or
 * a refusal sentence, and `record` to file it under the run's id. A pasted trace is scored whole, so
 * a plan that would shorten one refuses it instead.
 */
export function planForStart(kind: 'generate' | 'score', promptChars: number, outputChars = 0): { options: Pick<GenerateOptions, 'maxTokens' | 'stateCapBytes'>; refuse: string | null; record: (runId: string) => void } {
  const info = useStore.getState().model.info;
  const plan = planAppRun(info, kind, promptChars, outputChars);
  const record = (runId: string) => {
    if (plan) useRunPlans.setState((s) => ({ byRun: { ...s.byRun, [runId]: plan } }));
  };
  if (!plan || !info || plan.verdict === 'go') return { options: {}, refuse: null, record };
  if (plan.verdict === 'refuse') return { options: {}, refuse: plan.sentence, record };
  const asked = runLengths(info, kind, promptChars, outputChars).maxTokens;
  if (kind === 'score' && plan.maxTokens < asked) {
    return { options: {}, refuse: `${plan.sentence.replace(/;? ?it goes ahead .*$/, '.')} A pasted trace is scored whole: shorten it, or load a smaller graph.`, record };
  }
  return { options: kind === 'generate' ? { stateCapBytes: plan.stateCapBytes, maxTokens: plan.maxTokens } : { stateCapBytes: plan.stateCapBytes }, refuse: null, record };
}

/** Whether autosave may keep this run's states (false when its plan dropped them). */
export function historyStatesAllowed(runId: string): boolean {
  const plan = useRunPlans.getState().byRun[runId];
  return !plan || plan.historyStates;
}


/** A typical run for the picker's estimate: a short prompt and the default output length. */
const PICKER_RUN = { promptTokens: 64, maxTokens: DEFAULT_MAX_TOKENS } as const;

/**
 * Before a load: the model's weights and a default run (64 + 1 024 tokens, states up to the cap,
 * the lens, history as set) against this device, so the picker can say whether it will fit.
 */
export function planBeforeLoad(shape: PlanShape, weightsBytes: number, dtype: string, backend: 'auto' | 'webgpu' | 'wasm', device: DeviceProbe | null): MemoryPlan {
  const gpu = backend === 'webgpu' || (backend === 'auto' && device?.webgpu);
  return planMemory(
    { shape, weightsBytes, dtype, ...PICKER_RUN, stateCapBytes: DEFAULT_STATE_CAP_BYTES, historyStates: useHistorySettings.getState().keepStates, lens: true, runtime: gpu ? 'webgpu' : 'wasm' },
    browserBudget(device, gpu ? 'webgpu' : 'wasm'),
  );
}

/** The shape a picked folder's config.json (or genai_config.json) gives, or null. */
export function folderShape(files: ReadonlyArray<{ readonly path: string; readonly data: Uint8Array }>): PlanShape | null {
  const f = files.find((x) => /(^|\/)config\.json$/.test(x.path)) ?? files.find((x) => /(^|\/)genai_config\.json$/.test(x.path));
  if (!f) return null;
  try {
    return shapeOfConfigJson(JSON.parse(new TextDecoder().decode(f.data)));
  } catch {
    return null;
  }
}
