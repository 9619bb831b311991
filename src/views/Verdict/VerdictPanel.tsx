import { useId, useMemo, useRef } from 'react';
import { ErrorNote } from '../../components/ErrorNote';
import { describeChar } from '../../core/trace/representable';
import { downloadBlob } from '../../record/download';
import { openedMeta } from '../../record/open';
import { profileKeyOf, profileKeyText } from '../../state/calibration';
import { forgetStoredProfile, importProfileFile, profileFile } from '../../state/profileActions';
import type { ProfileOrigin, RunState } from '../../state/slices';
import { useStore } from '../../state/store';
import { fmt, tokenLabel } from '../shared/format';
import { headline, pct, profileClause, scoreLabel, verdictFor, type Departure, type SavedVerdict, type Verdict } from './verdict';
import './verdict.css';

/**
 * The verdict at the top of the results: how likely the answer is right according to the loaded
 * model's calibration profile, in words, with what it measures, the flags that make it unreliable
 * (outside the profile's data, characters the tokenizer cannot represent, a pasted trace the model
 * would not have written), each score's percentile among the profile's traces, and the profile
 * itself (where it came from; import, export, forget). A run opened from a file or from history
 * shows the verdict saved with it.
 */

const ORIGIN: Record<ProfileOrigin, string> = {
  bundled: 'shipped with the bundled model',
  stored: 'kept in this browser',
  imported: 'imported from a file',
  made: 'made here from a batch',
};

export function departureText(d: Departure): string {
  const wanted = d.wanted === null ? '' : `, where it would have written “${tokenLabel(d.wanted)}”`;
  return `The model's own greedy choice departs from this trace at token ${d.index + 1} (“${tokenLabel(d.token)}”${wanted}); it disagrees at ${d.count} of the ${d.total} tokens. The scores measure how this model relates to a trace, so a trace it would not have written reads as unsound even when it is right.`;
}

export function outsideText(keys: readonly string[]): string {
  return `Far outside the traces the profile was fitted on: ${keys.map(scoreLabel).join(', ')}. A number here would be an extrapolation.`;
}

export function unrepresentableText(chars: readonly string[]): string {
  return `The tokenizer cannot represent ${chars.map(describeChar).join(', ')}: the model reads ${chars.length === 1 ? 'it' : 'them'} as unknown tokens.`;
}

function Flags({ v }: { readonly v: Pick<Verdict, 'outside' | 'unrepresentable' | 'departure'> }) {
  const items: { id: string; text: string }[] = [];
  if (v.unrepresentable.length > 0) items.push({ id: 'unrepresentable', text: unrepresentableText(v.unrepresentable) });
  if (v.outside.length > 0) items.push({ id: 'outside', text: outsideText(v.outside) });
  if (v.departure) items.push({ id: 'written-elsewhere', text: `Written elsewhere. ${departureText(v.departure)}` });
  if (items.length === 0) return null;
  return (
    <ul className="notices verdict-flags" aria-label="Why the verdict is not a confident number" data-testid="verdict-flags">
      {items.map((i) => (
        <li key={i.id} data-flag={i.id}>
          {i.text}
        </li>
      ))}
    </ul>
  );
}

function Aside({ v }: { readonly v: Pick<Verdict, 'kind' | 'p' | 'profile'> }) {
  if ((v.kind !== 'outside' && v.kind !== 'written-elsewhere') || v.p === null || !v.profile) return null;
  return (
    <p className="note" data-testid="verdict-aside">
      For reference only: the profile ({profileClause(v.profile)}) would say {pct(v.p)}, but it was fitted on this model’s own traces{v.kind === 'outside' ? ' within a range this input leaves' : ''}, so it does not cover this one.
    </p>
  );
}

