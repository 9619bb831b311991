import { useMemo } from 'react';
import { useStore } from '../state/store';
import { formatBytes } from '../storage/size';
import { runCost, statesBytesPerPosition } from './cost';
import { setKeepStates, useHistorySettings } from './settings';

/** The "Keep full states in history" setting, with what it costs on the loaded model and the last run. */
export function KeepStatesSetting() {
  const keep = useHistorySettings((s) => s.keepStates);
  const config = useStore((s) => s.model.info?.config ?? null);
  const modelName = useStore((s) => s.model.info?.name ?? null);
  const run = useStore((s) => s.run);
  const finished = run && run.status !== 'running' && run.status !== 'stopping' ? run : null;
  const cost = useMemo(() => (finished ? runCost(finished) : null), [finished]);
  const perPos = config ? statesBytesPerPosition(config.layers, config.hiddenSize) : null;
  return (
    <div className="history-keep">
      <label className="inline">
        <input type="checkbox" checked={keep} onChange={(e) => setKeepStates(e.target.checked)} data-testid="history-keep-states" />
        Keep full states in history
      </label>
      <p className="note" data-testid="history-keep-cost">
        {perPos !== null && config
          ? `Full states take ${formatBytes(perPos)} per token on ${modelName ?? 'the loaded model'} ((${config.layers} layers + 2) × ${config.hiddenSize} × 4 bytes, prompt tokens included). `
          : 'Full states take (layers + 2) × hidden size × 4 bytes per token, prompt tokens included. '}
        {cost && cost.states > 0
          ? `The current run’s states are ${formatBytes(cost.states)}; the rest of it is ${formatBytes(cost.withoutStates)}. `
          : cost
            ? `The current run saves in ${formatBytes(cost.withoutStates)} without states. `
            : ''}
        Without them a reopened run still shows its text, scores, energies, heatmap and trajectories; the logit lens needs them.
        {keep ? ' Applies to runs that finish from now on.' : ''}
      </p>
    </div>
  );
}
