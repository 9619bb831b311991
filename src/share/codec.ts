import { deflateSync, inflateSync } from 'fflate';
import { TINT_METRICS, type InputMode, type PasteFormat, type PickerSource, type TintMetric } from '../state/slices';

/**
 * The share link's payload (docs/run-format.md, "Share link"): the inputs and settings of a run,
 * never its results. JSON, raw-deflated (fflate), base64url, behind a version: `v1.<data>`, carried
 * in the URL fragment (`#share=v1.<data>`), which browsers do not send to any server.
 */
export const SHARE_VERSION = 1;
/** Longest `v1.<data>` the app reads: far above any useful link, far below any memory concern. */
export const MAX_SHARE_CHARS = 200_000;
/** Longest inflated JSON the app accepts (a deflate "bomb" stops here). */
export const MAX_SHARE_JSON_BYTES = 2_000_000;
/** Links longer than this may be cut by chat apps, mail clients and some browsers. */
export const LONG_LINK_CHARS = 8000;

export interface ShareModel {
  readonly source: PickerSource;
  /** Bundled graph ('' = the device's default). */
  readonly variant?: string;
  /** Hub repo, dtype and revision. */
  readonly repo?: string;
  readonly dtype?: string;
  readonly revision?: string;
}

export interface SharePayload {
  readonly mode: InputMode;
  /** mode 'ask': the question. */
  readonly question?: string;
  /** mode 'paste': one text box or three fields. */
  readonly pasteFormat?: PasteFormat;
  readonly trace?: string;
  readonly fields?: { readonly prompt: string; readonly reasoning: string; readonly answer: string };
  readonly gamma: number;
  /** Absent when the link named a tint this app does not know (a later version's). */
  readonly tint?: TintMetric;
  readonly model: ShareModel;
}

export class ShareLinkError extends Error {
  override readonly name = 'ShareLinkError';
}

function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) return null;
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The payload as `v1.<data>`. Keys in a fixed order, so the same inputs give the same link. */
export function encodeShare(p: SharePayload): string {
  const m = p.model;
  const model =
    m.source === 'bundled'
      ? { source: m.source, variant: m.variant ?? '' }
      : m.source === 'hub'
        ? { source: m.source, repo: m.repo ?? '', dtype: m.dtype ?? '', revision: m.revision ?? '' }
        : { source: m.source };
  const body =
    p.mode === 'ask'
      ? { mode: p.mode, question: p.question ?? '' }
      : p.pasteFormat === 'fields'
        ? { mode: p.mode, pasteFormat: 'fields', fields: { prompt: p.fields?.prompt ?? '', reasoning: p.fields?.reasoning ?? '', answer: p.fields?.answer ?? '' } }
        : { mode: p.mode, pasteFormat: 'text', trace: p.trace ?? '' };
  const json = JSON.stringify({ ...body, gamma: p.gamma, ...(p.tint ? { tint: p.tint } : {}), model });
  return `v${SHARE_VERSION}.${toBase64Url(deflateSync(new TextEncoder().encode(json), { level: 9 }))}`;
}

const DAMAGED = 'This share link is damaged';
type Obj = Record<string, unknown>;
const own = (o: Obj, k: string): unknown => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);

function text(o: Obj, k: string, where: string): string {
  const v = own(o, k);
  if (typeof v !== 'string') throw new ShareLinkError(`${DAMAGED}: its ${where} is not text.`);
  return v;
}

function optText(o: Obj, k: string): string | undefined {
  const v = own(o, k);
  return typeof v === 'string' ? v : undefined;
}

