/**
 * The app's Content-Security-Policy, in one place: vite.config.ts sends it as an HTTP header from
 * `vite preview`/`vite dev` and checks that index.html's <meta> carries the same text, and
 * public/_headers repeats it for static hosts (a test compares all three). The Hub loader asks
 * {@link cspBlockedMessage} why a download failed, so a host the policy leaves out is named as
 * such instead of looking like a network fault. Pure: no DOM, no Node.
 *
 * What may be fetched: this origin, the Hugging Face hosts the Hub loader uses (huggingface.co
 * answers `/resolve/` with a redirect to its CDN, cdn-lfs*.hf.co or cas-bridge.xethub.hf.co, and
 * every hop of a redirect is checked against connect-src), and loopback (a local Hub mirror never
 * leaves the machine). Nothing else: no analytics, no CDN.
 */

/** Hosts the Hub loader may fetch from, besides this origin. Add a mirror's origin here (see docs/offline-and-privacy.md). */
export const MODEL_HOSTS: readonly string[] = ['https://huggingface.co', 'https://*.huggingface.co', 'https://hf.co', 'https://*.hf.co'];

/** A Hub stand-in or mirror on this machine. */
export const LOOPBACK_HOSTS: readonly string[] = ['http://127.0.0.1:*', 'http://localhost:*'];

/** Where the policy travels: in index.html's <meta>, or as an HTTP header. */
export type CspCarrier = 'meta' | 'header';

/**
 * The policy text. The header adds what a <meta> cannot carry (browsers ignore frame-ancestors
 * there, with a console error). `dev` relaxes it for `vite dev` only: its React-refresh preamble is
 * an inline script, its CSS arrives as injected <style> elements, and its HMR socket is a ws: connection.
 */
export function contentSecurityPolicy(carrier: CspCarrier = 'meta', dev = false): string {
  const directives: [string, ...string[]][] = [
    ['default-src', "'self'"],
    // ONNX Runtime compiles its .wasm: 'wasm-unsafe-eval' allows exactly that, not JS eval.
    ['script-src', "'self'", "'wasm-unsafe-eval'", ...(dev ? ["'unsafe-inline'"] : [])],
    // The engine worker and the service worker are same-origin scripts; nothing runs from blob:.
    ['worker-src', "'self'"],
    ['connect-src', "'self'", ...MODEL_HOSTS, ...LOOPBACK_HOSTS, ...(dev ? ['ws://127.0.0.1:*', 'ws://localhost:*'] : [])],
    // Canvas exports and inline SVG icons are data:/blob: URLs.
    ['img-src', "'self'", 'data:', 'blob:'],
    // React sets style={{…}} through the CSSOM, which CSP does not govern: no 'unsafe-inline' needed.
    ['style-src', "'self'", ...(dev ? ["'unsafe-inline'"] : [])],
    ['font-src', "'self'"],
    ['manifest-src', "'self'"],
    ['object-src', "'none'"],
    ['base-uri', "'self'"],
    ['form-action', "'none'"],
  ];
  if (carrier === 'header') directives.push(['frame-ancestors', "'none'"]);
  return directives.map((d) => d.join(' ')).join('; ');
}

/** Whether a source expression such as `https://*.hf.co` or `http://127.0.0.1:*` matches a URL (CSP3 host-source rules, for the forms used above). */
export function sourceMatches(source: string, url: URL): boolean {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(\*\.)?([^:/]+)(?::(\*|\d+))?$/i.exec(source);
  if (!m) return false;
  const [, scheme, wildcard, host, port] = m;
  if (url.protocol !== `${scheme.toLowerCase()}:`) return false;
  const h = url.hostname.toLowerCase();
  const want = host.toLowerCase();
  if (wildcard ? !h.endsWith(`.${want}`) : h !== want) return false;
  if (port === '*') return true;
  const defaultPort = url.protocol === 'https:' ? '443' : url.protocol === 'http:' ? '80' : '';
  return (url.port || defaultPort) === (port ?? defaultPort);
}

/** Whether the policy's connect-src lets a page or worker on `selfOrigin` fetch `url`. */
export function connectAllowed(url: string, selfOrigin: string | null): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (selfOrigin !== null && u.origin === selfOrigin) return true;
  return [...MODEL_HOSTS, ...LOOPBACK_HOSTS].some((s) => sourceMatches(s, u));
}

/**
 * Why a fetch of `url` failed, when this app's policy is the reason: a sentence naming the host and
 * what to do, or null (outside a browser no policy applies, and allowed hosts fail for other reasons).
 */
export function cspBlockedMessage(url: string): string | null {
  const g = globalThis as { SecurityPolicyViolationEvent?: unknown; location?: { origin?: string } };
  if (typeof g.SecurityPolicyViolationEvent !== 'function') return null;
  if (connectAllowed(url, g.location?.origin ?? null)) return null;
  let origin = url;
  try {
    origin = new URL(url).origin;
  } catch {
    // keep the text as given
  }
  return `${origin} is not a model host this app may contact: its Content-Security-Policy allows only this site, the Hugging Face Hub (huggingface.co, *.hf.co) and this computer (localhost, 127.0.0.1). To use another mirror, add it to the policy (see docs/offline-and-privacy.md).`;
}
