/**
 * Errors the engine raises. Each is a class (so the worker, the page and the CLI can tell them apart
 * without parsing text) whose message is one sentence a user can act on. `code` survives structured
 * cloning across the worker boundary, where the prototype does not.
 */
export type EngineErrorCode =
  | 'unknown-layout'
  | 'missing-file'
  | 'unknown-variant'
  | 'bad-config'
  | 'corrupt-model'
  | 'unsupported-model'
  | 'context-overflow'
  | 'bad-input'
  | 'engine-closed';

export class EngineError extends Error {
  readonly code: EngineErrorCode;
  constructor(code: EngineErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineError';
    this.code = code;
  }
}

/** A folder that is neither the onnx-community nor the onnxruntime-genai layout. */
export class UnknownLayoutError extends EngineError {
  readonly found: readonly string[];
  constructor(where: string, found: readonly string[]) {
    const shown = found.length > 25 ? [...found.slice(0, 25), `… ${found.length - 25} more`] : found;
    super(
      'unknown-layout',
      `${where} is not a model folder this app can read: found ${found.length === 0 ? 'no files' : shown.join(', ')}. ` +
        'Expected genai_config.json + model.onnx (onnxruntime-genai) or config.json + onnx/model*.onnx (onnx-community), with tokenizer.json.',
    );
    this.name = 'UnknownLayoutError';
    this.found = found;
  }
}

export class MissingFileError extends EngineError {
  readonly file: string;
  constructor(where: string, file: string, advice: string) {
    super('missing-file', `${where} has no ${file}: ${advice}`);
    this.name = 'MissingFileError';
    this.file = file;
  }
}

export class UnknownVariantError extends EngineError {
  readonly available: readonly string[];
  constructor(where: string, asked: string, available: readonly string[]) {
    super('unknown-variant', `${where} has no variant "${asked}"; pick one of: ${available.join(', ')}.`);
    this.name = 'UnknownVariantError';
    this.available = available;
  }
}

/** A config file that lacks a field the engine needs, or holds a value it cannot use. */
export class ModelConfigError extends EngineError {
  constructor(file: string, detail: string) {
    super('bad-config', `${file}: ${detail}; fix the file or re-export the model.`);
    this.name = 'ModelConfigError';
  }
}

/** An ONNX file (graph or external data) that is truncated or not a model at all. */
export class CorruptModelError extends EngineError {
  readonly file: string;
  constructor(file: string, detail: string, options?: { cause?: unknown }) {
    super('corrupt-model', `${file} is truncated or corrupt (${detail}); download or copy it again.`, options);
    this.name = 'CorruptModelError';
    this.file = file;
  }
}

/** The runtime cannot run this graph (a missing kernel, a feature the EP lacks, an unsupported graph shape). */
export class UnsupportedModelError extends EngineError {
  /** The operator that failed, when the runtime named one. */
  readonly op: string | null;
  constructor(message: string, op: string | null = null, options?: { cause?: unknown }) {
    super('unsupported-model', message, options);
    this.name = 'UnsupportedModelError';
    this.op = op;
  }
}

/** Prompt plus output would not fit the model's context; raised before anything runs. */
export class ContextOverflowError extends EngineError {
  readonly promptTokens: number;
  readonly outputTokens: number;
  readonly contextLength: number;
  constructor(promptTokens: number, outputTokens: number, contextLength: number, outputWhat: string) {
    super(
      'context-overflow',
      `the prompt (${promptTokens} tokens) plus ${outputWhat} (${outputTokens} tokens) is ${promptTokens + outputTokens} tokens, ` +
        `more than the model's context of ${contextLength}; shorten the prompt, or keep ${outputWhat} to at most ${Math.max(0, contextLength - promptTokens)} tokens.`,
    );
    this.name = 'ContextOverflowError';
    this.promptTokens = promptTokens;
    this.outputTokens = outputTokens;
    this.contextLength = contextLength;
  }
}

/** An option or argument the caller got wrong (negative max tokens, top-p outside (0, 1], …). */
export class EngineInputError extends EngineError {
  constructor(message: string) {
    super('bad-input', message);
    this.name = 'EngineInputError';
  }
}

export class EngineClosedError extends EngineError {
  constructor() {
    super('engine-closed', 'the model was unloaded; load it again before running.');
    this.name = 'EngineClosedError';
  }
}
