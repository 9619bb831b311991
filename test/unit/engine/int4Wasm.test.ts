/**
 * int4 on plain WASM: the builder's int4-cpu graph with its 4-bit embedding (GatherBlockQuantized)
 * rewritten into standard ops, as the app's WASM backend loads it, against onnxruntime-node running
 * the contrib kernel. The rewrite itself is exact (same runtime, rewritten or not: identical
 * logits); across runtimes the embedding rows are identical and the logits differ only by what the
 * two runtimes' MatMulNBits kernels already differ by (measured here with the kernel on both sides).
 */
import * as ortWeb from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { hasQuantizedGather } from '../../../src/engine/tap/quantizedGather';
import { bundledFiles, maxRelErr, openTestEngine, testbedTraces } from './helpers';

const OPTS = { stateCapBytes: Infinity, keepLogits: true } as const;

describe('int4-cpu with GatherBlockQuantized rewritten', () => {
  it('gives the contrib kernel\'s logits on onnxruntime-web WASM and onnxruntime-node, over several sequences', async () => {
    expect(hasQuantizedGather((await bundledFiles('int4-cpu')).graph)).toBe(true);
    ortWeb.env.wasm.numThreads = 1;
    const kernelNode = await openTestEngine('int4-cpu', 'node', { lowerQuantizedGather: 'never' });
    const loweredNode = await openTestEngine('int4-cpu', 'node', { lowerQuantizedGather: 'always' });
    const kernelWasm = await openTestEngine('int4-cpu', 'wasm', { lowerQuantizedGather: 'never' });
    const loweredWasm = await openTestEngine('int4-cpu', 'wasm', { lowerQuantizedGather: 'always' });
    try {
      const traces = testbedTraces().filter((_, i) => i % 150 === 7).slice(0, 4);
      expect(traces.length).toBe(4);
      for (const t of traces) {
        const [kn, ln, kw, lw] = await Promise.all(
          [kernelNode, loweredNode, kernelWasm, loweredWasm].map((e) => e.score(`${t.expr}=?`, t.text, OPTS)),
        );
        const logits = (r: typeof kn) => r.logits as Float32Array;
        // Rewritten or not, the same runtime gives the same bits.
        expect(maxRelErr(logits(ln), logits(kn)).maxAbs).toBe(0);
        expect(maxRelErr(logits(lw), logits(kw)).maxAbs).toBe(0);
        // The embedding rows (R0) are the same across runtimes: the rewrite reproduces the kernel.
        const d = kn.states!.dim;
        const r0 = (r: typeof kn) => r.states!.residual.subarray(0, r.states!.tokens * d);
        expect(maxRelErr(r0(lw), r0(kn)).rel).toBeLessThan(1e-6);
        // Logits across runtimes: within float tolerance, and no further than the kernels themselves.
        const across = maxRelErr(logits(lw), logits(kn)).rel;
        const baseline = maxRelErr(logits(kw), logits(kn)).rel;
        console.log(`${t.expr}: WASM rewritten vs node kernel ${across.toExponential(2)} (WASM kernel vs node kernel ${baseline.toExponential(2)})`);
        expect(across).toBeLessThan(2e-2);
        expect(across).toBeLessThanOrEqual(baseline + 1e-7);
      }
      const t = testbedTraces()[301];
      expect((await loweredWasm.generate(`${t.expr}=?`)).text).toBe((await kernelNode.generate(`${t.expr}=?`)).text);
    } finally {
      for (const e of [kernelNode, loweredNode, kernelWasm, loweredWasm]) await e.release();
    }
  });
});
