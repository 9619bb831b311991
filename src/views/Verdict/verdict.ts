import { scorerInfo, type ScorerId } from '../../core/scores/index';
import type { RunResult, TokenEvent } from '../../engine/run';
import type { TokenReduction } from '../../engine/reduce';
import type { WorkerInfo } from '../../engine/protocol';
import { vocabularyOf } from '../../state/lens';
import { applyProfile, keyId, profileKeyOf, profileScores, SHOWN_KEYS, V2_BARRIER, V2_KAPPA, type CalibrationProfile, type ProfileKey } from '../../state/calibration';
import type { RunState } from '../../state/slices';

/**
 * The verdict, pure: what the top of the results says about a run, from its result, the loaded
 * model's profile key and the profile (if any). Also what a saved run keeps of it (SavedVerdict),
 * so History, Compare and a run file show the verdict as it was made.
 */

/** Where a pasted trace first leaves what the model would write itself (greedy, token by token). */
export interface Departure {
  /** 0-based among output tokens. */
  readonly index: number;
  /** The trace's token there, as text. */
  readonly token: string;
  /** The model's greedy choice there, as text (null when the run did not record it). */
  readonly wanted: string | null;
  /** Output tokens where the trace's token is not the model's greedy choice. */
  readonly count: number;
  readonly total: number;
}

/** Tolerance on p(target) vs max p: a tie between the target and another token is no departure. */
const TIE = 1e-4;

/**
 * The first output token of a teacher-forced trace that the model's greedy choice departs from:
 * its probability is below the row's maximum (the recorded argmax, when there, names the token the
 * model wanted). Null when the model would have written every token itself.
 */
export function firstDeparture(tokens: readonly TokenReduction[], events: readonly TokenEvent[], decode: (id: number) => string | null): Departure | null {
  let first: number | null = null;
  let count = 0;
  tokens.forEach((t, i) => {
    const departs = Math.exp(t.logProb) < t.maxProb * (1 - TIE) && (t.argmax === undefined || t.argmax !== t.id);
    if (!departs) return;
    count++;
    if (first === null) first = i;
  });
  if (first === null) return null;
  const t = tokens[first];
  return {
    index: first,
    token: events[first]?.text ?? decode(t.id) ?? `#${t.id}`,
    wanted: t.argmax === undefined ? null : decode(t.argmax),
    count,
    total: tokens.length,
  };
}

export interface ProfileSummary {
  readonly model: string;
  readonly revision: string;
  readonly dtype: string;
  readonly dataset: string;
  readonly n: number;
  readonly auroc: number;
  readonly ece: number;
}

export function profileSummary(p: CalibrationProfile): ProfileSummary {
  return {
    model: p.key.model,
    revision: p.key.revision,
    dtype: p.key.dtype,
    dataset: p.dataset.name,
    n: p.dataset.n,
    auroc: p.verdict.heldOut.auroc,
    ece: p.verdict.heldOut.ece,
  };
}

/** What the verdict says, in order of precedence. */
export type VerdictKind =
  /** The run has not finished (or has no result): nothing to say yet. */
  | 'pending'
  /** The run has no reasoning or no answer to judge. */
  | 'unscored'
  /** No profile for the loaded model. */
  | 'no-profile'
  /** A feature far outside the profile's data, or a character the tokenizer cannot represent. */
  | 'outside'
  /** A pasted trace the model would not have written. */
  | 'written-elsewhere'
  | 'calibrated';

export interface ScoreLine {
  readonly key: string;
  readonly label: string;
  readonly value: number | null;
  /** Share (0–100) of the profile's traces at or below this value; null without a profile or value. */
  readonly percentile: number | null;
  /** P(correct) through this scorer's own map. */
  readonly p: number | null;
  readonly outside: boolean;
}

export interface Verdict {
  readonly kind: VerdictKind;
  /** Calibrated P(correct) (also when outside or written elsewhere: shown only as an aside then). */
  readonly p: number | null;
  readonly profile: ProfileSummary | null;
  readonly outside: readonly string[];
  readonly unrepresentable: readonly string[];
  readonly departure: Departure | null;
  readonly scores: readonly ScoreLine[];
  /** Why the verdict is 'unscored', or null. */
  readonly reason: string | null;
}

const V2_TERM_LABELS: Record<string, string> = {
  [V2_BARRIER]: 'v2 barrier (highest surprisal)',
  [V2_KAPPA]: 'v2 mean κ (motion through the layers)',
};

export function scoreLabel(key: string): string {
  if (key === 'cotk') return 'cotk (default energy)';
  return V2_TERM_LABELS[key] ?? scorerInfo(key as ScorerId).label;
}

