/** RFC 4180 CSV: the parser lives in src/core (pure) so the app's batch view reads files the same way. */
export { parseCsv, type CsvError, type CsvRecord } from '../core/csv';
