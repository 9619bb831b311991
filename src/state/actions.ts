import { useStore, type InputMode } from './store';

export function setMode(mode: InputMode): void {
  useStore.setState({ mode });
}

export function setQuestion(question: string): void {
  useStore.setState({ question });
}

export function setTrace(trace: string): void {
  useStore.setState({ trace });
}
