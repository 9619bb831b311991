import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { loadModelDir } from '../../../src/cli/modelDir';
import { createEngine, type Engine, type EngineOptions } from '../../../src/engine/index';
import type { ModelFiles } from '../../../src/engine/source/types';
import { REPO_ROOT } from '../../paths';
import type { TestbedTrace } from '../../testbed';

/** The bundled copy the app ships (public/models), so these tests also prove the copy is complete. */
export const BUNDLED = resolve(REPO_ROOT, 'public/models/tiny-reasoner');

export { testbedTraces, type TestbedTrace } from '../../testbed';

/** Serves public/ as the engine worker would see the app's origin (404 for a missing file). */
export const publicFetch = (async (input: string | URL | Request) => {
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  try {
    return new Response(readFileSync(join(REPO_ROOT, 'public', decodeURIComponent(url.pathname))));
  } catch {
    return new Response('not found', { status: 404 });
  }
}) as typeof fetch;

/** The reference scores of a testbed trace under the batch output's keys. */
export function referenceScores(t: TestbedTrace): Record<string, number> {
  return {
    cotkEnergy: t.cotkEnergy,
    coeR: t.coe.coeR,
    coeC: t.coe.coeC,
    perplexity: t.output.perplexity,
    meanEntropy: t.output.meanEntropy,
    selfCertainty: t.output.selfCertainty,
    maxProb: t.output.maxProb,
    answerConfidence: t.answerConfidence,
  };
}

const filesCache = new Map<string, Promise<ModelFiles>>();
export function bundledFiles(variant = 'fp32-cpu'): Promise<ModelFiles> {
  let p = filesCache.get(variant);
  if (!p) {
    p = loadModelDir(BUNDLED, { variant });
    filesCache.set(variant, p);
  }
  return p;
}

export type RuntimeName = 'node' | 'wasm';

/** One thread: the tiny model gains nothing from more, and CI has two cores shared by parallel files. */
export async function openTestEngine(variant = 'fp32-cpu', runtime: RuntimeName = 'node', extra: EngineOptions = {}): Promise<Engine> {
  const files = await bundledFiles(variant);
  if (runtime === 'wasm') {
    ortWeb.env.wasm.numThreads = 1;
    return createEngine(ortWeb, files, { runtime: 'onnxruntime-web', executionProviders: ['wasm'], ...extra });
  }
  return createEngine(ortNode, files, { runtime: 'onnxruntime-node', executionProviders: ['cpu'], sessionOptions: { intraOpNumThreads: 1 }, ...extra });
}

/** max |a − b| / max |b|: relative error over a whole tensor, immune to near-zero elements. */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): { maxAbs: number; rel: number } {
  let maxAbs = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return { maxAbs, rel: maxAbs / scale };
}

/** Worst ‖a − b‖ / ‖b‖ over the d-long state vectors (one per layer and token). */
export function maxVectorRelErr(a: ArrayLike<number>, b: ArrayLike<number>, d: number): number {
  let worst = 0;
  for (let o = 0; o < b.length; o += d) {
    let dd = 0;
    let nn = 0;
    for (let k = 0; k < d; k++) {
      const x = a[o + k] - b[o + k];
      dd += x * x;
      nn += b[o + k] * b[o + k];
    }
    worst = Math.max(worst, Math.sqrt(dd / nn));
  }
  return worst;
}
