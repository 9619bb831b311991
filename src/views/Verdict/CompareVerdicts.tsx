import type { SavedRun } from '../../record/types';
import { pct } from './verdict';

/**
 * Both runs' verdicts, as saved with them (meta.verdict): the words, P, and the flags, side by side.
 * A run saved before verdicts existed says so rather than getting one made up now.
 */
function flagsOf(run: SavedRun): string[] {
  const v = run.meta.verdict;
  if (!v) return [];
  const out: string[] = [];
  if (v.departure) out.push(`written elsewhere (departs at token ${v.departure.index + 1})`);
  if (v.outside.length > 0) out.push(`outside the profile (${v.outside.join(', ')})`);
  if (v.unrepresentable.length > 0) out.push(`characters the tokenizer cannot represent: ${v.unrepresentable.join(' ')}`);
  return out;
}

function One({ run, label }: { readonly run: SavedRun; readonly label: 'A' | 'B' }) {
  const v = run.meta.verdict;
  const flags = flagsOf(run);
  return (
    <div className="cmp-verdict" data-testid={`compare-verdict-${label.toLowerCase()}`} data-kind={v?.kind ?? 'none'} data-p={v?.p ?? ''}>
      <h4>
        {label}: {run.meta.name}
      </h4>
      <p className={`verdict-headline verdict-${v?.kind ?? 'none'}`}>{v ? v.headline : 'No verdict was saved with this run (it was made before verdicts existed).'}</p>
      {v && (v.kind === 'outside' || v.kind === 'written-elsewhere') && v.p !== null && <p className="note">The profile’s number would be {pct(v.p)}, but it does not cover this run.</p>}
      {flags.length > 0 && (
        <ul className="notices">
          {flags.map((f) => (
            <li key={f}>{f}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function CompareVerdicts({ a, b }: { readonly a: SavedRun; readonly b: SavedRun }) {
  return (
    <section className="view cmp-verdicts" aria-label="Both runs' verdicts" data-testid="compare-verdicts">
      <h3>Verdicts</h3>
      <div className="cmp-verdict-pair">
        <One run={a} label="A" />
        <One run={b} label="B" />
      </div>
      <p className="note">Each verdict is this model’s view of its trace, calibrated when it was saved; a trace the model would not have written reads as unsound even when it is right.</p>
    </section>
  );
}
