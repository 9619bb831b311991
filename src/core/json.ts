/**
 * JSON.parse that also reads the bare `NaN`, `Infinity` and `-Infinity` that Python's json.dump
 * writes, turning them into the strings "NaN", "Infinity", "-Infinity" so that validation can name
 * the field that holds them instead of failing on an unexpected token.
 */
export function parseJsonLenient(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (first) {
    if (!/NaN|Infinity/.test(text)) throw first;
    const fixed = quoteNonFinite(text);
    if (fixed === text) throw first;
    return JSON.parse(fixed);
  }
}

const WORDS = ['-Infinity', 'Infinity', 'NaN'];

function quoteNonFinite(text: string): string {
  const out: string[] = [];
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92 /* \ */) i++;
      else if (ch === 34 /* " */) inString = false;
      continue;
    }
    if (ch === 34) {
      inString = true;
      continue;
    }
    if (ch !== 45 /* - */ && ch !== 73 /* I */ && ch !== 78 /* N */) continue;
    const word = WORDS.find((w) => text.startsWith(w, i));
    if (!word) continue;
    out.push(text.slice(last, i), `"${word}"`);
    i += word.length - 1;
    last = i + 1;
  }
  out.push(text.slice(last));
  return out.join('');
}
