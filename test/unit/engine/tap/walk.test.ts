/**
 * The tap without a runtime: the structural walk on every fixture graph, the splice (weights
 * byte-identical, growth = the added nodes), the wire format, and the refusals a user will see.
 */
import { describe, expect, it } from 'vitest';
import { TapError, tapModel } from '../../../../src/engine/tap';
import { parseModel } from '../../../../src/engine/tap/onnx';
import { WireError, Writer, fields, readVarint, varintSize } from '../../../../src/engine/tap/wire';
import { FIXTURES, readFixture } from './fixtures';
import { randomBytes, renameOutput, synthModel } from './synth';

const EXPECTED_STYLE: Record<string, { style: string; dtype: string }> = {
  'tiny-reasoner fp32-cpu': { style: 'builder', dtype: 'float32' },
  // int4-cpu dequantises the embedding with fp32 scales, so its residual stream is fp32.
  'tiny-reasoner int4-cpu': { style: 'builder', dtype: 'float32' },
  'tiny-reasoner fp16-webgpu': { style: 'builder', dtype: 'float16' },
  'tiny-reasoner int4-webgpu': { style: 'builder', dtype: 'float16' },
  'stories260K torch': { style: 'decomposed', dtype: 'float32' },
  'stories260K builder': { style: 'builder', dtype: 'float32' },
  'stories260K builder fp16': { style: 'builder', dtype: 'float16' },
  'tiny-random-gpt2': { style: 'ort-fused', dtype: 'float32' },
};

function tapError(f: () => unknown): TapError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TapError);
    return e as TapError;
  }
  throw new Error('expected a TapError');
}

describe('the structural walk finds every layer', () => {
  for (const [name, f] of Object.entries(FIXTURES)) {
    it(name, () => {
      const { info } = tapModel(readFixture(f), { expectedLayers: f.layers });
      expect(info).toMatchObject({ ...EXPECTED_STYLE[name], layers: f.layers, hiddenSize: f.hidden, statesOutput: 'cotk_states' });
      expect(info.residualTensors).toHaveLength(f.layers + 1);
      expect(new Set(info.residualTensors).size).toBe(f.layers + 1);
      // Without a layer count from the config the walk's own cross-checks must agree too.
      expect(tapModel(readFixture(f)).info.layers).toBe(f.layers);
    });
  }

  it('taps the torch export by structure: R[i] are the MLP residual Adds, H the final RMSNorm', () => {
    const { info } = tapModel(readFixture(FIXTURES['stories260K torch']));
    expect(info.residualTensors).toEqual([
      '/model/embed_tokens/Gather_output_0',
      ...[0, 1, 2, 3, 4].map((i) => `/model/layers.${i}/Add_1_output_0`),
    ]);
    expect(info.finalNormTensor).toBe('/model/norm/Mul_1_output_0');
  });

  it("reads GPT-2's residual from EmbedLayerNormalization output 2 and SkipLayerNormalization output 3", () => {
    const { info } = tapModel(readFixture(FIXTURES['tiny-random-gpt2']));
    expect(info.residualTensors[0]).toBe('EmbedLayerNormalization_0_embedding_sum');
    expect(info.residualTensors.slice(1, 5)).toEqual([0, 1, 2, 3].map((i) => `/transformer/h.${i}/Add_1_output_0`));
    expect(info.finalNormTensor).toBe('/transformer/ln_f/Add_1_output_0');
  });
});

describe('the splice', () => {
  for (const name of ['tiny-reasoner fp32-cpu', 'stories260K torch', 'tiny-random-gpt2', 'stories260K builder fp16']) {
    it(`${name}: initializers byte-identical, old nodes unchanged, growth = the added nodes and output`, () => {
      const input = readFixture(FIXTURES[name]);
      const { model: output, info } = tapModel(input);
      const a = parseModel(input);
      const b = parseModel(output);
      expect([...b.initializers.keys()]).toEqual([...a.initializers.keys()]);
      for (const [key, init] of a.initializers) {
        const other = b.initializers.get(key);
        expect(other).toBeDefined();
        expect(Buffer.compare(input.subarray(init.field.start, init.field.end), output.subarray(other!.field.start, other!.field.end))).toBe(0);
      }
      // The only changed original node is the final norm (output 3 switched on), or none.
      let nodeGrowth = 0;
      const changed: string[] = [];
      a.nodes.forEach((n, i) => {
        const m = b.nodes[i];
        const same = Buffer.compare(input.subarray(n.field.start, n.field.end), output.subarray(m.field.start, m.field.end)) === 0;
        if (!same) {
          changed.push(n.name);
          expect(m.outputs.slice(0, n.outputs.length).filter(Boolean)).toEqual(n.outputs.filter(Boolean));
          nodeGrowth += m.field.end - m.field.start - (n.field.end - n.field.start);
        }
      });
      expect(changed.length).toBeLessThanOrEqual(1);
      const added = b.nodes.slice(a.nodes.length).reduce((s, n) => s + n.field.end - n.field.start, 0);
      const newOutput = b.outputs.at(-1)!;
      expect(newOutput).toMatchObject({ name: 'cotk_states', elemType: 1, dims: [info.layers + 2, 'cotk_batch', 'cotk_sequence', info.hiddenSize] });
      const outputField = [...fields(output, b.graph.valueStart, b.graph.end)].filter((f) => f.num === 12).at(-1)!;
      const header = varintSize(b.graph.end - b.graph.valueStart) - varintSize(a.graph.end - a.graph.valueStart);
      expect(output.length - input.length).toBe(added + nodeGrowth + (outputField.end - outputField.start) + header);
    });
  }

  it('leaves external data external (same data_location/external_data bytes, same file name)', () => {
    const input = readFixture(FIXTURES['tiny-reasoner fp32-cpu']);
    const text = (b: Uint8Array) => new TextDecoder('latin1').decode(b).split('model.onnx.data').length - 1;
    expect(text(tapModel(input).model)).toBe(text(input));
    expect(text(input)).toBeGreaterThan(50);
  });
});

