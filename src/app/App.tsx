import { Tabs } from '../components/Tabs';
import { setView } from '../state/batchActions';
import { useBatchStore, type AppView } from '../state/batchStore';
import { BatchPanel } from './BatchPanel';
import { Header } from './Header';
import { InputPanel } from './InputPanel';
import { ResultsArea } from './ResultsArea';
import { useEducatorKeys, useThemeAttribute } from './useAppEffects';

const VIEWS: { id: AppView; label: string }[] = [
  { id: 'inspect', label: 'Inspect a trace' },
  { id: 'batch', label: 'Batch' },
];

export function App() {
  useThemeAttribute();
  useEducatorKeys();
  const view = useBatchStore((s) => s.view);
  return (
    <div className="app">
      <Header />
      <Tabs label="View" tabs={VIEWS} value={view} onChange={setView} idPrefix="view-" />
      {view === 'inspect' ? (
        <main className="layout" role="tabpanel" id="view-panel-inspect" aria-labelledby="view-tab-inspect">
          <InputPanel />
          <ResultsArea />
        </main>
      ) : (
        <main className="layout-batch" aria-labelledby="view-tab-batch">
          <BatchPanel />
        </main>
      )}
    </div>
  );
}
