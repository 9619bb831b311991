/**
 * An input that cannot be scored. `where` names the item (e.g. `case 2 ("long")`) and `field` the
 * offending key, so a one-line message tells a user exactly what to fix.
 */
export class InputError extends Error {
  readonly where: string;
  readonly field: string;
  readonly detail: string;

  constructor(where: string, field: string, detail: string) {
    super(`${where}${where ? ': ' : ''}field "${field}": ${detail}`);
    this.name = 'InputError';
    this.where = where;
    this.field = field;
    this.detail = detail;
  }
}
