import * as hf from '@huggingface/transformers';
import type { SpecialIds } from '../core/trace/segment';
import { ModelConfigError } from './errors';
import type { ModelFiles } from './source/types';

/**
 * The model's tokenizer and chat template through transformers.js, built from the bytes already in
 * {@link ModelFiles}: no file access and no network (the constructor reads only the two objects).
 */
export interface ChatTokenizer {
  readonly special: SpecialIds;
  /** Plain-language notes for the UI (e.g. no chat template, so prompts go in as is). */
  readonly notes: readonly string[];
  /** The chat-templated prompt for one user message, with the generation prompt appended. */
  encodeChat(userMessage: string): number[];
  /** Text as the model wrote it: special-token strings such as `<think>` map to their ids, nothing is added. */
  encode(text: string): number[];
  /** Ids back to text, special tokens kept (the reasoning markers are part of the trace). */
  decode(ids: readonly number[]): string;
  /** Id of a token string from the vocabulary (added tokens included), or null. */
  vocabId(token: string): number | null;
}

type Obj = Record<string, unknown>;
type TokenizerCtor = new (json: object, config: object) => hf.PreTrainedTokenizer;

/** transformers.js picks the class by `tokenizer_class`, as AutoTokenizer does; unknown names get the base class. */
function tokenizerClass(config: Obj): TokenizerCtor {
  const name = typeof config.tokenizer_class === 'string' ? config.tokenizer_class.replace(/Fast$/, '') : '';
  const cls = (hf as unknown as Record<string, unknown>)[name];
  if (typeof cls === 'function' && (cls === hf.PreTrainedTokenizer || cls.prototype instanceof hf.PreTrainedTokenizer)) return cls as TokenizerCtor;
  return hf.PreTrainedTokenizer;
}

/** Added tokens first (that is where `<think>` lives in Qwen vocabularies), then the model's vocab. */
function vocabLookup(json: Obj): (token: string) => number | null {
  const ids = new Map<string, number>();
  const model = json.model as Obj | undefined;
  const vocab = model?.vocab;
  if (vocab && typeof vocab === 'object' && !Array.isArray(vocab)) {
    for (const [k, v] of Object.entries(vocab as Obj)) if (typeof v === 'number') ids.set(k, v);
  }
  if (Array.isArray(json.added_tokens)) {
    for (const t of json.added_tokens as { content?: unknown; id?: unknown }[]) {
      if (typeof t.content === 'string' && typeof t.id === 'number') ids.set(t.content, t.id);
    }
  }
  return (token) => ids.get(token) ?? null;
}

export function createTokenizer(files: ModelFiles): ChatTokenizer {
  const config: Obj = { ...(files.tokenizerConfig as Obj) };
  if (files.chatTemplate !== null) config.chat_template = files.chatTemplate;
  let tok: hf.PreTrainedTokenizer;
  try {
    tok = new (tokenizerClass(config))(files.tokenizerJson, config);
  } catch (e) {
    throw new ModelConfigError(`${files.name}: tokenizer.json`, `transformers.js cannot build a tokenizer from it (${(e as Error).message})`);
  }
  const vocabId = vocabLookup(files.tokenizerJson as Obj);
  const eos = new Set(files.config.eosTokenIds);
  if (typeof tok.eos_token_id === 'number') eos.add(tok.eos_token_id);
  const notes: string[] = [];
  if (files.chatTemplate === null) notes.push('This model has no chat template: prompts are tokenized as plain text.');
  const special: SpecialIds = { think: vocabId('<think>') ?? -1, endThink: vocabId('</think>') ?? -1, eos: [...eos] };
  if (special.think < 0 || special.endThink < 0) notes.push('The vocabulary has no <think>/</think> tokens: the whole output is treated as reasoning.');
  const encode = (text: string): number[] => tok.encode(text, { add_special_tokens: false });
  return {
    special,
    notes,
    encodeChat(userMessage) {
      if (files.chatTemplate === null) return tok.encode(userMessage);
      const ids = tok.apply_chat_template([{ role: 'user', content: userMessage }], {
        add_generation_prompt: true,
        tokenize: true,
        return_tensor: false,
        return_dict: false,
      });
      return Array.from(ids as unknown as ArrayLike<number>, Number);
    },
    encode,
    // transformers.js refuses an empty list; the stream asks for one at every fresh offset.
    decode: (ids) => (ids.length === 0 ? '' : tok.decode([...ids], { skip_special_tokens: false })),
    vocabId,
  };
}

/**
 * Turns a growing id list into text deltas. Byte-level vocabularies split a character over several
 * tokens, so a delta is released only when the decoded tail no longer ends in U+FFFD; the offsets
 * keep each decode to the last few tokens instead of the whole output.
 */
export class TextStream {
  private readonly ids: number[] = [];
  private prefixOffset = 0;
  private readOffset = 0;

  constructor(private readonly decode: (ids: readonly number[]) => string) {}

  push(id: number): string {
    this.ids.push(id);
    const prefix = this.decode(this.ids.slice(this.prefixOffset, this.readOffset));
    const full = this.decode(this.ids.slice(this.prefixOffset));
    if (full.length > prefix.length && !full.endsWith('\uFFFD')) {
      this.prefixOffset = this.readOffset;
      this.readOffset = this.ids.length;
      return full.slice(prefix.length);
    }
    return '';
  }

  /** What is still held back (an incomplete character at the very end). */
  flush(): string {
    const prefix = this.decode(this.ids.slice(this.prefixOffset, this.readOffset));
    const full = this.decode(this.ids.slice(this.prefixOffset));
    this.prefixOffset = this.readOffset = this.ids.length;
    return full.slice(prefix.length);
  }
}
