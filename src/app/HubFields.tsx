import { setPicker } from '../state/actions';
import { KNOWN_REPOS } from '../state/modelFit';
import type { PickerDraft } from '../state/slices';

export const HUB_DTYPES = ['q4f16', 'q4', 'fp16', 'q8', 'int8', 'uint8', 'bnb4', 'fp32'] as const;

/** The recommended repos first; any other id in the onnx-community layout can be typed. */
const PRESETS: readonly { readonly repo: string; readonly label: string }[] = [
  { repo: 'onnx-community/Qwen3-0.6B-ONNX', label: 'Qwen3-0.6B (recommended, q4f16)' },
  { repo: 'onnx-community/DeepSeek-R1-Distill-Qwen-1.5B-ONNX', label: 'DeepSeek-R1-Distill-Qwen-1.5B' },
];

export function HubFields({ picker }: { readonly picker: PickerDraft }) {
  const preset = KNOWN_REPOS[picker.repo.trim()] ? picker.repo.trim() : '';
  return (
    <div className="hub-fields">
      <label htmlFor="picker-preset">Hub model</label>
      <select id="picker-preset" value={preset} onChange={(e) => e.target.value && setPicker({ repo: e.target.value, dtype: 'q4f16' })}>
        {PRESETS.map((p) => (
          <option key={p.repo} value={p.repo}>
            {p.label}
          </option>
        ))}
        <option value="">Another repo (type its id below)</option>
      </select>
      <label htmlFor="picker-repo">Repo id</label>
      <input
        id="picker-repo"
        type="text"
        spellCheck={false}
        autoComplete="off"
        placeholder="owner/name, e.g. onnx-community/Qwen3-0.6B-ONNX"
        value={picker.repo}
        onChange={(e) => setPicker({ repo: e.target.value })}
      />
      <label htmlFor="picker-dtype">Weights (dtype)</label>
      <select id="picker-dtype" value={picker.dtype} onChange={(e) => setPicker({ dtype: e.target.value })}>
        {HUB_DTYPES.map((d) => (
          <option key={d} value={d}>
            {d}
            {d === 'q4f16' ? ' (smallest for WebGPU)' : d === 'fp32' ? ' (exact, largest)' : ''}
          </option>
        ))}
      </select>
      <label htmlFor="picker-revision">Revision (branch, tag or commit; empty = main)</label>
      <input id="picker-revision" type="text" spellCheck={false} autoComplete="off" value={picker.revision} onChange={(e) => setPicker({ revision: e.target.value })} />
    </div>
  );
}
