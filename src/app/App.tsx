import { useEffect } from 'react';
import { Tabs } from '../components/Tabs';
import { startAutosave } from '../history/autosave';
import { SaveNotice } from '../history/SaveNotice';
import { showView, useAppTab, type AppTab } from '../history/view';
import { BatchPanel } from './BatchPanel';
import { ComparePanel } from './ComparePanel';
import { Header } from './Header';
import { HistoryPanel } from './HistoryPanel';
import { InputPanel } from './InputPanel';
import { ResultsArea } from './ResultsArea';
import { useEducatorKeys, useThemeAttribute } from './useAppEffects';

const VIEWS: { id: AppTab; label: string }[] = [
  { id: 'inspect', label: 'Inspect a trace' },
  { id: 'batch', label: 'Batch' },
  { id: 'history', label: 'History' },
  { id: 'compare', label: 'Compare' },
];

export function App() {
  useThemeAttribute();
  useEducatorKeys();
  // Every finished run goes to history (IndexedDB); the subscription lives as long as the page.
  useEffect(() => startAutosave(), []);
  const view = useAppTab();
  const panel = (id: AppTab) => ({ role: 'tabpanel', id: `view-panel-${id}`, 'aria-labelledby': `view-tab-${id}` }) as const;
  return (
    <div className="app">
      <Header />
      <Tabs label="View" tabs={VIEWS} value={view} onChange={showView} idPrefix="view-" />
      <SaveNotice />
      {view === 'inspect' ? (
        <main className="layout" {...panel('inspect')}>
          <InputPanel />
          <ResultsArea />
        </main>
      ) : view === 'batch' ? (
        // BatchPanel is its own tabpanel (id view-panel-batch).
        <main className="layout-batch" aria-labelledby="view-tab-batch">
          <BatchPanel />
        </main>
      ) : view === 'history' ? (
        <main className="layout-history" {...panel('history')}>
          <HistoryPanel />
        </main>
      ) : (
        <main className="layout-compare" {...panel('compare')}>
          <ComparePanel />
        </main>
      )}
    </div>
  );
}
