/**
 * Grading a generated trace against an expected answer (generate mode of batch evaluation), pure.
 * Shared by `cotk batch --generate` and the app's generate mode so both label a trace the same way.
 */

/** Closing tag of the reasoning; the answer is what follows the last one. */
const END_THINK = '</think>';

/**
 * Where the answer ends: the first end-of-turn or end-of-text token, or the start of a new chat
 * turn (a model that runs past its EOS writes `<|im_start|>user…`, which is not part of its answer).
 * This matches the engine's answer segment, which stops at the first EOS after `</think>`.
 */
const ANSWER_END = /<\|im_end\|>|<\|endoftext\|>|<\|im_start\|>/;

/**
 * The model's final answer text: what follows the last `</think>` of `output`, up to the first chat
 * special token (`<|im_end|>`, `<|endoftext|>`, `<|im_start|>`…), trimmed. `null` when the output
 * never closed its reasoning (no `</think>`): such a trace has no answer and grades as wrong.
 */
export function answerOf(output: string): string | null {
  const at = output.lastIndexOf(END_THINK);
  if (at < 0) return null;
  const rest = output.slice(at + END_THINK.length);
  const end = rest.search(ANSWER_END);
  return (end < 0 ? rest : rest.slice(0, end)).trim();
}

/** Plain decimal, integer or exponent notation with an optional sign, nothing else. */
const NUMBER = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+))?$/;

/**
 * A decimal number in a canonical form (`0`, or sign, significant digits without leading or
 * trailing zeros, and the exponent of the last digit), so equal numbers give equal strings.
 * Exact: no float rounding, so `12345678901234567890` and `…891` differ and `1e400` is a number.
 * `null` for anything that is not a plain number.
 */
export function canonicalNumber(text: string): string | null {
  const m = NUMBER.exec(text);
  if (!m) return null;
  const [, sign, mantissa, exp] = m;
  const dot = mantissa.indexOf('.');
  const intPart = dot < 0 ? mantissa : mantissa.slice(0, dot);
  const fracPart = dot < 0 ? '' : mantissa.slice(dot + 1);
  let digits = (intPart + fracPart).replace(/^0+/, '');
  if (digits === '') return '0'; // every zero, -0 and +0.0e5 included
  // value = digits × 10^(exp − fracPart.length); move trailing zeros into the exponent
  let e = BigInt(exp ?? '0') - BigInt(fracPart.length);
  const trimmed = digits.replace(/0+$/, '');
  e += BigInt(digits.length - trimmed.length);
  digits = trimmed;
  return `${sign === '-' ? '-' : ''}${digits}e${e}`;
}

/**
 * Whether `answer` is the `expected` answer: exact match after trimming; when both are plain
 * numbers they are compared as numbers, exactly (`57` = `57.0` = `+57`, `1e2` = `100`).
 * A missing answer (`null`) is never right.
 */
export function sameAnswer(answer: string | null, expected: string): boolean {
  if (answer === null) return false;
  const a = answer.trim();
  const b = expected.trim();
  if (a === b) return true;
  const na = canonicalNumber(a);
  const nb = canonicalNumber(b);
  return na !== null && na === nb;
}

/** The answer a generated output gives and its label: 1 when it is the expected answer, else 0. */
export function gradeOutput(output: string, expected: string): { answer: string | null; label: 0 | 1 } {
  const answer = answerOf(output);
  return { answer, label: sameAnswer(answer, expected) ? 1 : 0 };
}
