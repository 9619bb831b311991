import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { answerOf, canonicalNumber, gradeOutput, sameAnswer } from '../../../src/core/grade';
import { sharedPath } from '../../paths';

interface TestbedTrace {
  readonly id: number;
  readonly truth: number;
  readonly text: string;
  readonly correct: boolean;
}

describe('answerOf', () => {
  it('takes what follows the last </think>, up to the first chat special token, trimmed', () => {
    expect(answerOf('<think>\n53*2=106\n</think>\n\n106<|im_end|>')).toBe('106');
    expect(answerOf('<think>a</think> x </think>\n -58 <|endoftext|>')).toBe('-58');
    expect(answerOf('<think>a</think>\n7<|im_end|>\n<|im_start|>user\n1+1=?<|im_end|>')).toBe('7');
    expect(answerOf('<think>a</think>\n7\n<|im_start|>assistant\n8')).toBe('7');
    expect(answerOf('<think>a</think>   ')).toBe('');
    expect(answerOf('<think>a</think>12')).toBe('12'); // no EOS: the answer runs to the end
  });

  it('is null when the reasoning never closed', () => {
    expect(answerOf('<think>\n53*2=106\n')).toBeNull();
    expect(answerOf('106<|im_end|>')).toBeNull();
    expect(answerOf('')).toBeNull();
  });
});

describe('sameAnswer', () => {
  it('matches exactly after trimming, and numbers as numbers', () => {
    expect(sameAnswer(' 57 ', '57')).toBe(true);
    for (const a of ['57.0', '+57', '57.', '5.7e1', '570e-1', '0057', '57.000E0']) expect(sameAnswer(a, '57'), a).toBe(true);
    expect(sameAnswer('1e2', '100')).toBe(true);
    expect(sameAnswer('-0', '0.0')).toBe(true);
    expect(sameAnswer('.5', '0.5')).toBe(true);
    expect(sameAnswer('-58', '58')).toBe(false);
    expect(sameAnswer('57 apples', '57')).toBe(false); // trailing junk: not a number, not equal
    expect(sameAnswer('0x39', '57')).toBe(false);
    expect(sameAnswer('1,000', '1000')).toBe(false);
    expect(sameAnswer('Paris', 'Paris')).toBe(true);
    expect(sameAnswer('paris', 'Paris')).toBe(false);
    expect(sameAnswer(null, '57')).toBe(false);
    expect(sameAnswer('', '57')).toBe(false);
  });

  it('compares numbers exactly, beyond float precision', () => {
    expect(sameAnswer('12345678901234567890', '12345678901234567891')).toBe(false);
    expect(sameAnswer('1e400', '10e399')).toBe(true);
    expect(sameAnswer('1e400', '1e401')).toBe(false);
    expect(canonicalNumber('abc')).toBeNull();
    expect(canonicalNumber('1e')).toBeNull();
    expect(canonicalNumber('+')).toBeNull();
    expect(canonicalNumber('.')).toBeNull();
  });

  it('property: for any two doubles, their shortest decimal strings match exactly when the doubles are equal', () => {
    const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
    fc.assert(fc.property(finite, finite, (x, y) => sameAnswer(String(x), String(y)) === (x === y)));
    fc.assert(fc.property(finite, (x) => sameAnswer(String(x), String(x))));
  });

  it('property: other notations of the same double are the same answer', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const s = String(x);
        const sign = s.startsWith('-') ? '-' : '';
        const body = s.slice(sign.length);
        const variants = [x.toExponential(), x.toExponential().toUpperCase(), `${sign || '+'}${body}`, `${sign}00${body}`, ...(s.includes('e') ? [] : [`${s}${s.includes('.') ? '0' : '.0'}`])];
        return variants.every((v) => sameAnswer(v, s)) && (x === 0 || !sameAnswer(`${sign ? '' : '-'}${body}`, s));
      }),
    );
  });

  it('property: integers written with padding, a fraction of zeros or an exponent are the same number', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.nat(5), fc.nat(5), (n, pad, zeros) => {
        const abs = n < 0n ? -n : n;
        const sign = n < 0n ? '-' : '';
        const padded = `${sign}${'0'.repeat(pad)}${abs}${zeros ? `.${'0'.repeat(zeros)}` : ''}`;
        const exp = `${sign}${abs}0e-1`;
        return sameAnswer(padded, String(n)) && sameAnswer(exp, String(n)) && !sameAnswer(String(n + 1n), String(n));
      }),
    );
  });
});

describe('gradeOutput on the testbed', () => {
  it('labels every one of the 800 testbed traces as the testbed does', () => {
    const tb = JSON.parse(readFileSync(sharedPath('fixtures/tiny-reasoner/testbed.json'), 'utf8')) as { traces: TestbedTrace[] };
    let right = 0;
    for (const t of tb.traces) {
      const g = gradeOutput(t.text, String(t.truth));
      expect(g.label, `trace ${t.id}: ${JSON.stringify(t.text)} vs ${t.truth}`).toBe(t.correct ? 1 : 0);
      if (g.label) right++;
    }
    expect(right).toBe(474); // 0.5925 × 800
    expect(gradeOutput('<think>\n1+1=2\n', '2')).toEqual({ answer: null, label: 0 });
    expect(gradeOutput('<think>\n1+1=2\n</think>\n\n2.0<|im_end|>', '2')).toEqual({ answer: '2.0', label: 1 });
  });
});
