import { cleanup } from '@testing-library/react';
import { afterEach, beforeEach } from 'vitest';
import { setEngine } from '../../src/state/actions';
import { initialState, useStore } from '../../src/state/store';

/**
 * Shared set-up for the jsdom tests (imported first by each file; the vitest config has no setup
 * file of ours). jsdom has no 2-D canvas: getContext answers null quietly instead of logging
 * "not implemented", and the views skip their canvas drawing, as they would on a failed context.
 */
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
