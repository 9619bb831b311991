import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_HUB_HOST } from '../../src/engine/source/hub';
import { connectAllowed, contentSecurityPolicy, cspBlockedMessage, sourceMatches } from '../../src/pwa/csp';
import { REPO_ROOT } from '../paths';

const SELF = 'https://inspector.example';

describe('the Content-Security-Policy', () => {
  it('is the same text in index.html, public/_headers and src/pwa/csp.ts', () => {
    const html = readFileSync(resolve(REPO_ROOT, 'index.html'), 'utf8');
    expect(/<meta http-equiv="Content-Security-Policy" content="([^"]*)" \/>/.exec(html)?.[1]).toBe(contentSecurityPolicy('meta'));
    const headers = readFileSync(resolve(REPO_ROOT, 'public/_headers'), 'utf8');
    expect(headers).toContain(`  Content-Security-Policy: ${contentSecurityPolicy('header')}\n`);
  });

  it('keeps frame-ancestors out of the <meta> (browsers reject it there) and relaxes only the dev flavour', () => {
    expect(contentSecurityPolicy('meta')).not.toMatch(/frame-ancestors/);
    expect(contentSecurityPolicy('header')).toMatch(/; frame-ancestors 'none'$/);
    const sources = contentSecurityPolicy('header').split(/[\s;]+/);
    for (const loose of ["'unsafe-inline'", "'unsafe-eval'", '*', 'https:', 'http:']) expect(sources, loose).not.toContain(loose);
    expect(contentSecurityPolicy('header', true)).toMatch(/script-src 'self' 'wasm-unsafe-eval' 'unsafe-inline'/);
  });

  it('lets the Hub loader reach huggingface.co, its CDN hosts and loopback, and nothing else', () => {
    for (const ok of [`${DEFAULT_HUB_HOST}/o/n/resolve/main/config.json`, 'https://cdn-lfs.hf.co/repos/x', 'https://cas-bridge.xethub.hf.co/x', 'https://cdn-lfs.huggingface.co/x', 'http://127.0.0.1:5173/o/n', 'http://localhost:8080/x', `${SELF}/models/x`]) {
      expect(connectAllowed(ok, SELF), ok).toBe(true);
    }
    for (const no of ['http://huggingface.co/x', 'https://huggingface.co.evil.example/x', 'https://evilhf.co/x', 'https://example.com/', 'https://127.0.0.1/x', 'ws://localhost:1/', 'not a url']) {
      expect(connectAllowed(no, SELF), no).toBe(false);
    }
  });

  it('matches ports as CSP does: default port when none is given, any with *', () => {
    expect(sourceMatches('https://hf.co', new URL('https://hf.co:443/x'))).toBe(true);
    expect(sourceMatches('https://hf.co', new URL('https://hf.co:8443/x'))).toBe(false);
    expect(sourceMatches('http://127.0.0.1:*', new URL('http://127.0.0.1/x'))).toBe(true);
  });

  it('blames the policy only in a browser (Node has none)', () => {
    expect(cspBlockedMessage('https://example.com/o/n/resolve/main/config.json')).toBeNull();
  });
});
