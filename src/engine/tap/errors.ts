/**
 * Why a model could not be tapped, in a sentence a user can act on: what the walk found (counts, op
 * types, node and tensor names) against what it expected. The tap never guesses, so every refusal
 * goes through here.
 */
export class TapError extends Error {
  /** Byte offset of malformed protobuf, when the bytes themselves are the problem. */
  readonly offset: number | null;

  constructor(message: string, offset: number | null = null) {
    super(message);
    this.name = 'TapError';
    this.offset = offset;
  }
}
