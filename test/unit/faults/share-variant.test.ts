import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_VARIANTS, decodeShare, encodeShare, ShareLinkError, type SharePayload } from '../../../src/share/codec';
import { REPO_ROOT } from '../../paths';
import { recordProbe } from '../../reliability';

/** A share link can name only a bundled graph the model's manifest lists. */
describe('share link model variant', () => {
  it('the list the links are checked against is the manifest’s', () => {
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'public/models/tiny-reasoner/manifest.json'), 'utf8')) as { variants: string[] };
    expect([...BUNDLED_VARIANTS]).toEqual(manifest.variants);
  });

  it('refuses a link that names a path or an unknown graph as the bundled variant', () => {
    const base: SharePayload = { mode: 'ask', question: '2+2=?', gamma: 0.8, model: { source: 'bundled', variant: 'fp32-cpu' } };
    expect(decodeShare(encodeShare(base)).model).toEqual({ source: 'bundled', variant: 'fp32-cpu' });
    for (const variant of ['../../etc/passwd', 'fp32-cpu/../../x', 'int8-npu', '%2e%2e/secret']) {
      const link = encodeShare({ ...base, model: { source: 'bundled', variant } });
      let err: unknown = null;
      try {
        decodeShare(link);
      } catch (e) {
        err = e;
      }
      expect(err, variant).toBeInstanceOf(ShareLinkError);
      expect((err as Error).message).toMatch(/names a bundled graph “.*” that this app does not have \(it has fp32-cpu, int4-cpu, fp16-webgpu, int4-webgpu\)\./);
      recordProbe({ area: 'share link', input: `bundled variant ${variant}`, outcome: 'refused with a sentence', said: (err as Error).message, kept: 'the drafts and the model picker as they were' });
    }
  });
});
