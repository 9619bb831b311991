import { create } from 'zustand';
import { generate, scoreTrace, setPicker } from '../state/actions';
import { draftsOf, type DraftSlice, type StoreState } from '../state/slices';
import { useStore } from '../state/store';
import { decodeShare, describeShareModel, ShareLinkError, type ShareModel, type SharePayload } from './codec';

/**
 * What a share link did when the page opened with one: the inputs it restored (with the drafts they
 * replaced, so the user can put theirs back) waiting for the user to say Run, or why it could not
 * be read. Nothing here runs the model by itself.
 */
export interface ShareOffer {
  readonly payload: SharePayload;
  /** The drafts before the link replaced them. */
  readonly previous: DraftSlice;
  /** True when the link replaced something the user had typed (then the banner offers it back). */
  readonly replaced: boolean;
  /** Set when the link was made with another model than the one the picker is set to. */
  readonly modelNote: string | null;
}

interface ShareState {
  offer: ShareOffer | null;
  error: string | null;
}

export const useShareStore = create<ShareState>(() => ({ offer: null, error: null }));

/** The page's inputs and settings as a share payload (what "Copy share link" encodes). */
export function currentSharePayload(s: StoreState): SharePayload {
  const p = s.picker;
  const model: ShareModel =
    p.source === 'bundled' ? { source: 'bundled', variant: p.variant } : p.source === 'hub' ? { source: 'hub', repo: p.repo, dtype: p.dtype, revision: p.revision } : { source: 'files' };
  const common = { gamma: s.gamma, tint: s.tint, model };
  if (s.mode === 'ask') return { mode: 'ask', question: s.question, ...common };
  if (s.pasteFormat === 'fields') return { mode: 'paste', pasteFormat: 'fields', fields: { prompt: s.fieldPrompt, reasoning: s.fieldReasoning, answer: s.fieldAnswer }, ...common };
  return { mode: 'paste', pasteFormat: 'text', trace: s.trace, ...common };
}

/** Why the page's inputs cannot be shared yet, or null. */
export function nothingToShare(p: SharePayload): string | null {
  const empty = p.mode === 'ask' ? p.question?.trim() === '' : p.pasteFormat === 'fields' ? !p.fields || Object.values(p.fields).every((v) => v.trim() === '') : p.trace?.trim() === '';
  return empty ? `Nothing to share yet: ${p.mode === 'ask' ? 'type a question' : 'paste a trace'} first.` : null;
}

function sameModel(a: ShareModel, s: StoreState): boolean {
  const p = s.picker;
  if (a.source !== p.source) return false;
  if (a.source === 'bundled') return (a.variant ?? '') === p.variant;
  if (a.source === 'hub') return a.repo === p.repo && (a.dtype ?? '') === p.dtype && (a.revision ?? '') === p.revision;
  return true;
}

/**
 * Reads `v1.<data>` and restores its inputs into the drafts (γ, tint and the picker's model choice
 * too), then offers to run. A link that cannot be read changes nothing and leaves its sentence.
 */
export function openShareLink(data: string): void {
  let payload: SharePayload;
  try {
    payload = decodeShare(data);
  } catch (e) {
    useShareStore.setState({ offer: null, error: e instanceof ShareLinkError ? e.message : `This share link could not be read: ${String(e)}.` });
    return;
  }
  const s = useStore.getState();
  const previous = draftsOf(s);
  const same = sameModel(payload.model, s);
  const drafts: Partial<DraftSlice> =
    payload.mode === 'ask'
      ? { mode: 'ask', question: payload.question ?? '' }
      : payload.pasteFormat === 'fields'
        ? { mode: 'paste', pasteFormat: 'fields', fieldPrompt: payload.fields?.prompt ?? '', fieldReasoning: payload.fields?.reasoning ?? '', fieldAnswer: payload.fields?.answer ?? '' }
        : { mode: 'paste', pasteFormat: 'text', trace: payload.trace ?? '' };
  const replaced = (Object.keys(drafts) as (keyof DraftSlice)[]).some((k) => k !== 'mode' && k !== 'pasteFormat' && previous[k] !== '' && previous[k] !== drafts[k]);
  useStore.setState({ ...drafts, gamma: payload.gamma, ...(payload.tint ? { tint: payload.tint } : {}), inputError: null });
  let modelNote: string | null = null;
  if (!same) {
    if (payload.model.source === 'files') {
      modelNote = `The link was made with ${describeShareModel(payload.model)}, which cannot travel in a link; load a copy of it yourself (Choose a model…) to reproduce the run.`;
    } else {
      const m = payload.model;
      setPicker(m.source === 'bundled' ? { source: 'bundled', variant: m.variant ?? '' } : { source: 'hub', repo: m.repo ?? '', dtype: m.dtype ?? '', revision: m.revision ?? '' });
      modelNote = `The link was made with ${describeShareModel(m)}; the model picker is now set to it. Load it (Choose a model…) before running to reproduce the run exactly.`;
    }
  }
  useShareStore.setState({ offer: { payload, previous, replaced, modelNote }, error: null });
}

export function dismissShare(): void {
  useShareStore.setState({ offer: null, error: null });
}

/** Puts back the drafts the link replaced (γ and tint stay as the link set them). */
export function restorePreviousDrafts(): void {
  const offer = useShareStore.getState().offer;
  if (!offer) return;
  useStore.setState({ ...offer.previous, inputError: null });
  dismissShare();
}

/** The user said Run: the restored inputs go through the same path as the input panel's buttons. */
export async function runShared(): Promise<void> {
  const offer = useShareStore.getState().offer;
  if (!offer) return;
  dismissShare();
  await (offer.payload.mode === 'ask' ? generate() : scoreTrace());
}
