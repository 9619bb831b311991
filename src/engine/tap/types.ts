/** The public shapes of the tap (re-exported by index.ts; other engine modules code against them). */

/**
 * How the graph spells a decoder block: `builder` = onnxruntime-genai model builder (fused
 * SkipSimplifiedLayerNormalization), `decomposed` = torch/Optimum export (RMSNorm as
 * Pow/ReduceMean/…, residual Adds), `ort-fused` = ORT transformer optimizer (EmbedLayerNormalization,
 * SkipLayerNormalization).
 */
export type GraphStyle = 'builder' | 'decomposed' | 'ort-fused';

export interface TapInfo {
  readonly style: GraphStyle;
  /** L found by the walk. */
  readonly layers: number;
  /** From shapes/initializers when knowable. */
  readonly hiddenSize: number | null;
  /** Name of the ONE added graph output: float32, shape [L+2, batch, seq, hidden]; index 0..L = R[0..L], L+1 = H[L]. */
  readonly statesOutput: string;
  /** The L+1 tensor names tapped (R[0..L]), for messages and debugging. */
  readonly residualTensors: readonly string[];
  /** The H[L] tensor name (output of the final norm). */
  readonly finalNormTensor: string;
  /** Element type of the tapped tensors before the Cast (float16 if any of them is). */
  readonly dtype: 'float32' | 'float16';
}
