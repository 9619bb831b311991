/**
 * Characters a tokenizer cannot represent, found by its own encode/decode round trip. Pure: the
 * tokenizer comes in as two functions, so the engine (Node and browser), the fake engine and tests
 * share it.
 *
 * A text that comes back unchanged has none. Otherwise the tokens are walked against the text: each
 * token's own text (a character split over several byte tokens is decoded as one) must continue
 * the text where the last one ended. Where it does not, the character there was read as something
 * else (a character vocabulary's `<unk>`), or the characters up to where the token's text does
 * occur were dropped. A character is reported only if it also fails a round trip on its own, so a
 * `<` that belongs to a special token such as `<think>` (which round-trips as a whole) or a
 * normaliser's folding of context is not blamed on a character the vocabulary has. Whitespace is
 * never reported (tokenizers differ in how they keep it, and it carries no arithmetic).
 */
export interface RoundTrip {
  readonly encode: (text: string) => readonly number[];
  readonly decode: (ids: readonly number[]) => string;
}

/** Longest run of byte tokens decoded together while the text still ends in U+FFFD. */
const MAX_BYTE_RUN = 8;

/** The characters of `text` the tokenizer cannot represent, distinct, in order of first appearance. */
export function unrepresentableChars(text: string, tok: RoundTrip): string[] {
  if (text === '' || tok.decode(tok.encode(text)) === text) return [];
  const suspects: string[] = [];
  const suspect = (from: number, to: number) => {
    for (const ch of text.slice(from, to)) suspects.push(ch);
  };
  const ids = tok.encode(text);
  let cur = 0;
  let run: number[] = [];
  for (const id of ids) {
    run.push(id);
    const piece = tok.decode(run);
    if (piece.endsWith('\uFFFD') && run.length < MAX_BYTE_RUN) continue;
    run = [];
    if (piece === '' || text.startsWith(piece, cur)) {
      cur += piece.length;
      continue;
    }
    const at = text.indexOf(piece, cur);
    if (at > cur) {
      suspect(cur, at); // dropped: the token's text occurs further on
      cur = at + piece.length;
    } else if (cur < text.length) {
      const ch = String.fromCodePoint(text.codePointAt(cur) as number); // read as something else (<unk>)
      suspect(cur, cur + ch.length);
      cur += ch.length;
    }
  }
  suspect(cur, text.length);
  const out: string[] = [];
  const seen = new Set<string>();
  for (const ch of suspects) {
    if (seen.has(ch) || /\s/u.test(ch)) continue;
    seen.add(ch);
    if (tok.decode(tok.encode(ch)) !== ch) out.push(ch);
  }
  return out;
}

/** How a character is named in a note: itself in quotes and its code point, so invisible ones show. */
export function describeChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  return /[\p{L}\p{N}\p{P}\p{S}]/u.test(ch) ? `“${ch}” (${hex})` : hex;
}

/** One sentence naming the characters, for the app's note and the CLI's stderr line. */
export function unrepresentableNote(chars: readonly string[], model: string): string | null {
  if (chars.length === 0) return null;
  const shown = chars.slice(0, 12).map(describeChar).join(', ');
  const more = chars.length > 12 ? ` and ${chars.length - 12} more` : '';
  return `${model}'s tokenizer cannot represent ${chars.length === 1 ? 'the character' : `${chars.length} characters`} ${shown}${more}: the model reads ${chars.length === 1 ? 'it' : 'them'} as unknown tokens, so this input is outside what it (and its calibration profile) covers.`;
}