function ScoresTable({ v }: { readonly v: Verdict }) {
  if (v.scores.length === 0) return null;
  const withProfile = v.profile !== null;
  return (
    <details className="verdict-scores" open={!withProfile}>
      <summary>{withProfile ? 'Each score against the profile’s traces' : 'The raw scores'}</summary>
      <table className="scores" data-testid="verdict-scores">
        <caption className="visually-hidden">
          {withProfile ? 'Each score, its percentile among the profile’s labelled traces, and the chance of a right answer by that score alone' : 'Each score of this trace, uncalibrated'}
        </caption>
        <thead>
          <tr>
            <th scope="col">Score</th>
            <th scope="col">Value</th>
            {withProfile && <th scope="col">Percentile in the profile</th>}
            {withProfile && <th scope="col">Right by this score alone</th>}
          </tr>
        </thead>
        <tbody>
          {v.scores.map((s) => (
            <tr key={s.key} data-score={s.key} data-percentile={s.percentile ?? ''} data-outside={s.outside}>
              <th scope="row">{s.label}</th>
              <td className="num">{fmt(s.value, 4)}</td>
              {withProfile && <td className="num">{s.percentile === null ? '—' : `${Math.round(s.percentile)}th${s.outside ? ' (outside)' : ''}`}</td>}
              {withProfile && <td className="num">{s.p === null ? '—' : pct(s.p)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

function NoProfile({ keyText }: { readonly keyText: string }) {
  return (
    <p className="note" data-testid="verdict-how">
      There is no calibration profile for {keyText}, so the scores below are raw numbers with no verdict. To make one, score labelled traces of this model in the Batch tab and
      press “Make a calibration profile from these results”, or run <code>npx cotk calibrate --in scored.jsonl --out profile.json</code> on the output of{' '}
      <code>cotk batch</code> and import the file with “Import a profile…” below.
    </p>
  );
}

/** Import, export and forget; the profile's origin; the last notice or refusal. */
export function ProfileControls() {
  const cal = useStore((s) => s.calibration);
  const ready = useStore((s) => s.model.status === 'ready');
  const input = useRef<HTMLInputElement | null>(null);
  const p = cal.profile;
  return (
    <div className="profile-controls" data-testid="profile-controls" data-origin={cal.origin ?? ''}>
      <p className="note" data-testid="profile-status">
        {cal.status === 'loading'
          ? 'Looking for this model’s calibration profile…'
          : p
            ? `Profile: ${profileKeyText(p.key)}, ${p.dataset.n} labelled traces${p.dataset.name ? ` of ${p.dataset.name}` : ''} (${ORIGIN[cal.origin ?? 'stored']}).`
            : ready
              ? 'No calibration profile for this model.'
              : 'No model is loaded.'}
      </p>
      <div className="buttons">
        <input
          ref={input}
          type="file"
          accept=".json,application/json"
          className="visually-hidden"
          tabIndex={-1}
          aria-label="Calibration profile to import"
          data-testid="profile-file"
          onChange={(e) => {
            const f = e.currentTarget.files?.[0];
            e.currentTarget.value = '';
            if (f) void importProfileFile(f);
          }}
        />
        <button type="button" onClick={() => input.current?.click()} disabled={!ready} data-testid="profile-import">
          Import a profile…
        </button>
        <button
          type="button"
          disabled={!p}
          data-testid="profile-export"
          onClick={() => {
            const f = profileFile();
            if (f) downloadBlob(new Blob([f.text], { type: 'application/json' }), f.name);
          }}
        >
          Export the profile
        </button>
        {(cal.origin === 'stored' || cal.origin === 'imported' || cal.origin === 'made') && (
          <button type="button" onClick={() => void forgetStoredProfile()} data-testid="profile-forget">
            Forget this browser’s profile
          </button>
        )}
      </div>
      <ErrorNote message={cal.error} testId="profile-error" />
      {cal.notice && (
        <p className="note" role="status" data-testid="profile-notice">
          {cal.notice}
        </p>
      )}
    </div>
  );
}

function Headline({ kind, text }: { readonly kind: string; readonly text: string }) {
  return (
    <p className={`verdict-headline verdict-${kind}`} data-testid="verdict-headline" data-kind={kind}>
      {text}
    </p>
  );
}

function SavedView({ saved }: { readonly saved: SavedVerdict }) {
  return (
    <>
      <Headline kind={saved.kind} text={saved.headline} />
      <Flags v={saved} />
      <Aside v={saved} />
      <p className="note">This is the verdict saved with the run{saved.profile ? `, under the profile for ${saved.profile.model} ${saved.profile.dtype}` : ''}.</p>
    </>
  );
}

/** The live verdict of the run on screen (pure; exported for the snapshot). */
export function useVerdict(run: RunState | null): Verdict {
  const info = useStore((s) => (s.model.status === 'ready' ? s.model.info : null));
  const profile = useStore((s) => s.calibration.profile);
  return useMemo(() => verdictFor(run, info, profile), [run, info, profile]);
}

export function VerdictPanel() {
  const run = useStore((s) => s.run);
  const info = useStore((s) => (s.model.status === 'ready' ? s.model.info : null));
  const id = useId();
  const v = useVerdict(run);
  const saved = run ? (openedMeta(run.id)?.verdict ?? null) : null;
  const key = profileKeyOf(info);
  return (
    <section className="view verdict" aria-labelledby={`${id}-h`} data-testid="verdict" data-kind={saved?.kind ?? v.kind} data-p={(saved ?? v).p ?? ''}>
      <h3 id={`${id}-h`}>Verdict</h3>
      {saved ? (
        <SavedView saved={saved} />
      ) : (
        <>
          <Headline kind={v.kind} text={headline(v)} />
          <Flags v={v} />
          <Aside v={v} />
          {v.kind === 'no-profile' && <NoProfile keyText={key ? profileKeyText(key) : 'the loaded model'} />}
        </>
      )}
      <p className="note verdict-what">
        What this measures: this model’s view of this trace — how likely the answer is right, judged by how {key?.model ?? 'the loaded model'} itself reads the reasoning
        (its certainty token by token and the motion of its states through the layers), calibrated on labelled traces of the same model. It does not check the arithmetic.
      </p>
      {!saved && <ScoresTable v={v} />}
      <ProfileControls />
    </section>
  );
}
