/**
 * Errors keep their class name and `code` across the worker boundary. Comlink's default handler
 * sends only message, name and stack; the UI needs `code` (EngineError) to place a message next to
 * what it concerns. Imported for its side effect by both the client and the worker.
 */
import * as Comlink from 'comlink';

interface SerializedError {
  readonly isError: true;
  readonly value: { message: string; name: string; stack?: string; code?: string; kind?: string };
}

/** An error rebuilt on the page: the worker's message, name and code. */
export class RemoteEngineError extends Error {
  readonly code: string | undefined;
  constructor(v: SerializedError['value']) {
    super(v.message);
    this.name = v.name;
    this.code = v.code ?? v.kind;
    if (v.stack) this.stack = v.stack;
  }
}

const base = Comlink.transferHandlers.get('throw') as Comlink.TransferHandler<unknown, unknown>;

Comlink.transferHandlers.set('throw', {
  canHandle: base.canHandle,
  serialize(thrown: unknown) {
    const { value } = thrown as { value: unknown };
    if (value instanceof Error) {
      const extra = value as Error & { code?: unknown; kind?: unknown };
      const out: SerializedError = {
        isError: true,
        value: {
          message: value.message,
          name: value.name,
          stack: value.stack,
          code: typeof extra.code === 'string' ? extra.code : undefined,
          kind: typeof extra.kind === 'string' ? extra.kind : undefined,
        },
      };
      return [out, []];
    }
    return base.serialize(thrown);
  },
  deserialize(serialized: unknown) {
    const s = serialized as SerializedError | { isError: false; value: unknown };
    if (s.isError) throw new RemoteEngineError(s.value);
    throw s.value;
  },
});
