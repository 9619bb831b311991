import { Header } from './Header';
import { InputPanel } from './InputPanel';
import { ResultsArea } from './ResultsArea';
import { useEducatorKeys, useThemeAttribute } from './useAppEffects';

export function App() {
  useThemeAttribute();
  useEducatorKeys();
  return (
    <div className="app">
      <Header />
      <main className="layout">
        <InputPanel />
        <ResultsArea />
      </main>
    </div>
  );
}
