/**
 * A deterministic stand-in for the engine worker, for UI tests that are not about the model: the
 * same {@link EngineWorkerApi} contract, a character vocabulary like the bundled tiny-reasoner's,
 * an arithmetic "reasoner" that thinks step by step, and synthetic layer states and logits fed
 * through the real streaming reducer — so every score and view number is computed by the real code.
 */
import { lensLogProbs, lensTopK, type LensHead } from '../core/scores/logitLens';
import { unrepresentableChars, type RoundTrip } from '../core/trace/representable';
import type { SpecialIds } from '../core/trace/segment';
import type { EngineWorkerApi, ModelSourceSpec, TokensCallback, WorkerInfo } from './protocol';
import { spellIds } from './spell';
import { StreamReducer } from './reduce';
import { scoreNumbers, type RunResult, type StopReason, type TokenEvent } from './run';

const SPECIALS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>', '<think>', '</think>', '<unk>'];
const CHARS = '0123456789+-*/=?()\n abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.,:;!\'"%';
export const FAKE_VOCAB: readonly string[] = [...SPECIALS, ...CHARS];
const SPECIAL: SpecialIds = { think: 3, endThink: 4, eos: [2] };
const LAYERS = 4;
const HIDDEN = 8;

export function fakeEncode(text: string): number[] {
  const ids: number[] = [];
  for (let i = 0; i < text.length; ) {
    const sp = SPECIALS.findIndex((s) => text.startsWith(s, i));
    if (sp >= 0) {
      ids.push(sp);
      i += SPECIALS[sp].length;
    } else {
      const c = FAKE_VOCAB.indexOf(text[i]);
      ids.push(c >= 0 ? c : 5);
      i += 1;
    }
  }
  return ids;
}

/** The fake vocabulary's round trip: unknown characters become `<unk>` (id 5). */
export const FAKE_TOKENIZER: RoundTrip = { encode: fakeEncode, decode: (ids) => ids.map((i) => FAKE_VOCAB[i] ?? '').join('') };

/** Solves `expr` innermost operation first, the way the tiny-reasoner writes its steps. */
export function fakeReasoning(prompt: string): string {
  const src = prompt.replace(/=\?\s*$/, '').replace(/\s+/g, '');
  let pos = 0;
  const steps: string[] = [];
  const atom = (): number => {
    if (src[pos] === '(') {
      pos++;
      const v = sum();
      pos++; // ')'
      return v;
    }
    const m = /^\d+/.exec(src.slice(pos));
    if (!m) throw new SyntaxError('not arithmetic');
    pos += m[0].length;
    return Number(m[0]);
  };
  const binary = (next: () => number, ops: string): (() => number) => () => {
    let v = next();
    while (pos < src.length && ops.includes(src[pos])) {
      const op = src[pos++];
      const w = next();
      const r = op === '+' ? v + w : op === '-' ? v - w : op === '*' ? v * w : Math.trunc(v / w);
      steps.push(`${v}${op}${w}=${r}`);
      v = r;
    }
    return v;
  };
  const product = binary(atom, '*/');
  const sum = binary(product, '+-');
  try {
    const v = sum();
    if (pos !== src.length) throw new SyntaxError('trailing input');
    return `<think>\n${steps.join('\n')}${steps.length ? '\n' : ''}</think>\n\n${v}<|im_end|>`;
  } catch {
    return `<think>\nI can only do arithmetic.\n</think>\n\nI don't know.<|im_end|>`;
  }
}

/** Smooth, deterministic layer states [L+2][1][d] for the token at `position` with id `id`. */
function states(id: number, position: number): Float32Array {
  const out = new Float32Array((LAYERS + 2) * HIDDEN);
  for (let l = 0; l <= LAYERS; l++) {
    for (let k = 0; k < HIDDEN; k++) {
      out[l * HIDDEN + k] = Math.sin(0.7 * k + 0.13 * id) * (1 + l) + 0.25 * l * Math.cos(0.37 * position + k + 0.5 * l * l);
    }
  }
  let n = 0;
  for (let k = 0; k < HIDDEN; k++) n += out[LAYERS * HIDDEN + k] ** 2;
  for (let k = 0; k < HIDDEN; k++) out[(LAYERS + 1) * HIDDEN + k] = out[LAYERS * HIDDEN + k] / Math.sqrt(n / HIDDEN);
  return out;
}