/** `v1.<data>` back to a payload; a ShareLinkError with one sentence when it cannot be read. */
export function decodeShare(s: string): SharePayload {
  if (s.length > MAX_SHARE_CHARS) {
    throw new ShareLinkError(`This share link is too long to read (${s.length.toLocaleString('en')} characters; at most ${MAX_SHARE_CHARS.toLocaleString('en')}), so nothing was restored.`);
  }
  const m = /^v(\d+)\.(.*)$/s.exec(s);
  if (!m) throw new ShareLinkError(`${DAMAGED}: it does not start with a version such as "v1." (was it cut short or edited?).`);
  const version = Number(m[1]);
  if (version > SHARE_VERSION) {
    throw new ShareLinkError(`This share link was made by a newer version of the app (v${version}); this app reads v${SHARE_VERSION} links — update the app to open it.`);
  }
  if (version < 1) throw new ShareLinkError(`${DAMAGED}: "v${m[1]}" is not a version this app knows.`);
  const bytes = fromBase64Url(m[2]);
  if (!bytes || bytes.length === 0) throw new ShareLinkError(`${DAMAGED}: it holds characters or a length a share link never has (was it cut short when copied?).`);
  let raw: Uint8Array;
  try {
    // A buffer one byte over the limit: inflateSync stops when it is full, so a bomb cannot grow past it.
    raw = inflateSync(bytes, { out: new Uint8Array(MAX_SHARE_JSON_BYTES + 1) });
  } catch {
    throw new ShareLinkError(`${DAMAGED}: its compressed data is corrupt (was it cut short when copied?).`);
  }
  if (raw.length > MAX_SHARE_JSON_BYTES) throw new ShareLinkError(`This share link unpacks to more than ${MAX_SHARE_JSON_BYTES / 1e6} MB, more than any input the app makes, so nothing was restored.`);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch {
    throw new ShareLinkError(`${DAMAGED}: its data is not the JSON the app writes (was it cut short when copied?).`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ShareLinkError(`${DAMAGED}: its data is not an object.`);
  const o = value as Obj;
  const mode = own(o, 'mode');
  if (mode !== 'ask' && mode !== 'paste') throw new ShareLinkError(`${DAMAGED}: its mode is neither a question nor a pasted trace.`);
  const gamma = own(o, 'gamma');
  if (typeof gamma !== 'number' || !(gamma >= 0 && gamma <= 1)) throw new ShareLinkError(`${DAMAGED}: its γ is not a number between 0 and 1.`);
  const tintRaw = own(o, 'tint');
  const tint = TINT_METRICS.find((t) => t === tintRaw);
  const mo = own(o, 'model');
  if (typeof mo !== 'object' || mo === null || Array.isArray(mo)) throw new ShareLinkError(`${DAMAGED}: it names no model.`);
  const src = own(mo as Obj, 'source');
  if (src !== 'bundled' && src !== 'hub' && src !== 'files') throw new ShareLinkError(`${DAMAGED}: its model source is not one the app knows.`);
  const variant = optText(mo as Obj, 'variant') ?? '';
  if (src === 'bundled' && variant !== '' && !BUNDLED_VARIANTS.includes(variant)) {
    throw new ShareLinkError(`${DAMAGED}: it names a bundled graph “${variant.slice(0, 40)}” that this app does not have (it has ${BUNDLED_VARIANTS.join(', ')}).`);
  }
  const model: ShareModel =
    src === 'bundled'
      ? { source: src, variant }
      : src === 'hub'
        ? { source: src, repo: text(mo as Obj, 'repo', 'model repo'), dtype: optText(mo as Obj, 'dtype') ?? '', revision: optText(mo as Obj, 'revision') ?? '' }
        : { source: src };
  const common = { gamma, ...(tint ? { tint } : {}), model };
  if (mode === 'ask') return { mode, question: text(o, 'question', 'question'), ...common };
  if (own(o, 'pasteFormat') === 'fields') {
    const f = own(o, 'fields');
    if (typeof f !== 'object' || f === null || Array.isArray(f)) throw new ShareLinkError(`${DAMAGED}: its trace fields are missing.`);
    const fo = f as Obj;
    return { mode, pasteFormat: 'fields', fields: { prompt: text(fo, 'prompt', 'prompt'), reasoning: text(fo, 'reasoning', 'reasoning'), answer: text(fo, 'answer', 'answer') }, ...common };
  }
  return { mode, pasteFormat: 'text', trace: text(o, 'trace', 'trace'), ...common };
}

/**
 * The bundled model's graphs (public/models/tiny-reasoner/manifest.json "variants"; a unit test keeps
 * the two in step). A link may name only one of these: anything else (a path such as
 * `../../etc/passwd`) is refused before it reaches the picker or the engine.
 */
export const BUNDLED_VARIANTS: readonly string[] = ['fp32-cpu', 'int4-cpu', 'fp16-webgpu', 'int4-webgpu'];

/** The share fragment of a location's hash (`#share=v1.…`), or null when it has none. */
export function shareDataOf(hash: string): string | null {
  const m = /^#share=(.*)$/s.exec(hash);
  return m ? m[1] : null;
}

/** The link: this page's address (its query kept, e.g. ?backend=wasm) with the payload in the fragment. */
export function shareUrl(base: { origin: string; pathname: string; search: string }, p: SharePayload): string {
  return `${base.origin}${base.pathname}${base.search}#share=${encodeShare(p)}`;
}

/** The model a link names, in words. */
export function describeShareModel(m: ShareModel): string {
  if (m.source === 'bundled') return `the bundled tiny-reasoner${m.variant ? ` (${m.variant})` : ''}`;
  if (m.source === 'hub') return `${m.repo}${m.dtype ? ` (${m.dtype}${m.revision ? `, ${m.revision}` : ''})` : ''} from the Hub`;
  return 'a model folder on the sender’s computer';
}
