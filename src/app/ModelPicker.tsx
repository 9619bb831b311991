import { useEffect, useState } from 'react';
import { ErrorNote } from '../components/ErrorNote';
import { formatBytes } from '../components/ProgressBar';
import type { ModelSourceSpec } from '../engine/protocol';
import type { HubDtype } from '../engine/source/hub';
import { loadModel, setPicker } from '../state/actions';
import type { FilesSource } from '../state/folderSource';
import { describeDevice, estimateHubSize, filesSize, fitWarnings, KNOWN_REPOS, type DeviceProbe } from '../state/modelFit';
import { folderShape, knownShape, planBeforeLoad } from '../state/runPlan';
import type { PickerBackend, PickerSource } from '../state/slices';
import { useStore } from '../state/store';
import { probeDevice } from './deviceProbe';
import { FolderFields } from './FolderFields';
import { HubFields } from './HubFields';

const SOURCES: readonly [PickerSource, string][] = [
  ['bundled', 'Bundled tiny-reasoner (offline)'],
  ['hub', 'A Hugging Face Hub model'],
  ['files', 'A folder on this computer'],
];

const VARIANTS: readonly [string, string][] = [
  ['', 'Best for this device'],
  ['fp32-cpu', 'fp32-cpu (exact; WebAssembly)'],
  ['int4-cpu', 'int4-cpu (small; WebAssembly)'],
  ['fp16-webgpu', 'fp16-webgpu (needs WebGPU with f16)'],
  ['int4-webgpu', 'int4-webgpu (needs WebGPU with f16)'],
];

/** The memory plan for the picked Hub repo or folder (weights plus a default run), when its shape is known. */
function pickerPlan(picker: { source: PickerSource; repo: string; dtype: string; backend: PickerBackend }, folder: FilesSource | null, bytes: number, device: DeviceProbe | null) {
  const shape = picker.source === 'hub' ? knownShape(KNOWN_REPOS[picker.repo.trim()]?.label ?? '') : folder ? folderShape(folder.files) : null;
  return shape ? planBeforeLoad(shape, bytes, picker.source === 'hub' ? picker.dtype : 'fp32', picker.backend, device) : null;
}

const REPO_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/** The browser's self-description, probed once per mount (jsdom and old browsers answer nulls). */
function useDevice(probe: () => Promise<DeviceProbe>): DeviceProbe | null {
  const [device, setDevice] = useState<DeviceProbe | null>(null);
  useEffect(() => {
    let live = true;
    probe().then(
      (d) => live && setDevice(d),
      () => live && setDevice({ webgpu: null, deviceMemoryGB: null, storage: null }),
    );
    return () => {
      live = false;
    };
  }, [probe]);
  return device;
}

/**
 * Where the model comes from: the bundled one (and its graph), a Hub repo (with dtype and
 * revision), or a local folder. Before a Hub download starts, the size is estimated and weighed
 * against the device; the user may go on anyway. Engine errors show in the model box beside it.
 */
export function ModelPicker({ probe = probeDevice }: { readonly probe?: () => Promise<DeviceProbe> }) {
  const picker = useStore((s) => s.picker);
  const engineReady = useStore((s) => s.engineReady);
  const loading = useStore((s) => s.model.status === 'loading');
  const device = useDevice(probe);
  const [folder, setFolder] = useState<FilesSource | null>(null);
  const [confirm, setConfirm] = useState<{ spec: ModelSourceSpec; warnings: string[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const backend = picker.backend;
  const estimate = picker.source === 'hub' ? estimateHubSize(picker.repo, picker.dtype) : picker.source === 'files' && folder ? filesSize(folder.files) : null;
  const folderWarnings = picker.source === 'files' && estimate ? fitWarnings(estimate, device, { backend }) : [];
  const loadPlan = estimate ? pickerPlan(picker, folder, estimate.bytes, device) : null;

  const start = (spec: ModelSourceSpec) => {
    setConfirm(null);
    void loadModel(spec, { backend });
  };
  const onLoad = () => {
    setError(null);
    if (picker.source === 'bundled') return start(picker.variant ? { kind: 'bundled', variant: picker.variant } : { kind: 'bundled' });
    if (picker.source === 'files') {
      if (!folder) return setError('Pick or drop a model folder first.');
      return start(folder);
    }
    const repo = picker.repo.trim();
    if (!REPO_ID.test(repo)) return setError(`“${repo}” is not a Hub repo id: expected owner/name, e.g. onnx-community/Qwen3-0.6B-ONNX.`);
    const spec: ModelSourceSpec = { kind: 'hub', repo, dtype: picker.dtype as HubDtype, ...(picker.revision.trim() ? { revision: picker.revision.trim() } : {}) };
    const warnings = estimate ? fitWarnings(estimate, device, { backend, download: true }) : [];
    if (warnings.length > 0) return setConfirm({ spec, warnings });
    start(spec);
  };

  return (
    <details className="model-picker">
      <summary>Choose a model…</summary>
      <fieldset className="picker-source">
        <legend>Model source</legend>
        {SOURCES.map(([id, label]) => (
          <label key={id} className="inline radio">
            <input type="radio" name="picker-source" value={id} checked={picker.source === id} onChange={() => (setPicker({ source: id }), setConfirm(null))} /> {label}
          </label>
        ))}
      </fieldset>
      {picker.source === 'bundled' && (
        <>
          <label htmlFor="picker-variant">Graph</label>
          <select id="picker-variant" value={picker.variant} onChange={(e) => setPicker({ variant: e.target.value })}>
            {VARIANTS.map(([v, label]) => (
              <option key={v} value={v}>
                {label}
              </option>
            ))}
          </select>
        </>
      )}
      {picker.source === 'hub' && <HubFields picker={picker} />}
      {picker.source === 'files' && <FolderFields folder={folder} onFolder={(f) => (setFolder(f), setError(null))} onError={setError} />}
      <label htmlFor="picker-backend">Run on</label>
      <select id="picker-backend" value={backend} onChange={(e) => setPicker({ backend: e.target.value as PickerBackend })}>
        <option value="auto">WebGPU when available, else WebAssembly</option>
        <option value="webgpu">WebGPU</option>
        <option value="wasm">WebAssembly (CPU)</option>
      </select>
      {estimate && (
        <p className="note" data-testid="picker-size">
          Size: about {formatBytes(estimate.bytes)} ({estimate.basis}).
        </p>
      )}
      {picker.source === 'hub' && !estimate && <p className="note">The size of this repo is not known before its download starts.</p>}
      {loadPlan && (
        <p className="note" data-testid="picker-plan" data-verdict={loadPlan.verdict}>
          {loadPlan.sentence}
        </p>
      )}
      {folderWarnings.length > 0 && (
        <ul className="notices" aria-label="Will it fit?">
          {folderWarnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      <div className="buttons">
        <button type="button" className="primary" onClick={onLoad} disabled={!engineReady || loading || confirm !== null}>
          {picker.source === 'hub' ? 'Download and load' : 'Load'}
        </button>
      </div>
      {confirm && (
        <div className="fit-warning" role="alert" data-testid="fit-warning">
          <p>This model will likely not fit this device:</p>
          <ul>
            {confirm.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
          <div className="buttons">
            <button type="button" onClick={() => start(confirm.spec)}>
              Download anyway
            </button>
            <button type="button" onClick={() => setConfirm(null)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      <ErrorNote message={error} testId="picker-error" />
      <div className="device" data-testid="picker-device" aria-label="This device">
        {device ? describeDevice(device).map((l) => <p key={l} className="note">{l}</p>) : <p className="note">Looking at this device…</p>}
      </div>
    </details>
  );
}
