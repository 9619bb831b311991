import { describe, expect, it } from 'vitest';
import { explainStorageError, isQuotaError, StorageUnavailableError } from '../../../src/storage/idb';
import { estimateSize, formatBytes } from '../../../src/storage/size';

describe('explainStorageError', () => {
  const sizes = { needed: 12_300_000, usage: 95_000_000, quota: 100_000_000 };

  it('names a full store, with the sizes, for every spelling of a quota error', () => {
    const variants: unknown[] = [
      new DOMException('The quota has been exceeded.', 'QuotaExceededError'),
      { name: 'Error', code: 22, message: 'QUOTA_EXCEEDED_ERR' }, // legacy code only
      { name: 'NS_ERROR_DOM_QUOTA_REACHED', message: 'Persistent storage maximum size reached' }, // Firefox
    ];
    for (const e of variants) {
      expect(isQuotaError(e)).toBe(true);
      const s = explainStorageError(e, sizes);
      expect(s).toMatch(/^The browser’s storage for this site is full/);
      expect(s).toContain('12 MB');
      expect(s).toContain('95 MB of the 100 MB');
      expect(s).toMatch(/Delete older runs in History/);
    }
    expect(explainStorageError(new DOMException('x', 'QuotaExceededError'))).toBe(
      'The browser’s storage for this site is full. Delete older runs in History, or save without full states, and try again.',
    );
  });

  it('explains Chrome’s UnknownError (full disk) and other failures in words', () => {
    expect(isQuotaError(new DOMException('Internal error.', 'UnknownError'))).toBe(false);
    expect(explainStorageError(new DOMException('Internal error.', 'UnknownError'), { needed: 2000 })).toMatch(/could not write to its storage \(it needed about 2\.0 kB\).*disk is full/);
    expect(explainStorageError(new DOMException('x', 'VersionError'))).toMatch(/newer version/);
    expect(explainStorageError(new DOMException('A mutation operation was attempted on a database that did not allow mutations.', 'InvalidStateError'))).toMatch(/private window/);
    expect(explainStorageError(new StorageUnavailableError('No IndexedDB here.'))).toBe('No IndexedDB here.');
    expect(explainStorageError(new Error('disk on fire'))).toBe('The browser’s storage failed: disk on fire.');
  });
});

describe('estimateSize and formatBytes', () => {
  it('counts whole buffers once, strings by length and numbers as 8 bytes', () => {
    const big = new Float32Array(1000);
    const view = big.subarray(0, 10); // a view stores its whole buffer
    expect(estimateSize(view)).toBe(4000);
    expect(estimateSize({ a: big, b: view })).toBe(4000 + 2);
    expect(estimateSize({ s: 'hello', n: 1.5, t: true, z: null })).toBe(1 + 5 + 1 + 8 + 1 + 1 + 1 + 1);
    expect(estimateSize([1, 2, 3])).toBe(24);
  });

  it('writes sizes in SI units', () => {
    expect(formatBytes(812)).toBe('812 B');
    expect(formatBytes(3400)).toBe('3.4 kB');
    expect(formatBytes(12_100_000)).toBe('12 MB');
    expect(formatBytes(2_500_000_000)).toBe('2.5 GB');
  });
});
