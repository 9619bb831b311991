import { setEducator, setTheme } from '../state/actions';
import { selectEducator } from '../state/selectors';
import type { Theme } from '../state/slices';
import { useStore } from '../state/store';
import { ModelsOnDevice } from '../pwa/ModelsOnDevice';
import { UpdatePrompt } from '../pwa/UpdatePrompt';
import { ModelStatus } from './ModelStatus';

export function Header() {
  const theme = useStore((s) => s.theme);
  const educator = useStore(selectEducator);
  return (
    <header className="header">
      <div className="title">
        <h1>CoT-Kinetics Inspector</h1>
        <p className="tagline">Is this chain of thought sound? Read it inside the model, layer by layer.</p>
      </div>
      <ModelStatus />
      <div className="settings">
        <UpdatePrompt />
        <label className="inline">
          Theme{' '}
          <select value={theme} onChange={(e) => setTheme(e.target.value as Theme)}>
            <option value="system">as the system</option>
            <option value="light">light</option>
            <option value="dark">dark</option>
          </select>
        </label>
        <label className="inline checkbox">
          <input type="checkbox" checked={educator} onChange={(e) => setEducator(e.target.checked)} /> Educator mode
        </label>
        <ModelsOnDevice />
      </div>
    </header>
  );
}