/** A logits row that favours `target`, more or less sharply depending on the position. */
function logitsRow(target: number, position: number): Float32Array {
  const row = new Float32Array(FAKE_VOCAB.length);
  for (let j = 0; j < row.length; j++) row[j] = Math.sin(j * 1.3 + position) - 2;
  row[target] = 2 + 4 * (0.5 + 0.5 * Math.cos(position * 0.9));
  return row;
}

/** A fixed synthetic read-out (RMSNorm weight and LM head) for the fake logit lens. */
export const FAKE_LENS_HEAD: LensHead = (() => {
  const vocab = FAKE_VOCAB.length;
  const normWeight = Float64Array.from({ length: HIDDEN }, (_, i) => 1 + 0.25 * Math.cos(1.1 * i));
  const lmHead = Float64Array.from({ length: vocab * HIDDEN }, (_, j) => Math.sin(0.61 * Math.floor(j / HIDDEN) + 0.7 * (j % HIDDEN)) * 1.5);
  return { normWeight, normEps: 1e-6, lmHead, dim: HIDDEN, vocab };
})();

export interface FakeEngineOptions {
  /** Milliseconds between streamed batches (default 5), so a test can cancel midway. */
  readonly delayMs?: number;
  /** Tokens per streamed batch (default 4). */
  readonly batch?: number;
  /** Awaited before each load resolves (a rejection fails the load), so a test can act while the model loads. */
  readonly loadGate?: () => Promise<void>;
}

