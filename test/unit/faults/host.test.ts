import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ortWeb from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { EngineHost } from '../../../src/engine/host';
import type { OrtModule } from '../../../src/engine/ort';
import { REPO_ROOT } from '../../paths';
import { recordProbe } from '../../reliability';

/**
 * Faults the engine host (the worker's implementation, here on WASM in Node) must survive: a model
 * folder that fails to load while another model works, and a bundled file whose stored copy was
 * damaged between visits.
 */

/** Serves public/ as the worker would see the app's origin; `damage` rewrites a file's bytes per request. */
function publicFetch(damage?: (path: string, bytes: Uint8Array, nth: number) => Uint8Array) {
  const seen = new Map<string, number>();
  return (async (input: string | URL | Request) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const path = decodeURIComponent(url.pathname);
    try {
      const bytes = new Uint8Array(readFileSync(join(REPO_ROOT, 'public', path)));
      const n = (seen.get(path) ?? 0) + 1;
      seen.set(path, n);
      return new Response((damage ? damage(path, bytes, n) : bytes) as Uint8Array<ArrayBuffer>);
    } catch {
      return new Response('not found', { status: 404 });
    }
  }) as typeof fetch;
}

function host(fetchImpl: typeof fetch, evict?: (url: string) => Promise<void>) {
  return new EngineHost({ ort: ortWeb as unknown as OrtModule, baseUrl: 'http://app.test/', fetch: fetchImpl, probeWebGpu: async () => null, batchMs: 0, evict });
}

const DIR = join(REPO_ROOT, 'public/models/tiny-reasoner/fp32-cpu');
const NAMES = ['genai_config.json', 'model.onnx', 'model.onnx.data', 'tokenizer.json', 'tokenizer_config.json', 'chat_template.jinja'];
const folder = () => NAMES.map((n) => ({ path: `mine/${n}`, data: new Uint8Array(readFileSync(join(DIR, n))) }));

describe('engine host faults', () => {
  it('a folder that fails to load keeps the model that was working, and says so', async () => {
    const h = host(publicFetch());
    const before = await h.load({ kind: 'bundled' }, undefined, { backend: 'wasm' });
    const cases: Array<[string, ReturnType<typeof folder>, RegExp]> = [
      ['tokenizer.json missing', folder().filter((f) => !f.path.endsWith('tokenizer.json')), /tokenizer\.json/],
      ['model.onnx truncated to half', folder().map((f) => (f.path.endsWith('model.onnx') ? { ...f, data: f.data.slice(0, f.data.length >> 1) } : f)), /./],
      ['genai_config.json not JSON', folder().map((f) => (f.path.endsWith('genai_config.json') ? { ...f, data: new TextEncoder().encode('{"model": ') } : f)), /./],
    ];
    for (const [what, files, re] of cases) {
      const err = await h.load({ kind: 'files', name: 'mine', files }).then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(err, what).not.toBeNull();
      expect(err?.name).toBe('ModelKeptError');
      expect(err?.message).toMatch(re);
      expect(err?.message.endsWith(`${before.name} (fp32-cpu) stays loaded.`), err?.message).toBe(true);
      // Still loaded, still scoring.
      expect(await h.info()).toEqual(before);
      const r = await h.score(`after-${what}`, '2+3=?', '<think>\n2+3=5\n</think>\n\n5', {});
      expect(r.scores.cotkV2).not.toBeNull();
      recordProbe({ area: 'model folder', input: `${what}, while the bundled model is loaded`, outcome: 'refused with a sentence', said: err?.message, kept: 'the model that was loaded (still ready, still scoring)' });
    }
  });

  it('a bundled file whose stored copy has the wrong size is fetched again before use, or the load names it', async () => {
    const evicted: string[] = [];
    // The first copy of the weights is cut short (a damaged precache entry); the network has the right one.
    const once = host(
      publicFetch((p, b, n) => (p.endsWith('fp32-cpu/model.onnx.data') && n === 1 ? b.slice(0, 4096) : b)),
      async (u) => void evicted.push(u),
    );
    const info = await once.load({ kind: 'bundled' }, undefined, { backend: 'wasm' });
    expect(evicted).toEqual(['http://app.test/models/tiny-reasoner/fp32-cpu/model.onnx.data']);
    expect(info.notices.join(' ')).toMatch(/stored copy of fp32-cpu\/model\.onnx\.data was damaged \(wrong size\); it was fetched again before use/);
    expect(info.parity?.trials[0].ok).toBe(true);
    recordProbe({ area: 'cached model file', input: 'bundled model.onnx.data cut to 4 KiB in the browser cache', outcome: 'recovered', said: info.notices.find((n) => /damaged/.test(n)), kept: 'the model, fetched again and checked against PyTorch before any score' });

    // Damaged every time (offline, or the server's copy is bad too): the load fails naming the file.
    const always = host(publicFetch((p, b) => (p.endsWith('fp32-cpu/model.onnx.data') ? b.slice(0, 4096) : b)));
    const err = await always.load({ kind: 'bundled' }, undefined, { backend: 'wasm' }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/^the bundled model file models\/tiny-reasoner\/fp32-cpu\/model\.onnx\.data is 4096 bytes, but the model's manifest says 8702336/);
    recordProbe({ area: 'cached model file', input: 'bundled model.onnx.data wrong size in the cache and on refetch', outcome: 'refused with a sentence', said: err?.message, kept: 'nothing scored with the damaged file; drafts kept' });
  });
});
