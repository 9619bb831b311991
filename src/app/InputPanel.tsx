import { useRef, useState, type KeyboardEvent } from 'react';
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
  const queued = useStore((s) => s.queued);
  const busy = status === 'running' || status === 'stopping';
  const runRef = useRef<HTMLButtonElement>(null);
  const note =
    modelStatus === 'loading'
      ? queued
        ? null // the button and the status line say it
        : 'The model is loading; you can type meanwhile, and a run you ask for starts by itself once it is ready.'
      : !engineReady
        ? 'The model engine is not connected in this build yet; what you type is kept in this browser only.'
        : null;
  // aria-disabled, not disabled: a disabled button drops the keyboard focus to <body>, so the
  // buttons stay focusable and ignore clicks while they cannot act.
  const canStop = status === 'running' || queued !== null;
  const stop = (
    <button
      type="button"
      aria-disabled={!canStop}
      onClick={() => {
        if (!canStop) return;
        void cancelRun();
        runRef.current?.focus(); // Stop is inert once the run stops: focus goes back to the run button
      }}
    >
      Stop
    </button>
  );
  /** Generate or Score trace: while the model loads a click is queued and the button says so. */
  const runButton = (kind: 'generate' | 'score', label: string, run: () => unknown) => {
    const waiting = queued === kind;
    const off = busy || waiting;
    return (
      <button ref={runRef} type="button" className="primary" aria-disabled={off} onClick={() => void (off ? undefined : run())} data-testid="run-button" data-queued={waiting || undefined}>
        {waiting ? 'Will run when the model is ready' : label}
      </button>
    );
  };
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
            {runButton('generate', 'Generate', generate)}
            {stop}
          </div>
        </div>
      ) : (
        <div role="tabpanel" id="panel-paste" aria-labelledby="tab-paste">
          <PastePanel onSubmitKey={submitOn(scoreTrace)} />
          <div className="buttons">
            {runButton('score', 'Score trace', scoreTrace)}
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
