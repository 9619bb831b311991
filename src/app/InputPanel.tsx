import { useState, type KeyboardEvent } from 'react';
import { Tabs } from '../components/Tabs';
import { ErrorNote } from '../components/ErrorNote';
import { cancelRun, generate, scoreTrace, setMode, setQuestion } from '../state/actions';
import { selectInputError, selectRunStatus } from '../state/selectors';
import type { InputMode } from '../state/slices';
import { useStore } from '../state/store';
import { ImportButton, useRunFileDrop, type ImportOutcome } from './ImportButton';
import { MemoryPlanLine } from './MemoryPlanLine';
import { PastePanel } from './PastePanel';
import { RunStatusLine } from './RunStatusLine';
import { ShareBanner, ShareLinkButton } from './ShareLink';
import { useShareLinkAtStart } from './useAppEffects';

const TABS: { id: InputMode; label: string }[] = [
  { id: 'ask', label: 'Ask' },
  { id: 'paste', label: 'Paste a trace' },
];

/** Ctrl+Enter (⌘+Enter on a Mac) runs from any of the input fields. */
function submitOn(run: () => unknown) {
  return (e: KeyboardEvent) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void run();
    }
  };
}

export function InputPanel() {
  useShareLinkAtStart();
  const [imported, setImported] = useState<ImportOutcome>({ error: null, opened: null });
  const drop = useRunFileDrop(setImported);
  const mode = useStore((s) => s.mode);
  const question = useStore((s) => s.question);
  const inputError = useStore(selectInputError);
  const status = useStore(selectRunStatus);
  const engineReady = useStore((s) => s.engineReady);
  const modelStatus = useStore((s) => s.model.status);
  const busy = status === 'running' || status === 'stopping';
  const note = !engineReady
    ? 'The model engine is not connected in this build yet; what you type is kept in this browser only.'
    : modelStatus === 'loading'
      ? 'The model is loading; you can type meanwhile.'
      : null;
  const stop = (
    <button type="button" onClick={() => void cancelRun()} disabled={status !== 'running'}>
      Stop
    </button>
  );
  return (
    <section className={`panel input-panel${drop.over ? ' drop-over' : ''}`} aria-labelledby="input-heading" {...drop.handlers}>
      <h2 id="input-heading">Input</h2>
      <ShareBanner />
      <Tabs label="Input mode" tabs={TABS} value={mode} onChange={setMode} />
      {mode === 'ask' ? (
        <div role="tabpanel" id="panel-ask" aria-labelledby="tab-ask">
          <label htmlFor="question">Question for the model</label>
          <textarea
            id="question"
            rows={4}
            placeholder="(12+7)*3=?"
            value={question}
            onChange={(e) => setQuestion(e.target.value)}
            onKeyDown={submitOn(generate)}
            aria-describedby="ask-help"
          />
          <p id="ask-help" className="note">
            Ctrl+Enter generates.
          </p>
          <div className="buttons">
            <button type="button" className="primary" onClick={() => void generate()} disabled={busy}>
              Generate
            </button>
            {stop}
          </div>
        </div>
      ) : (
        <div role="tabpanel" id="panel-paste" aria-labelledby="tab-paste">
          <PastePanel onSubmitKey={submitOn(scoreTrace)} />
          <div className="buttons">
            <button type="button" className="primary" onClick={() => void scoreTrace()} disabled={busy}>
              Score trace
            </button>
            {stop}
          </div>
        </div>
      )}
      <MemoryPlanLine />
      <ErrorNote message={inputError} testId="input-error" />
      {note && (
        <p id="engine-note" className="note">
          {note}
        </p>
      )}
      <RunStatusLine />
      <div className="run-files">
        <ImportButton outcome={imported} onOutcome={setImported} />
        <ShareLinkButton />
      </div>
    </section>
  );
}
