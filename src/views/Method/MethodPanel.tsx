import { useId } from 'react';
import { SCORERS } from '../../core/scores/index';
import { setGamma } from '../../state/actions';
import { selectEducator, selectGamma } from '../../state/selectors';
import { DEFAULT_GAMMA } from '../../state/slices';
import { useStore } from '../../state/store';
import { CAPTIONS } from '../captions';
import { orientationText } from '../Confidence/layout';
import { fmt } from '../shared/format';
import { LayerAblation } from '../Verdict/LayerAblation';

/**
 * The formulas in use (from the scorer registry) and γ. Shown before any run too: what the numbers
 * will mean is worth reading first. Moving γ re-derives every energy on the page; no model call.
 */
export function MethodPanel() {
  const gamma = useStore(selectGamma);
  const educator = useStore(selectEducator);
  const id = useId();
  return (
    <section className="view method-panel" aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>Method</h3>
      {educator && (
        <p className="caption" role="note">
          {CAPTIONS.method}
        </p>
      )}
      <div className="gamma">
        <label htmlFor={`${id}-g`}>γ, the weight of the kinetic term in the v1 energy E_t = γ·K_t + (1−γ)·P_t</label>
        <input
          id={`${id}-g`}
          type="range"
          min={0}
          max={1}
          step={0.05}
          value={gamma}
          onChange={(e) => setGamma(Number(e.target.value))}
          aria-describedby={`${id}-gn`}
        />
        <output htmlFor={`${id}-g`} data-testid="gamma-value">
          {fmt(gamma, 2)}
        </output>
        <button type="button" onClick={() => setGamma(DEFAULT_GAMMA)} disabled={gamma === DEFAULT_GAMMA}>
          Reset to {DEFAULT_GAMMA}
        </button>
        <p id={`${id}-gn`} className="note">
          The v1 energies are recomputed on this page from each token’s stored K_t and P_t; the model is not run again. The v2 energy has no γ.
        </p>
      </div>
      <details className="method">
        <summary>How each score is computed</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Score</th>
              <th scope="col">Formula</th>
              <th scope="col">Reads</th>
            </tr>
          </thead>
          <tbody>
            {SCORERS.map((s) => {
              const o = orientationText(s.orientation);
              return (
                <tr key={s.id}>
                  <th scope="row">{s.label}</th>
                  <td>
                    {s.formula}
                    <div className="tip-source">{s.source}</div>
                  </td>
                  <td>
                    {o.arrow} {o.reads}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </details>
      <LayerAblation />
    </section>
  );
}