export function createFakeEngine(opts: FakeEngineOptions = {}): EngineWorkerApi {
  let info: WorkerInfo | null = null;
  const cancelled = new Set<string>();
  const running = new Set<string>();

  async function run(runId: string, prompt: string, output: string, gamma: number | undefined, onTokens: TokensCallback | undefined, pasted: boolean): Promise<RunResult> {
    if (!info) throw new Error('No model is loaded: load one first.');
    const promptIds = fakeEncode(`<|im_start|>user\n${prompt}<|im_end|>\n<|im_start|>assistant\n`);
    const outIds = fakeEncode(output);
    const ownIds = pasted ? fakeEncode(fakeReasoning(prompt)) : outIds;
    let departAt = 0;
    while (departAt < outIds.length && departAt < ownIds.length && outIds[departAt] === ownIds[departAt]) departAt++;
    if (departAt >= ownIds.length) departAt = -1; // the fake has nothing of its own to prefer there
    const reducer = new StreamReducer({ layers: LAYERS, hidden: HIDDEN, vocab: FAKE_VOCAB.length, promptLength: promptIds.length, special: SPECIAL, gamma, stateCapBytes: Infinity });
    promptIds.forEach((id, p) => reducer.addStates(p, 1, states(id, p)));
    const tokens: TokenEvent[] = [];
    let pending: TokenEvent[] = [];
    let stop: StopReason = 'eos';
    running.add(runId);
    try {
      for (let i = 0; i < outIds.length; i++) {
        if (cancelled.has(runId)) {
          stop = 'cancelled';
          break;
        }
        const position = promptIds.length + i;
        const s = states(outIds[i], position);
        reducer.addStates(position, 1, s);
        // Where a pasted output first leaves what the fake would write itself, its row prefers its own token.
        const row = i === departAt ? logitsRow(ownIds[i], position) : logitsRow(outIds[i], position);
        if (i === departAt) row[outIds[i]] = row[ownIds[i]] - 3;
        const red = reducer.addToken(outIds[i], position, row, 0, { data: s, n: 1, j: 0 });
        const ev: TokenEvent = { ...red, text: FAKE_VOCAB[outIds[i]] };
        tokens.push(ev);
        pending.push(ev);
        if (pending.length >= (opts.batch ?? 4)) {
          onTokens?.({ runId, tokens: pending });
          pending = [];
          await new Promise((r) => setTimeout(r, opts.delayMs ?? 5));
        }
      }
      if (pending.length) onTokens?.({ runId, tokens: pending });
    } finally {
      running.delete(runId);
      cancelled.delete(runId);
    }
    const r = reducer.finish(promptIds);
    const ids = [...promptIds, ...tokens.map((t) => t.id)];
    return {
      ids,
      promptLength: promptIds.length,
      text: tokens.map((t) => t.text).join(''),
      stop,
      segments: r.segments,
      tokens,
      scores: scoreNumbers(r.scores),
      detail: r.scores,
      states: r.states,
      logits: r.logits,
      timing: { prefillMs: 0, decodeMs: 0, steps: tokens.length + 1 },
      unrepresentable: unrepresentableChars(prompt + (pasted ? output : ''), FAKE_TOKENIZER),
    };
  }

  const textOf = (p: string | { readonly ids: readonly number[] }) => (typeof p === 'string' ? p : p.ids.map((i) => FAKE_VOCAB[i] ?? '').join(''));

  return {
    async load(source: ModelSourceSpec, onProgress) {
      const total = 1000;
      for (const loaded of [0, 500, 1000]) onProgress?.({ phase: 'download', file: 'model.onnx', loaded, total });
      await opts.loadGate?.();
      info = {
        name: source.kind === 'hub' ? `${source.repo} (fake)` : 'fake-reasoner (deterministic)',
        layout: 'genai',
        variant: 'fake',
        config: { modelType: 'fake', layers: LAYERS, hiddenSize: HIDDEN, numHeads: 1, numKvHeads: 1, headDim: HIDDEN, vocabSize: FAKE_VOCAB.length, contextLength: 256, eosTokenIds: [2], bosTokenId: null, padTokenId: 0 },
        special: SPECIAL,
        runtime: 'fake',
        providers: ['fake'],
        tap: { style: 'fake', layers: LAYERS },
        notes: [],
        backend: 'wasm',
        adapter: null,
        parity: null,
        notices: ['Fake engine: synthetic states and logits for interface tests, no model runs.'],
        loadMs: 0,
      };
      return info;
    },
    generate: (runId, prompt, options, onTokens) => run(runId, textOf(prompt), fakeReasoning(textOf(prompt)), options.gamma, onTokens, false),
    score: (runId, prompt, output, options, onTokens) => run(runId, textOf(prompt), output, options.gamma, onTokens, true),
    async logitLens(states, hidden, targets, k) {
      if (!info) throw new Error('No model is loaded: load one first.');
      const V = FAKE_LENS_HEAD.vocab;
      if (hidden !== HIDDEN || states.length % HIDDEN !== 0) throw new Error(`lens states must be [n][${HIDDEN}] for the fake model.`);
      const n = states.length / HIDDEN;
      if (!Number.isInteger(k) || k < 1 || k > V) throw new Error(`lens k must be a whole number in [1, ${V}], got ${k}.`);
      if (targets && targets.length !== n) throw new Error(`lens targets: ${targets.length} given for ${n} states.`);
      const topIds = new Int32Array(n * k);
      const topLogProbs = new Float32Array(n * k);
      const targetLogProb = targets ? new Float32Array(n) : null;
      const lp = new Float64Array(V);
      for (let r = 0; r < n; r++) {
        lensLogProbs(FAKE_LENS_HEAD, states, r * HIDDEN, lp);
        lensTopK(lp, k).forEach((t, i) => {
          topIds[r * k + i] = t.id;
          topLogProbs[r * k + i] = t.logProb;
        });
        if (targets && targetLogProb) targetLogProb[r] = lp[targets[r]];
      }
      return { topIds, topLogProbs, targetLogProb, spelled: spellIds(topIds, targets, ([id]) => FAKE_VOCAB[id] ?? null) };
    },
    async cancel(runId) {
      if (!running.has(runId)) return false;
      cancelled.add(runId);
      return true;
    },
    info: async () => info,
  };
}
