import { setMode, setQuestion, setTrace } from '../state/actions';
import { useStore, type InputMode } from '../state/store';

const TABS: { id: InputMode; label: string }[] = [
  { id: 'ask', label: 'Ask' },
  { id: 'paste', label: 'Paste a trace' },
];

export function InputPanel() {
  const mode = useStore((s) => s.mode);
  const question = useStore((s) => s.question);
  const trace = useStore((s) => s.trace);
  return (
    <section className="panel input-panel" aria-labelledby="input-heading">
      <h2 id="input-heading">Input</h2>
      <div role="tablist" aria-label="Input mode" className="tabs">
        {TABS.map((t) => (
          <button
            key={t.id}
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={mode === t.id}
            aria-controls={`panel-${t.id}`}
            onClick={() => setMode(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      {mode === 'ask' ? (
        <div role="tabpanel" id="panel-ask" aria-labelledby="tab-ask">
          <label htmlFor="question">Question for the model</label>
          <textarea
            id="question"
            rows={4}
            placeholder="(12+7)*3=?"
            value={question}
            onChange={(e) => setQuestion(e.target.value)}
          />
          <button type="button" disabled aria-describedby="engine-note">
            Generate
          </button>
        </div>
      ) : (
        <div role="tabpanel" id="panel-paste" aria-labelledby="tab-paste">
          <label htmlFor="trace">Finished trace (prompt, then &lt;think&gt;…&lt;/think&gt; and the answer)</label>
          <textarea id="trace" rows={10} value={trace} onChange={(e) => setTrace(e.target.value)} />
          <button type="button" disabled aria-describedby="engine-note">
            Score trace
          </button>
        </div>
      )}
      <p id="engine-note" className="note">
        The model engine is not connected in this build yet; what you type is kept in this browser only.
      </p>
    </section>
  );
}