describe('wire format', () => {
  it('round-trips varints up to 2^53 and reads 10-byte negatives', () => {
    for (const v of [0, 1, 127, 128, 300, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, 1.4e9, 2 ** 40 + 3, 2 ** 53 - 1]) {
      const bytes = new Writer().varint(v).finish();
      expect(bytes.length).toBe(varintSize(v));
      expect(readVarint(bytes, 0)).toEqual([v, bytes.length]);
    }
    for (const v of [-1, -2, -129, -(2 ** 40)]) {
      const bytes = new Writer().varint(v).finish();
      expect(bytes).toHaveLength(10);
      expect(readVarint(bytes, 0)).toEqual([v, 10]);
    }
  });

  it('reports a length beyond the buffer with its offset, not a wrapped 32-bit number', () => {
    const bytes = new Writer().int(1, 8).tag(7, 2).varint(3_000_000_000).finish();
    expect(() => [...fields(bytes, 0, bytes.length)]).toThrow(WireError);
    const e = tapError(() => tapModel(bytes));
    expect(e.message).toMatch(/not an ONNX model .*3000000\d+ > \d+.* at byte 2/);
    expect(e.offset).toBe(2);
  });
});

describe('refusals name what was found', () => {
  const reasoner = () => readFixture(FIXTURES['tiny-reasoner fp32-cpu']);

  it('a layer whose residual the walk cannot follow: counts against expectedLayers', () => {
    const broken = renameOutput(reasoner(), '/model/layers.3/input_layernorm/SkipLayerNorm', 3, 'renamed_residual');
    expect(tapError(() => tapModel(broken, { expectedLayers: 8 })).message).toMatch(/found 3 layers, expected 8: .*6 residual joins and stopped at "renamed_residual"/);
    // Without expectedLayers the attention count gives it away.
    expect(tapError(() => tapModel(broken)).message).toMatch(/found 3 layers on the residual stream but 8 GroupQueryAttention nodes/);
  });

  it('a decomposed graph broken mid-layer: an odd number of joins', () => {
    const broken = renameOutput(readFixture(FIXTURES['stories260K torch']), '/model/layers.2/Add', 0, 'renamed_residual');
    expect(tapError(() => tapModel(broken, { expectedLayers: 5 })).message).toMatch(/odd number of residual joins \(5\).*expected 5 layers \(10 joins\).*"\/model\/layers.2\/Add"/);
  });

  it('a correct graph against a wrong layer count', () => {
    expect(tapError(() => tapModel(reasoner(), { expectedLayers: 28 })).message).toMatch(/found 8 layers, expected 28/);
  });

  it('truncated bytes: "not an ONNX model" with the byte offset', () => {
    const e = tapError(() => tapModel(reasoner().subarray(0, 30_000)));
    expect(e.message).toMatch(/^not an ONNX model \(30000 bytes\): .* at byte \d+/);
    expect(e.offset).not.toBeNull();
  });

  it('random bytes and empty input: "not an ONNX model"', () => {
    for (let seed = 1; seed <= 50; seed++) {
      expect(tapError(() => tapModel(randomBytes(4096, seed))).message).toMatch(/^not an ONNX model .* at byte \d+/);
    }
    expect(tapError(() => tapModel(new Uint8Array(0))).message).toMatch(/no graph/);
  });

  it('no norm after the embedding: lists the op types seen', () => {
    const m = synthModel([{ op: 'Gather', inputs: ['emb', 'input_ids'], outputs: ['x'] }, { op: 'MatMul', inputs: ['x', 'w'], outputs: ['logits'] }], { emb: [10, 4], w: [4, 10] });
    expect(tapError(() => tapModel(m)).message).toMatch(/no residual connection or norm found after the embedding "x".*ops in the graph: Gather×1, MatMul×1/);
  });

  it('residual Adds but no norm before the LM head: lists the op types seen', () => {
    const m = synthModel(
      [
        { op: 'Gather', inputs: ['emb', 'input_ids'], outputs: ['x'] },
        { op: 'MatMul', inputs: ['x', 'w1'], outputs: ['a'] },
        { op: 'Add', inputs: ['x', 'a'], outputs: ['x1'] },
        { op: 'MatMul', inputs: ['x1', 'w2'], outputs: ['b'] },
        { op: 'Add', inputs: ['x1', 'b'], outputs: ['x2'] },
        { op: 'MatMul', inputs: ['x2', 'w'], outputs: ['logits'] },
      ],
      { emb: [10, 4], w1: [4, 4], w2: [4, 4], w: [4, 10] },
    );
    expect(tapError(() => tapModel(m)).message).toMatch(/not a recognisable norm of the last residual "x2".*ops in the graph: Gather×1, MatMul×3, Add×2/);
  });

  it('a model tapped twice', () => {
    expect(tapError(() => tapModel(tapModel(reasoner()).model)).message).toMatch(/already has an output named "cotk_states"/);
  });
});
