import fc from 'fast-check';
import { deflateSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { decodeShare, encodeShare, MAX_SHARE_CHARS, shareDataOf, shareUrl, ShareLinkError, type SharePayload } from '../../../src/share/codec';
import { TINT_METRICS } from '../../../src/state/slices';

const text = fc.string({ unit: 'grapheme', maxLength: 200 });
const model = fc.oneof(
  fc.record({ source: fc.constant('bundled' as const), variant: fc.constantFrom('', 'fp32-cpu', 'int4-webgpu') }),
  fc.record({ source: fc.constant('hub' as const), repo: text, dtype: fc.constantFrom('q4f16', 'fp32'), revision: fc.constantFrom('', 'main') }),
  fc.record({ source: fc.constant('files' as const) }),
);
const common = { gamma: fc.double({ min: 0, max: 1, noNaN: true }), tint: fc.constantFrom(...TINT_METRICS), model };
const payload: fc.Arbitrary<SharePayload> = fc.oneof(
  fc.record({ mode: fc.constant('ask' as const), question: text, ...common }),
  fc.record({ mode: fc.constant('paste' as const), pasteFormat: fc.constant('text' as const), trace: text, ...common }),
  fc.record({ mode: fc.constant('paste' as const), pasteFormat: fc.constant('fields' as const), fields: fc.record({ prompt: text, reasoning: text, answer: text }), ...common }),
);

const b64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const linkOf = (json: string) => `v1.${b64url(deflateSync(new TextEncoder().encode(json)))}`;

function errorOf(s: string): string {
  try {
    decodeShare(s);
  } catch (e) {
    expect(e).toBeInstanceOf(ShareLinkError);
    return (e as Error).message;
  }
  throw new Error('decoded');
}

describe('share link codec', () => {
  it('decode(encode(p)) is p, and the data is URL-fragment safe (property)', () => {
    fc.assert(
      fc.property(payload, (p) => {
        const s = encodeShare(p);
        expect(s).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
        expect(decodeShare(s)).toEqual(p);
        expect(encodeShare(decodeShare(s))).toBe(s);
      }),
      { numRuns: 500 },
    );
  });

  it('compresses: a question link is short, a long repetitive trace shrinks', () => {
    const q = encodeShare({ mode: 'ask', question: '(12+7)*3=?', gamma: 0.8, tint: 'v2energy', model: { source: 'bundled', variant: '' } });
    expect(q.length).toBeLessThan(150);
    const trace = `(1+2)*3=?\n<think>\n${'1+2=3\n3*3=9\n'.repeat(300)}</think>\n\n9`;
    const t = encodeShare({ mode: 'paste', pasteFormat: 'text', trace, gamma: 0.8, model: { source: 'bundled' } });
    expect(t.length).toBeLessThan(trace.length / 10);
  });

  it('builds the link in the fragment and reads it back', () => {
    const p: SharePayload = { mode: 'ask', question: 'é ∑ 😀 #&?', gamma: 0.5, tint: 'kappa', model: { source: 'hub', repo: 'onnx-community/Qwen3-0.6B-ONNX', dtype: 'q4f16', revision: '' } };
    const url = new URL(shareUrl({ origin: 'http://127.0.0.1:4173', pathname: '/', search: '?backend=wasm' }, p));
    expect(url.search).toBe('?backend=wasm');
    expect(decodeShare(shareDataOf(url.hash)!)).toEqual(p);
    expect(shareDataOf('#other')).toBeNull();
  });

  it('refuses a damaged, too new, overlong or hostile link with a sentence', () => {
    const good = encodeShare({ mode: 'ask', question: '(12+7)*3=?', gamma: 0.8, model: { source: 'bundled' } });
    expect(errorOf('v2.abc')).toBe('This share link was made by a newer version of the app (v2); this app reads v1 links — update the app to open it.');
    expect(errorOf('hello')).toMatch(/damaged: it does not start with a version/);
    expect(errorOf(good.slice(0, good.length - 6))).toMatch(/damaged: its compressed data is corrupt|damaged: its data is not the JSON/);
    expect(errorOf(`${good}!`)).toMatch(/damaged: it holds characters/);
    expect(errorOf(`v1.${'A'.repeat(MAX_SHARE_CHARS)}`)).toMatch(/too long to read \(200,003 characters; at most 200,000\)/);
    // A deflate bomb: 10 MB of zeros in a link of a few dozen kilobytes.
    const bomb = `v1.${b64url(deflateSync(new Uint8Array(10_000_000), { level: 9 }))}`;
    expect(bomb.length).toBeLessThan(MAX_SHARE_CHARS);
    expect(errorOf(bomb)).toMatch(/unpacks to more than 2 MB/);
    expect(errorOf(linkOf('[1]'))).toMatch(/not an object/);
    expect(errorOf(linkOf('{"mode": "ask", "question": 3, "gamma": 0.8, "model": {"source": "bundled"}}'))).toMatch(/question is not text/);
    expect(errorOf(linkOf('{"mode": "ask", "question": "x", "gamma": 2, "model": {"source": "bundled"}}'))).toMatch(/γ is not a number between 0 and 1/);
    expect(errorOf(linkOf('{"mode": "run", "gamma": 0.8, "model": {"source": "bundled"}}'))).toMatch(/mode/);
    expect(errorOf(linkOf('{"mode": "ask", "question": "x", "gamma": 0.8, "model": {"source": "ftp"}}'))).toMatch(/model source/);
    // Unknown keys and __proto__ are ignored: nothing but the known fields comes out.
    const p = decodeShare(linkOf('{"__proto__": {"polluted": 1}, "mode": "ask", "question": "x", "gamma": 0.8, "tint": "future", "model": {"source": "bundled"}, "run": true}'));
    expect(p).toEqual({ mode: 'ask', question: 'x', gamma: 0.8, model: { source: 'bundled', variant: '' } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
