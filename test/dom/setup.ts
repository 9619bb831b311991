import { cleanup, configure } from '@testing-library/react';
import { afterEach, beforeEach } from 'vitest';
import { setEngine } from '../../src/state/actions';
import { initialState, useStore } from '../../src/state/store';

/**
 * Shared set-up for the jsdom tests (imported first by each file; the vitest config has no setup
 * file of ours). jsdom has no 2-D canvas: getContext answers null quietly instead of logging
 * "not implemented", and the views skip their canvas drawing, as they would on a failed context.
 */
// findBy…/waitFor wait up to 5 s, not 1 s: on a loaded 2-core CI machine an IndexedDB round trip
// through fake-indexeddb plus a React render can take over a second (seen in the history tests).
configure({ asyncUtilTimeout: 5000 });

HTMLCanvasElement.prototype.getContext = (() => null) as unknown as HTMLCanvasElement['getContext'];

beforeEach(() => {
  localStorage.clear();
  setEngine(null);
  useStore.setState(initialState());
  delete document.documentElement.dataset.theme;
});

afterEach(() => {
  cleanup();
});
