import { Header } from './Header';
import { InputPanel } from './InputPanel';
import { ResultsArea } from './ResultsArea';

export function App() {
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
