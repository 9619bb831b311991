import { act } from '@testing-library/react';
import { useStore } from '../../src/state/store';
import { synthRun, type SynthOptions } from '../unit/views/fixtures';

export { synthRun } from '../unit/views/fixtures';

/** Puts a finished synthetic run in the store, as the actions would after a run. */
export function showRun(o: SynthOptions = {}) {
  const s = synthRun(o);
  act(() => {
    useStore.setState({
      run: { id: 'run-test', kind: 'generate', prompt: s.prompt, status: 'done', events: s.events, result: s.result, error: null },
    });
  });
  return s;
}

/** Resolves after pending promises and `ms` of timers (the fake engine streams on a timer). */
export async function settle(ms = 0): Promise<void> {
  await act(async () => {
    await new Promise((r) => setTimeout(r, ms));
  });
}
