/**
 * The model's final norm (weight and ε), read from the graph the engine runs, for the candidates
 * that put the final norm into the motion (A1, A7: n_l = w ⊙ x_l / sqrt(mean(x_l²) + ε)). The lens
 * graph builder names the norm's weight; its ε is the norm node's `epsilon` attribute.
 */
import type { ModelFiles } from '../../src/engine/source/types';
import { buildLensModel } from '../../src/engine/tap/lensGraph';
import { parseModel } from '../../src/engine/tap/onnx';
import { floatAttribute, readFloatInitializer } from '../../test/unit/engine/lensHelpers';

export interface FinalNorm {
  readonly weight: Float64Array;
  readonly eps: number;
  /** Where they were read from, for the report. */
  readonly source: string;
}

export function readFinalNorm(files: ModelFiles): FinalNorm {
  const { info } = buildLensModel(files.graph);
  const m = parseModel(files.graph);
  const weightName = info.initializers.find((n) => m.initializers.get(n)?.dims.length === 1);
  if (!weightName) throw new Error(`no 1-D initializer among the lens graph's (${info.initializers.join(', ')}): cannot find the final norm weight`);
  const node = m.nodes.find((n) => n.inputs.includes(weightName) && /Norm/i.test(n.opType));
  if (!node) throw new Error(`no norm node reads ${weightName}`);
  const eps = floatAttribute(m, node.name, 'epsilon');
  if (eps === null) throw new Error(`${node.name} has no epsilon`);
  const w = readFloatInitializer(m, weightName, new Map(files.externalData.map((f) => [f.path, f.data])));
  return { weight: Float64Array.from(w), eps, source: `${weightName}, ε of ${node.opType} ${node.name}` };
}

/** n = w ⊙ x / sqrt(mean(x²) + ε), in float64. */
export function applyFinalNorm(norm: FinalNorm, x: ArrayLike<number>, xo: number, out: Float64Array, oo: number, d: number): void {
  let ms = 0;
  for (let i = 0; i < d; i++) ms += x[xo + i] * x[xo + i];
  const inv = 1 / Math.sqrt(ms / d + norm.eps);
  for (let i = 0; i < d; i++) out[oo + i] = norm.weight[i] * x[xo + i] * inv;
}