function scoreLines(scores: Record<string, number | null>, profile: CalibrationProfile | null, res: ReturnType<typeof applyProfile> | null): ScoreLine[] {
  return SHOWN_KEYS.map((key) => ({
    key,
    label: scoreLabel(key),
    value: scores[key] ?? null,
    percentile: res?.percentiles[key] ?? null,
    p: res?.perScorer[key] ?? null,
    outside: res?.outside.includes(key) ?? false,
  })).filter((l) => l.value !== null || (profile?.scorers[l.key] ?? null) !== null);
}

export interface VerdictInput {
  readonly run: RunState | null;
  /** The loaded model's key (null: none loaded). */
  readonly modelKey: ProfileKey | null;
  /** The profile for that key, or null. */
  readonly profile: CalibrationProfile | null;
  /** A token id as text (the model's vocabulary), for naming the departure. */
  readonly decode: (id: number) => string | null;
}

export function verdictOf({ run, modelKey, profile, decode }: VerdictInput): Verdict {
  const empty: Verdict = { kind: 'pending', p: null, profile: null, outside: [], unrepresentable: [], departure: null, scores: [], reason: null };
  const result: RunResult | null = run?.result ?? null;
  if (!run || !result || run.status === 'running' || run.status === 'stopping') return empty;
  const usable = profile && modelKey && keyId(profile.key) === keyId(modelKey) ? profile : null;
  const scores = profileScores(result);
  const unrepresentable = result.unrepresentable ?? [];
  const departure = run.kind === 'score' ? firstDeparture(result.tokens, run.events, decode) : null;
  const [r0, r1] = result.segments.reasoning;
  const [a0, a1] = result.segments.answer;
  const reason =
    r1 <= r0 && a1 <= a0
      ? 'The run has neither reasoning nor an answer, so there is nothing to judge.'
      : a1 <= a0
        ? 'The run has no answer (it never closed its reasoning with </think>, or stopped first), so there is no answer to judge.'
        : null;
  const res = usable ? applyProfile(usable, scores) : null;
  const base = { p: res?.p ?? null, profile: usable ? profileSummary(usable) : null, outside: res?.outside ?? [], unrepresentable, departure, scores: scoreLines(scores, usable, res), reason };
  if (reason) return { ...base, kind: 'unscored' };
  if (!usable) return { ...base, kind: 'no-profile' };
  if (base.outside.length > 0 || unrepresentable.length > 0) return { ...base, kind: 'outside' };
  if (departure) return { ...base, kind: 'written-elsewhere' };
  return { ...base, kind: 'calibrated' };
}

/** The verdict of `run` under the loaded model (`info`, null while none is ready) and its profile. */
export function verdictFor(run: RunState | null, info: WorkerInfo | null, profile: CalibrationProfile | null): Verdict {
  const vocab = vocabularyOf(run?.events ?? []);
  return verdictOf({ run, modelKey: profileKeyOf(info), profile, decode: (id) => vocab.get(id) ?? null });
}

// ——— words ———

export const pct = (p: number): string => `${Math.round(100 * p)} %`;

/** "Likely sound" / "Uncertain" / "Likely unsound" for a calibrated P(correct). */
export function band(p: number): string {
  return p >= 0.7 ? 'Likely sound' : p <= 0.3 ? 'Likely unsound' : 'Uncertain';
}

export function profileClause(s: ProfileSummary): string {
  return `calibrated on ${s.n} labelled traces of this model; held-out AUROC ${s.auroc.toFixed(2)}, ECE ${s.ece.toFixed(2)}`;
}

/** The headline in words a non-specialist reads. */
export function headline(v: Pick<Verdict, 'kind' | 'p' | 'profile' | 'reason'>): string {
  switch (v.kind) {
    case 'pending':
      return 'The verdict comes when the run has finished.';
    case 'unscored':
      return `No verdict: ${v.reason ?? 'nothing to judge.'}`;
    case 'no-profile':
      return 'No verdict: there is no calibration profile for this model yet.';
    case 'outside':
      return 'Outside what this profile covers: no confident number.';
    case 'written-elsewhere':
      return 'Written elsewhere: this model would not have written this trace.';
    case 'calibrated':
      return v.p === null || !v.profile ? 'No verdict.' : `${band(v.p)} — ${pct(v.p)} (${profileClause(v.profile)})`;
  }
}

// ——— what a saved run keeps ———

/** The verdict as saved with a run (meta.verdict): the words shown and the numbers behind them. */
export interface SavedVerdict {
  readonly kind: VerdictKind;
  readonly headline: string;
  readonly p: number | null;
  readonly profile: ProfileSummary | null;
  readonly outside: readonly string[];
  readonly unrepresentable: readonly string[];
  readonly departure: Departure | null;
}

export function savedVerdict(v: Verdict): SavedVerdict | null {
  if (v.kind === 'pending') return null;
  return { kind: v.kind, headline: headline(v), p: v.p, profile: v.profile, outside: v.outside, unrepresentable: v.unrepresentable, departure: v.departure };
}
