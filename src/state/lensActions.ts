import { engineRef } from './engineRef';
import { errorSentence } from './errors';
import { LENS_K, lensInput, lensKey, lensRows } from './lens';
import type { LensEntry } from './slices';
import { useStore } from './store';

/**
 * The logit lens for output token `index` of the current run: one engine call for its R[0..L]
 * (cached per run and token, so hovering back and forth costs nothing). Only a finished run has
 * kept states; a failure becomes a sentence in the entry, and asking again retries it.
 */
export async function requestLens(index: number): Promise<void> {
  const { run, lens, model } = useStore.getState();
  const api = engineRef();
  if (!run?.result || !api) return;
  const key = lensKey(run.id, index);
  const cached = lens[key];
  if (cached && cached.status !== 'error') return; // an engine error is retried on the next request
  const put = (entry: LensEntry): void => {
    useStore.setState((s) => (s.run?.id === run.id ? { lens: { ...s.lens, [key]: entry } } : {}));
  };
  const input = lensInput(run.result, index);
  if (!input.ok) return put({ status: 'unavailable', rows: null, targetId: null, error: input.reason });
  if (model.status !== 'ready') {
    return put({ status: 'error', rows: null, targetId: input.targetId, error: 'The logit lens needs the model that made this run; it is not loaded now, so load it again first.' });
  }
  put({ status: 'loading', rows: null, targetId: input.targetId, error: null });
  const n = input.layers + 1;
  try {
    const targets = input.targetId === null ? null : new Array<number>(n).fill(input.targetId);
    const r = await api.logitLens(input.states, input.hidden, targets, LENS_K);
    put({ status: 'done', rows: lensRows(r, n, LENS_K), targetId: input.targetId, error: null, spelled: r.spelled });
  } catch (e) {
    put({ status: 'error', rows: null, targetId: input.targetId, error: errorSentence(e, 'The logit lens failed') });
  }
}
