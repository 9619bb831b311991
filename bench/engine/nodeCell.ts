/**
 * One Node runtime's cells, in a process of its own: transformers.js binds to one onnxruntime
 * package when it is first imported (onnxruntime-node, or the module found under
 * Symbol.for('onnxruntime')), so each runtime gets a fresh process and both the engine and
 * transformers.js run on the same package in it. Run by run.ts:
 *   node --import tsx bench/engine/nodeCell.ts '<NodeCellArgs as JSON>'
 * and prints one JSON line, `RESULT <CellResult[]>`.
 */
import type * as OrtWeb from 'onnxruntime-web';

export interface NodeCellArgs {
  readonly runtime: 'node' | 'wasm';
  readonly hfRoot: string;
  readonly variants: readonly string[];
  readonly reps: number;
  readonly warmup: number;
  readonly decodeTokens: number;
  readonly prompt: string;
  readonly output: string;
}

async function main(args: NodeCellArgs): Promise<void> {
  const wasm = args.runtime === 'wasm';
  const ort = wasm ? await import('onnxruntime-web') : await import('onnxruntime-node');
  if (wasm) {
    const web = ort as typeof OrtWeb;
    web.env.wasm.numThreads = 1;
    (globalThis as Record<symbol, unknown>)[Symbol.for('onnxruntime')] = web;
  }
  const hf = await import('@huggingface/transformers');
  // transformers.js points onnxruntime-web at a CDN when it loads; in Node the package's own files serve.
  if (wasm) (ort as typeof OrtWeb).env.wasm.wasmPaths = undefined;
  hf.env.allowRemoteModels = false;
  hf.env.allowLocalModels = true;
  hf.env.localModelPath = `${args.hfRoot}/`;
  const { measureCell } = await import('./measure');
  const { RUNTIME_LABELS, HF_MODELS, TJS_EXTERNAL_DATA } = await import('./config');
  const { openTjs } = await import('./tjs');
  const { BUNDLED } = await import('./hfFolder');
  const { loadModelDir } = await import('../../src/cli/modelDir');
  const providers = wasm ? ['wasm'] : ['cpu'];
  const sessionOptions = { intraOpNumThreads: 1 };
  const results = [];
  for (const variant of args.variants) {
    const files = await loadModelDir(BUNDLED, { variant });
    const m = HF_MODELS[variant];
    const c = files.config;
    results.push(
      await measureCell(
        { runtime: RUNTIME_LABELS[args.runtime], variant, reps: args.reps, warmup: args.warmup, decodeTokens: args.decodeTokens, prefillChunk: Infinity, prompt: args.prompt, output: args.output },
        {
          ort,
          files,
          engineOptions: { runtime: wasm ? 'onnxruntime-web' : 'onnxruntime-node', executionProviders: providers, sessionOptions },
          openTjs: () =>
            openTjs(hf, {
              id: m.id,
              dtype: m.dtype,
              // In the wasm process transformers.js knows no devices (its list is for onnxruntime-node): 'auto' + providers.
              device: wasm ? 'auto' : 'cpu',
              sessionOptions: { ...sessionOptions, executionProviders: providers, externalData: TJS_EXTERNAL_DATA },
              layers: c.layers,
              kv: m.kv,
              kvHeads: c.numKvHeads,
              headDim: c.headDim,
            }),
          log: (s) => process.stderr.write(`  ${s}\n`),
        },
      ),
    );
  }
  process.stdout.write(`RESULT ${JSON.stringify(results)}\n`);
}

const arg = process.argv[2];
if (arg) {
  main(JSON.parse(arg) as NodeCellArgs).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
