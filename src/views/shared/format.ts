/** Numbers as the panels show them: 3 significant digits, "—" where undefined. */
export function fmt(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(digits - 1);
  return Number(v.toPrecision(digits)).toString();
}

/**
 * A token's text as a label: whitespace made visible, so " ", "\n" and "\t" can be told apart
 * (a space at either end as ␣, a newline as ↵, a tab as ⇥, carriage return as ␍, nothing as ∅).
 */
export function tokenLabel(text: string): string {
  if (text === '') return '∅';
  return text
    .replace(/\r/g, '␍')
    .replace(/\n/g, '↵')
    .replace(/\t/g, '⇥')
    .replace(/^ +| +$/g, (m) => '␣'.repeat(m.length));
}
