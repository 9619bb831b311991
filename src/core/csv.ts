/**
 * RFC 4180 CSV: comma-separated fields, records ended by CRLF or LF, fields optionally in double
 * quotes, `""` for a quote inside a quoted field, and line breaks allowed inside quotes.
 */
export interface CsvRecord {
  /** 1-based line of the file on which the record starts. */
  readonly line: number;
  readonly fields: string[];
}

export interface CsvError {
  readonly line: number;
  readonly message: string;
}

/**
 * Splits the text into records. Blank lines are dropped. A malformed record (a quote inside an
 * unquoted field, text after a closing quote, an unterminated quote) becomes an error at its line,
 * and parsing resumes at the next line break outside quotes.
 */
export function parseCsv(text: string): { records: CsvRecord[]; errors: CsvError[] } {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  const errors: CsvError[] = [];
  let line = 1;
  let i = 0;
  const n = src.length;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let error: string | null = null;
    // one record
    for (;;) {
      let field = '';
      if (src[i] === '"') {
        i++;
        let closed = false;
        while (i < n) {
          const c = src[i];
          if (c === '"') {
            if (src[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        if (!closed) {
          error = 'unterminated quoted field';
          break;
        }
        if (i < n && src[i] !== ',' && src[i] !== '\n' && !(src[i] === '\r' && src[i + 1] === '\n')) {
          error = 'text after a closing quote (quote the whole field and double any quote inside)';
        }
      } else {
        while (i < n && src[i] !== ',' && src[i] !== '\n' && !(src[i] === '\r' && src[i + 1] === '\n')) {
          if (src[i] === '"' && error === null) error = 'a quote inside an unquoted field (quote the whole field and double any quote inside)';
          field += src[i];
          i++;
        }
      }
      if (error !== null) {
        // skip the rest of this physical line
        while (i < n && src[i] !== '\n') i++;
        break;
      }
      fields.push(field);
      if (i < n && src[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    // end of record: consume the line break
    if (src[i] === '\r' && src[i + 1] === '\n') i += 2;
    else if (src[i] === '\n') i++;
    line++;
    if (error !== null) errors.push({ line: start, message: error });
    else if (!(fields.length === 1 && fields[0].trim() === '')) records.push({ line: start, fields });
  }
  return { records, errors };
}
