/**
 * What "Models on this device" lists: Hub downloads in the engine's Cache Storage (keys are the
 * files' URLs, `<host>/<owner>/<name>/resolve/<revision>/<file>`, see src/engine/source/hub.ts),
 * grouped per host, repo, revision and dtype, and the bundled model's offline copy in the service
 * worker's caches. The grouping is pure; the readers below touch Cache Storage.
 */
import { CacheStorageCache, cachedEntries, type CachedEntry } from '../engine/source/cache';
import { DEFAULT_HUB_HOST, DTYPE_SUFFIX } from '../engine/source/hub';

/** The Cache Storage name the engine worker keeps Hub downloads in (workers/engine.worker.ts). */
export const HUB_CACHE = 'cotk-models';
/** The runtime cache for bundled graphs that are not precached (vite.config.ts). */
export const BUNDLED_RUNTIME_CACHE = 'cotk-bundled-models';
const BUNDLED_PATH = '/models/tiny-reasoner/';

export interface CachedFile {
  readonly key: string;
  /** Path inside the repo, e.g. "onnx/model_q4f16.onnx_data". */
  readonly file: string;
  readonly bytes: number;
}

export interface CachedHubModel {
  /** host + repo + revision + dtype: unique per row. */
  readonly id: string;
  readonly host: string;
  readonly repo: string;
  readonly revision: string;
  /** The weights' dtype ("q4f16", "fp32", …); null when only the repo's shared files are here (a download that stopped before its graph). */
  readonly dtype: string | null;
  /** This dtype's graph and weight files. */
  readonly files: readonly CachedFile[];
  /** config.json, tokenizer files …: shared by every dtype of the same repo and revision. */
  readonly shared: readonly CachedFile[];
  /** Whether the graph (`onnx/model<suffix>.onnx`) itself is here. */
  readonly hasGraph: boolean;
  /** files + shared: what this model takes on the device. */
  readonly bytes: number;
}

const SUFFIX_TO_DTYPE = new Map<string, string>(Object.entries(DTYPE_SUFFIX).map(([dtype, suffix]) => [suffix, dtype]));
const HUB_KEY = /^(https?:\/\/.+?)\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/;
const GRAPH_FILE = /^onnx\/model(_[a-z0-9]+)?\.onnx(_data(_\d+)?)?$/;

/** The dtype a repo file belongs to ("fp32" for onnx/model.onnx), or null for shared files. */
export function dtypeOfFile(file: string): string | null {
  const m = GRAPH_FILE.exec(file);
  if (m) return SUFFIX_TO_DTYPE.get(m[1] ?? '') ?? (m[1] ?? '').slice(1);
  // Another graph in onnx/ (e.g. a merged decoder) is kept apart rather than counted as shared.
  if (file.startsWith('onnx/')) return 'other';
  return null;
}

/** Splits a Hub cache key into host, repo, revision and file; null for a key of another shape. */
export function parseHubKey(key: string): { host: string; repo: string; revision: string; file: string } | null {
  const m = HUB_KEY.exec(key);
  if (!m) return null;
  let revision = m[3];
  try {
    revision = decodeURIComponent(revision);
  } catch {
    // keep it as stored
  }
  return { host: m[1], repo: m[2], revision, file: m[4] };
}

/** Groups Hub cache entries into one row per host/repo/revision/dtype, biggest first. Keys of another shape are returned apart. */
export function groupHubEntries(entries: readonly CachedEntry[]): { models: CachedHubModel[]; unknown: CachedEntry[] } {
  const repos = new Map<string, { host: string; repo: string; revision: string; shared: CachedFile[]; byDtype: Map<string, CachedFile[]> }>();
  const unknown: CachedEntry[] = [];
  for (const e of entries) {
    const k = parseHubKey(e.key);
    if (!k) {
      unknown.push(e);
      continue;
    }
    const repoId = `${k.host}\n${k.repo}\n${k.revision}`;
    let r = repos.get(repoId);
    if (!r) repos.set(repoId, (r = { host: k.host, repo: k.repo, revision: k.revision, shared: [], byDtype: new Map() }));
    const f: CachedFile = { key: e.key, file: k.file, bytes: e.bytes };
    const dtype = dtypeOfFile(k.file);
    if (dtype === null) r.shared.push(f);
    else r.byDtype.set(dtype, [...(r.byDtype.get(dtype) ?? []), f]);
  }
  const models: CachedHubModel[] = [];
  const sum = (fs: readonly CachedFile[]) => fs.reduce((a, f) => a + f.bytes, 0);
  for (const [repoId, r] of repos) {
    const shared = [...r.shared].sort((a, b) => a.file.localeCompare(b.file));
    const dtypes: [string | null, CachedFile[]][] = r.byDtype.size > 0 ? [...r.byDtype] : [[null, []]];
    for (const [dtype, files] of dtypes) {
      const sorted = [...files].sort((a, b) => a.file.localeCompare(b.file));
      models.push({
        id: `${repoId}\n${dtype ?? ''}`,
        host: r.host,
        repo: r.repo,
        revision: r.revision,
        dtype,
        files: sorted,
        shared,
        hasGraph: sorted.some((f) => f.file.endsWith('.onnx')),
        bytes: sum(sorted) + sum(shared),
      });
    }
  }
  models.sort((a, b) => b.bytes - a.bytes || a.repo.localeCompare(b.repo));
  return { models, unknown };
}

