/**
 * transformers.js `generate()` on the same ONNX graph the engine runs, for the decode-loop
 * comparison. Runtime-agnostic: it is handed the transformers.js module (Node or the bench page)
 * and a model id that its env (localModelPath) resolves to a folder in the onnx-community layout.
 */
import type * as HF from '@huggingface/transformers';

type Hf = typeof HF;

export interface TjsModelSpec {
  /** The folder name under env.localModelPath. */
  readonly id: string;
  /** 'fp32' reads onnx/model.onnx, 'q4' onnx/model_q4.onnx, 'q4f16' onnx/model_q4f16.onnx (the onnx-community names). */
  readonly dtype: 'fp32' | 'q4' | 'q4f16';
  /** transformers.js device: 'cpu' (onnxruntime-node), 'wasm', 'webgpu'; 'auto' with explicit providers. */
  readonly device: 'cpu' | 'wasm' | 'webgpu' | 'auto';
  readonly sessionOptions: Record<string, unknown>;
  readonly layers: number;
  readonly kv: 'float32' | 'float16';
  readonly kvHeads: number;
  readonly headDim: number;
}

export interface TjsRun {
  readonly ids: number[];
  /** The whole generate() call: prefill, N − 1 decode steps, sampling, streamer. */
  readonly wallMs: number;
  /** Between the first and the last streamed token, per token: the decode loop alone. */
  readonly decodeMsPerToken: number;
}

export interface TjsRunner {
  /** Greedy, at least `minTokens` (EOS suppressed before) and at most `maxTokens` new tokens. */
  generate(promptIds: readonly number[], maxTokens: number, minTokens: number): Promise<TjsRun>;
  release(): Promise<void>;
}

export async function openTjs(hf: Hf, spec: TjsModelSpec): Promise<TjsRunner> {
  const model = await hf.AutoModelForCausalLM.from_pretrained(spec.id, {
    dtype: spec.dtype,
    device: spec.device,
    session_options: spec.sessionOptions,
  });
  // The builder's graphs name the KV head dimension `kv_cache_dim`, a symbol transformers.js 4.3.1
  // resolves to 0 when it makes the empty cache ([1, 1, 0, 0]: GroupQueryAttention refuses it), so
  // the first call gets the empty cache from us, shaped as the graph wants it.
  const emptyCache = (): HF.DynamicCache => {
    const entries: Record<string, HF.Tensor> = {};
    for (let l = 0; l < spec.layers; l++) {
      for (const kv of ['key', 'value']) entries[`past_key_values.${l}.${kv}`] = new hf.Tensor(spec.kv, spec.kv === 'float16' ? new Uint16Array(0) : new Float32Array(0), [1, spec.kvHeads, 0, spec.headDim]);
    }
    return new hf.DynamicCache(entries);
  };
  return {
    async generate(promptIds, maxTokens, minTokens) {
      const stamps: number[] = [];
      // Only put() and end() are called; the parameter type asks for a TextStreamer.
      const streamer = { put: () => void stamps.push(performance.now()), end: () => undefined } as unknown as HF.TextStreamer;
      const t0 = performance.now();
      const n = promptIds.length;
      const out = await model.generate({
        input_ids: new hf.Tensor('int64', BigInt64Array.from(promptIds, (x) => BigInt(x)), [1, n]),
        attention_mask: new hf.Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]),
        past_key_values: emptyCache(),
        max_new_tokens: maxTokens,
        min_new_tokens: minTokens,
        do_sample: false,
        streamer,
      });
      const wallMs = performance.now() - t0;
      const seq = out as HF.Tensor;
      const ids = Array.from(seq.data as BigInt64Array, Number).slice(n);
      // stamps[0] is the prompt, stamps[1] the first token (after prefill), the last stamp the last token.
      const decodeMsPerToken = (stamps[stamps.length - 1] - stamps[1]) / Math.max(1, stamps.length - 2);
      return { ids, wallMs, decodeMsPerToken };
    },
    release: async () => {
      await model.dispose();
    },
  };
}
