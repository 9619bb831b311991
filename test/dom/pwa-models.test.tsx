import { describe, expect, it } from 'vitest';
import { DTYPE_SUFFIX, hubFileUrl, type HubDtype } from '../../src/engine/source/hub';
import { describeHubModel, dtypeOfFile, groupHubEntries, keysToDelete, parseHubKey } from '../../src/pwa/offlineModels';

/** Keys exactly as the Hub loader names its cache entries (hubFileUrl), with made-up sizes. */
const entry = (repo: string, file: string, bytes: number, host?: string, revision?: string) => ({ key: hubFileUrl(repo, file, host, revision), bytes });

describe('grouping the Hub cache for "Models on this device"', () => {
  it('knows every dtype by its graph and weight file names', () => {
    for (const [dtype, suffix] of Object.entries(DTYPE_SUFFIX) as [HubDtype, string][]) {
      expect(dtypeOfFile(`onnx/model${suffix}.onnx`)).toBe(dtype);
      expect(dtypeOfFile(`onnx/model${suffix}.onnx_data`)).toBe(dtype);
      expect(dtypeOfFile(`onnx/model${suffix}.onnx_data_3`)).toBe(dtype);
    }
    expect(dtypeOfFile('config.json')).toBeNull();
    expect(dtypeOfFile('tokenizer.json')).toBeNull();
    expect(dtypeOfFile('onnx/decoder_model_merged.onnx')).toBe('other');
  });

  it('splits a key into host, repo, revision (decoded) and file, also under a mirror path', () => {
    expect(parseHubKey(hubFileUrl('o/n', 'onnx/model.onnx', 'http://127.0.0.1:8080/mirror/', 'refs/pr/1'))).toEqual({
      host: 'http://127.0.0.1:8080/mirror',
      repo: 'o/n',
      revision: 'refs/pr/1',
      file: 'onnx/model.onnx',
    });
    expect(parseHubKey('https://example.org/not/a/hub/key')).toBeNull();
  });

  it('gives one row per repo, revision and dtype; shared files count in each row and go with the last one', () => {
    const q = 'onnx-community/Qwen3-0.6B-ONNX';
    const entries = [
      entry(q, 'config.json', 1_000),
      entry(q, 'tokenizer.json', 10_000),
      entry(q, 'onnx/model_q4f16.onnx', 500_000),
      entry(q, 'onnx/model_q4f16.onnx_data', 400_000_000),
      entry(q, 'onnx/model.onnx', 600_000),
      entry(q, 'config.json', 1_000, undefined, 'v2'),
      { key: 'https://example.org/left-over', bytes: 7 },
    ];
    const { models, unknown } = groupHubEntries(entries);
    expect(unknown).toEqual([{ key: 'https://example.org/left-over', bytes: 7 }]);
    expect(models.map((m) => [describeHubModel(m), m.bytes, m.files.length, m.shared.length, m.hasGraph])).toEqual([
      [`${q} · q4f16`, 400_511_000, 2, 2, true],
      [`${q} · fp32`, 611_000, 1, 2, true],
      [`${q} · no graph yet · revision v2`, 1_000, 0, 1, false],
    ]);
    const [q4f16, fp32, v2] = models;
    // fp32 still needs config and tokenizer: deleting q4f16 leaves them.
    expect(keysToDelete(q4f16, models).sort()).toEqual(q4f16.files.map((f) => f.key).sort());
    const rest = models.filter((m) => m !== q4f16);
    expect(keysToDelete(fp32, rest).sort()).toEqual([...fp32.files, ...fp32.shared].map((f) => f.key).sort());
    // A revision is its own repo state: its shared files go with it.
    expect(keysToDelete(v2, models)).toEqual([hubFileUrl(q, 'config.json', undefined, 'v2')]);
  });

  it('names a host other than huggingface.co', () => {
    const { models } = groupHubEntries([entry('test-org/m', 'onnx/model_q4.onnx', 5, 'http://127.0.0.1:9/')]);
    expect(describeHubModel(models[0])).toBe('test-org/m · q4 · from http://127.0.0.1:9');
  });
});
