import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryCache } from '../../../src/engine/source/cache';
import { FsCache } from '../../../src/engine/source/cache.node';
import { externalDataChunks, fetchHubModel, HubError, type HubOptions } from '../../../src/engine/source/hub';
import type { LoadProgress } from '../../../src/engine/source/types';
import { startHubServer, tinyReasonerHubRepo, type HubServer } from '../../hub-server';

const REPO = 'test-org/tiny-reasoner-ONNX';
const repo = tinyReasonerHubRepo();
let server: HubServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function rejection(p: Promise<unknown>): Promise<HubError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(HubError);
  return e as HubError;
}

describe('Hub loading against a local Hub-layout server', () => {
  it('downloads with per-file progress, then loads from the cache with the server stopped', async () => {
    server = await startHubServer({ [REPO]: repo });
    const cache = new FsCache(mkdtempSync(join(tmpdir(), 'cotk-cache-')));
    const events: LoadProgress[] = [];
    const opts: HubOptions = { host: server.host, dtype: 'fp32', cache, onProgress: (p) => events.push(p) };
    const first = await fetchHubModel(REPO, opts);
    expect([...first.keys()].sort()).toEqual(Object.keys(repo).sort());
    for (const [f, data] of first) expect(Buffer.compare(data, repo[f]), f).toBe(0);
    const data = events.filter((e) => e.phase === 'download' && e.file === 'onnx/model.onnx_data');
    expect(data[0]).toMatchObject({ loaded: 0, total: repo['onnx/model.onnx_data'].byteLength });
    expect(data.at(-1)).toMatchObject({ loaded: repo['onnx/model.onnx_data'].byteLength });
    expect(data.length).toBeGreaterThan(3); // 8.7 MB reports as it goes, not only at the end
    expect(data.every((e, i) => i === 0 || e.loaded! >= data[i - 1].loaded!)).toBe(true);
    expect(server.requests).toHaveLength(5);

    await server.close();
    server = undefined;
    events.length = 0;
    const second = await fetchHubModel(REPO, opts); // same host, now down: everything from the cache
    for (const [f, d] of second) expect(Buffer.compare(d, repo[f]), f).toBe(0);
    expect(events.every((e) => e.phase === 'cache')).toBe(true);
    expect(events).toHaveLength(5);
  });

  it('a 404 names the repo, revision and URL, and caches nothing', async () => {
    server = await startHubServer({ [REPO]: repo });
    const cache = new MemoryCache();
    const e = await rejection(fetchHubModel('test-org/no-such-model', { host: server.host, cache }));
    expect(e.kind).toBe('not-found');
    expect(e.message).toMatch(/test-org\/no-such-model has no config\.json at revision "main".*\/resolve\/main\/config\.json/);
    expect(await cache.keys()).toEqual([]);
    const r = await rejection(fetchHubModel(REPO, { host: server.host, cache, revision: 'v9' }));
    expect(r.message).toMatch(/revision "v9"/);
  });

  it('a truncated download is an error and leaves no cache entry for that file', async () => {
    server = await startHubServer({ [REPO]: repo });
    server.truncate.add('onnx/model.onnx_data');
    const cache = new MemoryCache();
    const e = await rejection(fetchHubModel(REPO, { host: server.host, dtype: 'fp32', cache }));
    expect(e.kind).toBe('truncated');
    expect(e.message).toMatch(/onnx\/model\.onnx_data (broke off|ended) at \d+ of 8702336 bytes/);
    const keys = await cache.keys();
    expect(keys.some((k) => k.endsWith('model.onnx_data'))).toBe(false);
    expect(keys.some((k) => k.endsWith('config.json'))).toBe(true); // complete files stay cached
    server.truncate.clear();
    const files = await fetchHubModel(REPO, { host: server.host, dtype: 'fp32', cache });
    expect(Buffer.compare(files.get('onnx/model.onnx_data')!, repo['onnx/model.onnx_data'])).toBe(0);
  });

  it('a repo in another layout, or without the dtype, says what is missing', async () => {
    const { 'onnx/model.onnx': _g, 'onnx/model.onnx_data': _d, ...noOnnx } = repo;
    server = await startHubServer({ [REPO]: repo, 'test-org/pytorch-only': noOnnx });
    const cache = new MemoryCache();
    const a = await rejection(fetchHubModel('test-org/pytorch-only', { host: server.host, dtype: 'fp32', cache }));
    expect(a.kind).toBe('layout');
    expect(a.message).toMatch(/has no onnx\/model\.onnx: it is not in the onnx-community layout/);
    const b = await rejection(fetchHubModel(REPO, { host: server.host, dtype: 'q4f16', cache }));
    expect(b.message).toMatch(/has no onnx\/model_q4f16\.onnx.*no q4f16 weights/);
    const c = await rejection(fetchHubModel('not a repo id', { host: server.host }));
    expect(c.message).toMatch(/not a Hub repo id/);
  });

  it('an unreachable host without a cached copy says so', async () => {
    const e = await rejection(fetchHubModel(REPO, { host: 'http://127.0.0.1:9', cache: new MemoryCache() }));
    expect(e.kind).toBe('network');
    expect(e.message).toMatch(/could not reach http:\/\/127\.0\.0\.1:9/);
  });

  it('reads the external-data chunk count the way transformers.js does', () => {
    const cfg = (v: unknown) => ({ 'transformers.js_config': { use_external_data_format: v } });
    expect(externalDataChunks({}, 'model_q4f16.onnx', 'model')).toBe(0);
    expect(externalDataChunks(cfg(true), 'model_q4f16.onnx', 'model')).toBe(1);
    expect(externalDataChunks(cfg(3), 'model_q4f16.onnx', 'model')).toBe(3);
    expect(externalDataChunks(cfg({ 'model_q4f16.onnx': 2 }), 'model_q4f16.onnx', 'model')).toBe(2);
    expect(externalDataChunks(cfg({ model: 1 }), 'model_fp16.onnx', 'model')).toBe(1);
    expect(() => externalDataChunks(cfg(1000), 'model.onnx', 'model')).toThrow(/1000 external-data chunks/);
  });
});
