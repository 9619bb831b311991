import { BatchInputError, formatOfName, readRecords as readCore, type BatchRecord, type InputFormat } from '../core/batchInput';
import { CliError } from './io';

export { parseBatchLine, type BatchItem, type BatchRecord, type InputFormat } from '../core/batchInput';

/** `--format`, else the extension: `.csv` is CSV, everything else (and `-`) JSON lines. */
export function inputFormat(path: string, flag: string | undefined): InputFormat {
  if (flag !== undefined) {
    if (flag !== 'jsonl' && flag !== 'csv') throw new CliError(`--format must be jsonl or csv, got "${flag}"`);
    return flag;
  }
  return formatOfName(path);
}

/** The file's records in order, or a one-line error for an empty file or one of another schema. */
export function readRecords(text: string, format: InputFormat, name: string): BatchRecord[] {
  try {
    return readCore(text, format, name);
  } catch (e) {
    if (e instanceof BatchInputError) throw new CliError(e.message);
    throw e;
  }
}
