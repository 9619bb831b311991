/**
 * Ids kept as written: a JSON number id such as 12345678901234567890 or 1.50 would come back from
 * JSON.parse and JSON.stringify as 12345678901234567000 or 1.5. The output line takes the id's
 * source text instead, so a user's ids match theirs digit for digit.
 */

/** The source text of the top-level `key` of a JSON object line (already known to be valid JSON), or null. */
export function rawField(text: string, key: string): string | null {
  let i = 0;
  const n = text.length;
  const ws = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < n && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return text.slice(start, i);
  };
  const value = (): string => {
    const start = i;
    let depth = 0;
    while (i < n) {
      const c = text[i];
      if (c === '"') {
        str();
        if (depth === 0) break;
        continue;
      }
      if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        if (depth === 0) break;
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      } else if (c === ',' && depth === 0) break;
      i++;
    }
    return text.slice(start, i).trim();
  };
  ws();
  if (text[i] !== '{') return null;
  i++;
  for (;;) {
    ws();
    if (text[i] !== '"') return null;
    const k = str();
    ws();
    if (text[i] !== ':') return null;
    i++;
    ws();
    const v = value();
    if (k.length > 2 && JSON.parse(k) === key) return v;
    ws();
    if (text[i] !== ',') return null;
    i++;
  }
}

const MARK = '\u0000cotk-raw-id\u0000';

/**
 * The row as one JSON line with `id` as written in `sourceLine` when it is a number JSON.stringify
 * would change (precision, trailing zeros, exponent); otherwise plain JSON.stringify. `id` must be
 * the row's first key.
 */
export function rowLine(row: { readonly id: unknown }, sourceLine: string | undefined): string {
  if (typeof row.id === 'number' && sourceLine !== undefined) {
    const raw = rawField(sourceLine, 'id');
    if (raw !== null && /^-?\d/.test(raw) && raw !== JSON.stringify(row.id)) {
      return `${JSON.stringify({ ...row, id: MARK }).replace(JSON.stringify(MARK), raw)}\n`;
    }
  }
  return `${JSON.stringify(row)}\n`;
}
