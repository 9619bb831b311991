import { loadModel } from '../state/actions';
import { selectModel } from '../state/selectors';
import { useStore } from '../state/store';
import { ErrorNote } from '../components/ErrorNote';
import { ProgressBar } from '../components/ProgressBar';
import { ModelPicker } from './ModelPicker';

const BACKENDS = { webgpu: 'WebGPU', wasm: 'WebAssembly (CPU)', cpu: 'CPU' } as const;
const SWITCH = { webgpu: 'Use WebGPU instead', wasm: 'Use WASM instead' } as const;

/** The model in the header: name, device, load progress per file, notices and errors, each in words; the picker below them. */
export function ModelStatus() {
  const model = useStore(selectModel);
  const engineReady = useStore((s) => s.engineReady);
  const engineNotice = useStore((s) => s.engineNotice);
  const info = model.info;
  // 'loading' first: while the app starts its engine the worker is not connected yet, but it is coming.
  const status =
    model.status === 'loading'
      ? `loading${model.phase ? ` (${model.phase})` : ''}`
      : !engineReady
        ? 'not connected'
        : model.status === 'ready'
          ? 'ready'
          : model.status === 'error'
            ? 'failed to load'
            : 'not loaded';
  const progress = Object.entries(model.progress);
  return (
    <div className="model-box">
      <dl className="model-status" aria-label="Model">
        <dt>Model</dt>
        <dd data-testid="model-name">{info ? `${info.name} (${info.variant})` : 'tiny-reasoner (bundled)'}</dd>
        <dt>Engine</dt>
        <dd data-testid="engine-status">{status}</dd>
        {info && (
          <>
            <dt>Device</dt>
            <dd data-testid="model-backend" data-backend={info.backend} data-parity={info.parity ? (info.parity.cached ? 'cached' : 'checked') : 'none'}
              data-load-ms={Math.round(info.loadMs)}
            >
              {BACKENDS[info.backend]}
              {info.adapter ? ` on ${info.adapter}` : ''} · {info.config.layers} layers, d = {info.config.hiddenSize}
              {info.backendReason && (
                <span className="backend-reason" data-testid="backend-reason">
                  {' '}
                  {info.backendReason}
                  {info.parity?.cached ? ' Parity verdict kept from an earlier check on this device.' : ''}
                </span>
              )}
              {info.switchTo && (
                <>
                  {' '}
                  <button type="button" className="link" data-testid="switch-backend" onClick={() => void loadModel(undefined, { backend: info.switchTo ?? 'auto' })}>
                    {SWITCH[info.switchTo]}
                  </button>
                </>
              )}
            </dd>
          </>
        )}
      </dl>
      {model.status === 'loading' && progress.length > 0 && (
        <div className="progress-list" aria-label="Loading the model" role="group">
          {progress.map(([k, p]) => (
            <ProgressBar key={k} p={p} />
          ))}
        </div>
      )}
      {info && info.notices.length > 0 && (
        <ul className="notices" aria-label="Notices about the model">
          {info.notices.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
      <ErrorNote message={engineNotice} testId="engine-notice" />
      <ErrorNote message={model.error} testId="model-error" />
      {model.status === 'error' && (
        <button type="button" onClick={() => void loadModel()}>
          Load the model again
        </button>
      )}
      <ModelPicker />
    </div>
  );
}
