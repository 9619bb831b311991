import { CorruptModelError, MissingFileError, ModelConfigError } from '../errors';
import { configFromGenai, configFromHf, parseJsonFile } from './config';
import { externalPath, pickVariant, planLayout, type VariantPlan } from './layout';
import type { ExternalDataFile, ModelConfig, ModelFiles, ProgressCallback } from './types';
import { checkConfigAgainstGraph, checkOnnx, checkTokenizer, requiredSizes } from './validate';

/**
 * Turns any folder-like source into {@link ModelFiles}. The source only lists and reads files, so
 * the same code serves a folder on disk (src/cli/modelDir.ts), a folder the user picked in the
 * browser, the bundled model (from its manifest.json) and the Hub.
 */
export interface FolderReader {
  /** For messages: a path, a repo id, "tiny-reasoner (bundled)". */
  readonly name: string;
  /** Every file, as '/'-separated paths relative to the folder. */
  list(): Promise<readonly string[]>;
  read(path: string, onProgress?: (loaded: number, total: number | null) => void): Promise<Uint8Array>;
}

export interface LoadFilesOptions {
  /** A variant name ("fp32-cpu", "q4f16") or graph path; default: the first of `preference` present. */
  readonly variant?: string;
  readonly preference?: readonly string[];
  readonly onProgress?: ProgressCallback;
}

type Obj = Record<string, unknown>;

async function readFile(src: FolderReader, path: string, onProgress?: ProgressCallback): Promise<Uint8Array> {
  onProgress?.({ phase: 'read', file: path, loaded: 0, total: null });
  const bytes = await src.read(path, (loaded, total) => onProgress?.({ phase: 'read', file: path, loaded, total }));
  onProgress?.({ phase: 'read', file: path, loaded: bytes.length, total: bytes.length });
  return bytes;
}

async function readJson(src: FolderReader, path: string, onProgress?: ProgressCallback): Promise<unknown> {
  return parseJsonFile(path, await readFile(src, path, onProgress));
}

/** tokenizer_config.json may carry the template as a string or as a list of named templates. */
function templateFrom(config: Obj): string | null {
  const t = config.chat_template;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const named = t as { name?: unknown; template?: unknown }[];
    const pick = named.find((x) => x.name === 'default') ?? named[0];
    return typeof pick?.template === 'string' ? pick.template : null;
  }
  return null;
}

async function readConfig(src: FolderReader, plan: VariantPlan, onProgress?: ProgressCallback): Promise<ModelConfig> {
  const raw = await readJson(src, plan.config, onProgress);
  if (plan.layout === 'genai') return configFromGenai(plan.config, raw);
  const gen = plan.generationConfig ? await readJson(src, plan.generationConfig, onProgress) : null;
  return configFromHf(plan.config, raw, gen);
}

async function readExternal(src: FolderReader, plan: VariantPlan, graph: Uint8Array, listing: ReadonlySet<string>, onProgress?: ProgressCallback): Promise<ExternalDataFile[]> {
  const need = requiredSizes(checkOnnx(`${src.name}: ${plan.graph}`, graph));
  const out: ExternalDataFile[] = [];
  for (const [location, size] of need) {
    const path = externalPath(plan, location);
    if (!listing.has(path)) {
      throw new MissingFileError(src.name, path, `${plan.graph} keeps its weights there; copy it from the same place as the graph.`);
    }
    const data = await readFile(src, path, onProgress);
    if (data.length < size) {
      throw new CorruptModelError(path, `the graph needs at least ${size} bytes of it, the file has ${data.length}`);
    }
    out.push({ path: location, data });
  }
  return out;
}

/** Reads the chosen variant of a model folder; every failure is an EngineError naming the file. */
export async function loadModelFiles(src: FolderReader, opts: LoadFilesOptions = {}): Promise<ModelFiles> {
  const paths = await src.list();
  const plan = pickVariant(planLayout(paths, src.name), src.name, opts.variant, opts.preference);
  if (!plan.tokenizer) {
    throw new MissingFileError(src.name, 'tokenizer.json', "the engine needs the model's own tokenizer; copy tokenizer.json (and tokenizer_config.json) from the model's repo into the folder.");
  }
  const config = await readConfig(src, plan, opts.onProgress);
  const tokenizerJson = await readJson(src, plan.tokenizer, opts.onProgress);
  if (typeof tokenizerJson !== 'object' || tokenizerJson === null || !('model' in tokenizerJson)) {
    throw new ModelConfigError(plan.tokenizer, 'not a tokenizers-library tokenizer.json (no "model" section)');
  }
  const tokCfgRaw = plan.tokenizerConfig ? await readJson(src, plan.tokenizerConfig, opts.onProgress) : {};
  const tokenizerConfig = (typeof tokCfgRaw === 'object' && tokCfgRaw !== null ? tokCfgRaw : {}) as Obj;
  let chatTemplate = templateFrom(tokenizerConfig);
  if (chatTemplate === null && plan.chatTemplate) chatTemplate = new TextDecoder().decode(await readFile(src, plan.chatTemplate, opts.onProgress));
  const graph = await readFile(src, plan.graph, opts.onProgress);
  const externalData = await readExternal(src, plan, graph, new Set(paths), opts.onProgress);
  // Only now that the graph is known whole: the config and the tokenizer must agree with it.
  checkConfigAgainstGraph(plan.config, config, graph, plan.graph);
  checkTokenizer(plan.tokenizer, tokenizerJson, config.vocabSize);
  return {
    name: src.name,
    layout: plan.layout,
    variant: plan.variant,
    graphPath: plan.graph,
    config,
    graph,
    externalData,
    tokenizerJson,
    tokenizerConfig,
    chatTemplate,
  };
}

/** A reader over files already in memory (tests, drag-and-drop of loose files). */
export function memoryReader(name: string, files: ReadonlyMap<string, Uint8Array>): FolderReader {
  return {
    name,
    list: async () => [...files.keys()],
    read: async (path) => {
      const f = files.get(path);
      if (!f) throw new MissingFileError(name, path, 'it was listed but could not be read.');
      return f;
    },
  };
}
