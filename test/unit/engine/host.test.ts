import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ortWeb from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { EngineHost } from '../../../src/engine/host';
import type { OrtModule } from '../../../src/engine/ort';
import type { TokenBatch } from '../../../src/engine/protocol';
import { REPO_ROOT, sharedPath } from '../../paths';
import { publicFetch } from './helpers';

const testbed = JSON.parse(readFileSync(sharedPath('fixtures/tiny-reasoner/testbed.json'), 'utf8')) as {
  traces: { id: number; expr: string; text: string; correct: boolean }[];
};

function host(probe: () => Promise<null>, batchMs = 0) {
  return new EngineHost({ ort: ortWeb as unknown as OrtModule, baseUrl: 'http://app.test/', fetch: publicFetch, probeWebGpu: probe, batchMs });
}

describe('EngineHost (the worker implementation) on WASM in Node', () => {
  it('loads the bundled model, checks it against PyTorch, and says it runs on WASM', async () => {
    const h = host(async () => null);
    const phases: string[] = [];
    const info = await h.load({ kind: 'bundled' }, (p) => phases.push(p.phase));
    expect(info.backend).toBe('wasm');
    expect(info.variant).toBe('fp32-cpu');
    expect(info.notices.join(' ')).toMatch(/WebGPU is not available here/);
    expect(info.parity?.reference).toBe('PyTorch reference logits');
    expect(info.parity?.trials[0].maxAbsDiff).toBeLessThan(1e-4);
    expect(info.parity?.trials[0].ok).toBe(true);
    expect(phases).toContain('parity');
    expect(await h.info()).toEqual(info);

    const t = testbed.traces.find((x) => !x.correct)!;
    const batches: TokenBatch[] = [];
    const r = await h.generate('run-1', `${t.expr}=?`, { maxTokens: 200, temperature: 0 }, (b) => batches.push(b));
    expect(r.text).toBe(t.text); // greedy output equals the testbed's, a wrong answer included
    expect(batches.every((b) => b.runId === 'run-1')).toBe(true);
    expect(batches.flatMap((b) => b.tokens.map((x) => x.id))).toEqual(r.ids.slice(r.promptLength));
    expect(r.states?.layers).toBe(8);
    // the trajectory projection is fitted in the worker: one (x, y) per output token and layer
    expect(r.projection?.ok).toBe(true);
    if (r.projection?.ok) expect(r.projection.data.xy.length).toBe(r.tokens.length * 9 * 2);

    const s = await h.score('run-2', `${t.expr}=?`, t.text, {});
    // one prefill vs token-by-token steps: the same math in another float32 order (measured 2.5e-8 relative)
    expect(Math.abs(s.scores.cotkEnergy! - r.scores.cotkEnergy!) / r.scores.cotkEnergy!).toBeLessThan(1e-6);
  });

  it('cancels a run at the next step and keeps what it produced', async () => {
    const h = host(async () => null, 0);
    await h.load({ kind: 'bundled' }, undefined, { backend: 'wasm' });
    let seen = 0;
    const p = h.generate('run-c', '(((6+40)*4)*6)*10=?', { maxTokens: 200 }, (b) => {
      seen += b.tokens.length;
      if (seen >= 5) void h.cancel('run-c');
    });
    const r = await p;
    expect(r.stop).toBe('cancelled');
    expect(r.tokens.length).toBeGreaterThanOrEqual(5);
    expect(r.tokens.length).toBeLessThan(40);
    expect(await h.cancel('run-c')).toBe(false);
  });

  it('loads a folder the user picked (genai layout, loose files) and scores with it', async () => {
    const h = host(async () => null);
    const dir = join(REPO_ROOT, 'public/models/tiny-reasoner/fp32-cpu');
    const names = ['genai_config.json', 'model.onnx', 'model.onnx.data', 'tokenizer.json', 'tokenizer_config.json', 'chat_template.jinja'];
    const files = names.map((n) => ({ path: `my-model/${n}`, data: new Uint8Array(readFileSync(join(dir, n))) }));
    const info = await h.load({ kind: 'files', name: 'my-model', files });
    expect(info.name).toBe('my-model');
    expect(info.layout).toBe('genai');
    expect(info.parity).toBeNull(); // no shipped reference for a user's folder, and WASM is the reference backend
    const t = testbed.traces[3];
    const r = await h.score('f1', `${t.expr}=?`, t.text, {});
    expect(r.scores.cotkEnergy).not.toBeNull();
    const missing = files.filter((f) => !f.path.endsWith('tokenizer.json'));
    await expect(h.load({ kind: 'files', name: 'my-model', files: missing })).rejects.toThrow(/tokenizer\.json/);
  });

  it('refuses to run before a model is loaded, and refuses WebGPU when there is no adapter', async () => {
    const h = host(async () => null);
    await expect(h.generate('x', '1+1=?', {})).rejects.toThrow(/No model is loaded/);
    await expect(h.load({ kind: 'bundled' }, undefined, { backend: 'webgpu' })).rejects.toThrow(/no WebGPU adapter/);
  });
  it('returns a run only after the page has handled its last token batch', async () => {
    // Across comlink the batch callback resolves when the page has run it; a slow page must still
    // see every token before the result (autosave and export read the tokens when the run ends).
    const h = host(async () => null, 1e9); // one batch per run: the final flush
    await h.load({ kind: 'bundled' }, undefined, { backend: 'wasm' });
    const seen: number[] = [];
    let handled = false;
    const r = await h.generate('run-late', '2+2=?', { maxTokens: 30, temperature: 0 }, async (b) => {
      await new Promise((done) => setTimeout(done, 200));
      seen.push(...b.tokens.map((t) => t.id));
      handled = true;
    });
    expect(handled).toBe(true);
    expect(seen).toEqual(r.ids.slice(r.promptLength));
  });
});