/**
 * The keys to delete for one row: its own files, plus the shared files when no other dtype of the
 * same repo and revision stays behind (they would be useless alone).
 */
export function keysToDelete(model: CachedHubModel, all: readonly CachedHubModel[]): string[] {
  const siblings = all.filter((m) => m.id !== model.id && m.host === model.host && m.repo === model.repo && m.revision === model.revision);
  return [...model.files.map((f) => f.key), ...(siblings.length === 0 ? model.shared.map((f) => f.key) : [])];
}

/** "onnx-community/Qwen3-0.6B-ONNX · q4f16", with the revision and host when they are not the defaults. */
export function describeHubModel(m: CachedHubModel): string {
  const parts = [m.repo, m.dtype ?? 'no graph yet'];
  if (m.revision !== 'main') parts.push(`revision ${m.revision}`);
  if (m.host.replace(/\/+$/, '') !== DEFAULT_HUB_HOST) parts.push(`from ${m.host}`);
  return parts.join(' · ');
}

export interface BundledOffline {
  /** Bytes of the bundled model's files held for offline use (precache + runtime cache). */
  readonly modelBytes: number;
  readonly modelFiles: number;
  /** Whether the default graph for WASM (fp32-cpu) is among them, so an offline reload can run it. */
  readonly defaultGraph: boolean;
  /** The rest of the precache: the app, its worker, ONNX Runtime's .wasm, icons. */
  readonly appBytes: number;
  readonly appFiles: number;
}

function isPrecache(name: string): boolean {
  return name.startsWith('workbox-precache');
}

/** Sums the service worker's caches; all zero when there is no service worker (vite dev, or not installed yet). */
export async function readBundledOffline(): Promise<BundledOffline> {
  if (typeof caches === 'undefined') throw new Error('this browser gives the page no Cache Storage (a private window, or an insecure origin)');
  let modelBytes = 0;
  let modelFiles = 0;
  let appBytes = 0;
  let appFiles = 0;
  let defaultGraph = false;
  for (const name of await caches.keys()) {
    if (!isPrecache(name) && name !== BUNDLED_RUNTIME_CACHE) continue;
    for (const e of await cachedEntries(await caches.open(name))) {
      const path = new URL(e.key).pathname;
      if (path.includes(BUNDLED_PATH)) {
        modelBytes += e.bytes;
        modelFiles++;
        if (path.endsWith(`${BUNDLED_PATH}fp32-cpu/model.onnx.data`)) defaultGraph = true;
      } else if (isPrecache(name)) {
        appBytes += e.bytes;
        appFiles++;
      }
    }
  }
  return { modelBytes, modelFiles, defaultGraph, appBytes, appFiles };
}

export interface DeviceModels {
  readonly hub: readonly CachedHubModel[];
  /** Entries in the Hub cache that are not Hub files (left by an older version): counted, deletable together. */
  readonly other: readonly CachedEntry[];
  readonly bundled: BundledOffline;
  /** navigator.storage.estimate(), or null where the browser does not report it. */
  readonly storage: { readonly usage: number; readonly quota: number } | null;
}

export async function readStorageEstimate(): Promise<DeviceModels['storage']> {
  const storage = (globalThis.navigator as Navigator | undefined)?.storage;
  if (!storage?.estimate) return null;
  const e = await storage.estimate();
  return typeof e.usage === 'number' && typeof e.quota === 'number' ? { usage: e.usage, quota: e.quota } : null;
}

export async function readDeviceModels(hubCache = new CacheStorageCache(HUB_CACHE)): Promise<DeviceModels> {
  if (typeof caches === 'undefined') throw new Error('this browser gives the page no Cache Storage (a private window, or an insecure origin)');
  const { models, unknown } = groupHubEntries(await hubCache.entries());
  const [bundled, storage] = await Promise.all([readBundledOffline(), readStorageEstimate().catch(() => null)]);
  return { hub: models, other: unknown, bundled, storage };
}
