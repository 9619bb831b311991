/**
 * Engine errors arrive as Error objects (or, across the worker boundary, objects that kept only
 * `message` and `name`). Each already reads as one sentence a user can act on (src/engine/errors.ts);
 * here it gets a capital letter, a full stop, and what it concerns.
 */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  if (typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string') return (e as { message: string }).message;
  return 'something went wrong that the engine did not describe';
}

export function errorSentence(e: unknown, context?: string): string {
  let s = errorMessage(e).trim() || 'something went wrong that the engine did not describe';
  if (!/[.!?]$/.test(s)) s += '.';
  if (context) return `${context}: ${s}`;
  return s.charAt(0).toUpperCase() + s.slice(1);
}
